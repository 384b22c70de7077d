"""The proposal store on a real in-memory SQLite database: receipts, idempotency, support, status, contacts."""
from datetime import datetime, timedelta, timezone

import pytest

from civic import proposals as P
from civic.db import migrate, open_db
from civic.pii import Contact
from civic.retention import contacts_summary, purge_expired_contacts

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=timezone.utc)
TEXT = "북구 용봉동 전남대 후문 앞 가로등이 일주일째 꺼져 있어서 밤길이 너무 어두워요."


@pytest.fixture
def db():
    database = open_db(":memory:")
    migrate(database)
    return database


def create(db, text=TEXT, sender="web:abc", now=T0, **kw):
    return P.create_proposal(db, P.ProposalDraft(text, **kw), sender_id=sender, now=now, retention_days=180,
                             assign_topic=False)


def test_receipts_are_sequential_per_year_and_in_kst(db):
    first = create(db).proposal
    second = create(db, text="버스 정류장 의자가 부서졌어요", sender="web:def").proposal
    # 2026-12-31 16:00 UTC is already 2027-01-01 in Korea.
    next_year = create(db, text="신호등 시간이 짧아요", now=datetime(2026, 12, 31, 16, tzinfo=timezone.utc)).proposal
    assert (first.receipt, second.receipt, next_year.receipt) == ("GJ-2026-000001", "GJ-2026-000002",
                                                                 "GJ-2027-000001")


def test_stores_masked_text_hash_of_sender_and_history(db):
    result = create(db, text=TEXT + " 연락은 010-1234-5678로 주세요.", district="북구", place="용봉동 후문")
    p = result.proposal
    assert result.created and p.status == "received" and p.status_label == "접수"
    assert "[전화번호]" in p.masked_text and "010-1234-5678" not in p.masked_text
    assert "010-1234-5678" in P.original_text(db, p.id)
    assert p.pii_kinds == ("phone",)
    assert (p.channel, p.district, p.place, p.category) == ("web", "북구", "용봉동 후문", "도로/시설")
    row = db["proposals"].get(p.id)
    assert row["sender_hash"] and "abc" not in row["sender_hash"]
    assert [h.status for h in P.history(db, p.id)] == ["received"]


def test_same_text_same_sender_within_a_minute_is_one_proposal(db):
    first = create(db)
    retry = create(db, now=T0 + timedelta(seconds=40))
    assert not retry.created and retry.proposal.receipt == first.proposal.receipt
    other_sender = create(db, sender="kakao:zz", now=T0 + timedelta(seconds=41))
    later = create(db, now=T0 + timedelta(seconds=90))
    assert other_sender.created and later.created
    assert P.count_proposals(db) == 3


@pytest.mark.parametrize(("text", "code"), [("", "empty"), ("   \n ", "empty"), ("가" * 5001, "too_long"),
                                             ("😡😡😡👎", "emoji"), ("ㅋㅋㅋㅋㅋㅋㅋㅋㅋㅋ", "spam")])
def test_bad_text_raises_and_stores_nothing(db, text, code):
    with pytest.raises(P.InvalidProposal) as err:
        create(db, text=text)
    assert err.value.code == code and err.value.message
    assert P.count_proposals(db) == 0
    assert db.execute("SELECT count(*) FROM receipt_counters").fetchone()[0] == 0


def test_support_once_and_not_own(db):
    p = create(db).proposal
    assert P.add_support(db, p.receipt, "kakao:u1").outcome == "added"
    again = P.add_support(db, p.receipt.lower().replace("-", " "), "kakao:u1")
    assert again.outcome == "already"
    assert P.add_support(db, p.id, "web:abc").outcome == "own"
    assert P.add_support(db, p.id, "web:u2").proposal.support_count == 2
    with pytest.raises(P.ProposalNotFound):
        P.add_support(db, "GJ-2026-999999", "web:u3")


def test_status_change_with_answer_and_history(db):
    p = create(db).proposal
    with pytest.raises(P.InvalidStatusChange):
        P.change_status(db, p.id, "answered", actor="kim")  # an answer is required
    with pytest.raises(P.InvalidStatusChange):
        P.change_status(db, p.id, "done", actor="kim")
    P.change_status(db, p.id, "reviewing", actor="kim", now=T0 + timedelta(hours=1))
    done = P.change_status(db, p.id, "answered", actor="kim", answer="3월 5일에 가로등을 교체했어요.",
                           now=T0 + timedelta(days=2))
    assert (done.status_label, done.answer) == ("답변완료", "3월 5일에 가로등을 교체했어요.")
    assert [(h.previous_status, h.status) for h in P.history(db, p.id)] == [
        (None, "received"), ("received", "reviewing"), ("reviewing", "answered")]
    view = P.lookup_status(db, p.receipt, "web:abc")
    assert view.own and view.proposal.answer
    assert not P.lookup_status(db, p.receipt, "kakao:someone").own
    assert P.lookup_status(db, "GJ-2026-000404") is None


def test_own_proposals_are_per_sender_and_channel(db):
    create(db, sender="kakao:u1")
    create(db, text="쓰레기 무단투기가 심해요", sender="kakao:u1")
    create(db, text="공원 화장실이 더러워요", sender="web:u1")  # same id on another channel is someone else
    assert [p.receipt for p in P.proposals_of_sender(db, "kakao:u1")] == ["GJ-2026-000002", "GJ-2026-000001"]
    assert len(P.proposals_of_sender(db, "web:u1")) == 1


def test_contacts_kept_apart_and_deleted_after_retention(db):
    p = create(db, contact=Contact("phone", "010-2222-3333")).proposal
    assert "010" not in (db["proposals"].get(p.id)["text"])
    assert P.contact_for(db, p.id, now=T0) == Contact("phone", "010-2222-3333")
    assert purge_expired_contacts(db, now=T0 + timedelta(days=179)) == 0
    assert contacts_summary(db, now=T0 + timedelta(days=181)) == {"kept": 0, "overdue": 1}
    assert purge_expired_contacts(db, now=T0 + timedelta(days=181)) == 1
    assert P.contact_for(db, p.id, now=T0) is None
    assert P.get_proposal(db, p.id).receipt == p.receipt  # the proposal itself stays


def test_receipt_normalisation():
    for typed in ("GJ-2026-000123", "gj 2026 000123", "GJ2026000123", "접수번호 gj-2026-123 이에요"):
        assert P.normalize_receipt(typed) == "GJ-2026-000123"
    assert P.normalize_receipt("2026-000123") is None


def test_admin_listing_filters_and_search(db):
    create(db)
    create(db, text="버스 배차 간격이 너무 길어요", sender="web:x", category="교통")
    assert P.count_proposals(db, category="교통") == 1
    assert [p.receipt for p in P.list_proposals(db, query="배차")] == ["GJ-2026-000002"]
    assert [p.receipt for p in P.list_proposals(db, order="old", limit=1)] == ["GJ-2026-000001"]
    assert P.list_proposals(db, query="100%_") == []


def test_migrations_are_versioned_and_idempotent(tmp_path):
    path = tmp_path / "civic.db"
    first = migrate(open_db(path))
    assert "civic.proposals:m001_proposal_tables" in first
    assert migrate(open_db(path)) == []
    assert open_db(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
