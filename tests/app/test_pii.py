"""PII masking on realistic (hand-written) Korean proposal text."""
import itertools

import pytest

from civic.pii import Contact, find_pii, luhn_ok, mask, mask_contact, mask_text, parse_contact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("가로등이 고장났어요. 확인되면 010-1234-5678로 연락 주세요.",
         "가로등이 고장났어요. 확인되면 [전화번호]로 연락 주세요."),
        ("제 번호는 01098765432 입니다", "제 번호는 [전화번호] 입니다"),
        ("관리사무소 02-123-4567, 구청 062-613-1234 둘 다 안 받아요",
         "관리사무소 [전화번호], 구청 [전화번호] 둘 다 안 받아요"),
        ("해외에 있어서 +82 10 2345 6789 로 문자 주세요", "해외에 있어서 [전화번호] 로 문자 주세요"),
        ("연락처 (062)123-4567", "연락처 [전화번호]"),
        ("주민번호 900101-1234567 적으라는 서식이 불편해요", "주민번호 [주민등록번호] 적으라는 서식이 불편해요"),
        ("신청서에 8503152345678 이렇게 붙여 썼어요", "신청서에 [주민등록번호] 이렇게 붙여 썼어요"),
        ("답변은 hong.gildong@example.co.kr 로 보내 주세요", "답변은 [이메일] 로 보내 주세요"),
        ("카드 4532 0151 1283 0366 로 결제했는데 환불이 안 돼요", "카드 [카드번호] 로 결제했는데 환불이 안 돼요"),
        ("광주은행 계좌 1107-123-456789 로 환급해 주세요", "광주은행 계좌 [계좌번호] 로 환급해 주세요"),
        ("신한 110123456789 로 입금했어요", "신한 [계좌번호] 로 입금했어요"),
        ("12가3456 차량이 매일 소화전 앞에 불법주차해요", "[차량번호] 차량이 매일 소화전 앞에 불법주차해요"),
        ("광주 34나 5678 트럭이 인도를 막고 있어요", "[차량번호] 트럭이 인도를 막고 있어요"),
        ("신형 번호판 123가4567 차가 밤새 공회전해요", "신형 번호판 [차량번호] 차가 밤새 공회전해요"),
    ],
)
def test_masks_realistic_text(text, expected):
    assert mask_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "2024-03-15에 신청했는데 아직 답이 없어요",  # a date
        "북구 용봉동 1203호 앞 계단이 깨졌어요",  # an address
        "버스 1187번이 20분 넘게 안 와요",  # bus number and minutes
        "카드 1234 5678 1234 5678 번호가 예시로 적혀 있어요",  # fails Luhn: not a real card
        "인구 1500000명 도시에 맞는 예산이 필요해요",  # a big number without a bank word
        "12가구 3456세대가 사는 단지예요",  # looks like a plate but is not
        "AI 사관학교 2기 교육생 300명 모집",
    ],
)
def test_leaves_ordinary_numbers_alone(text):
    assert mask_text(text) == text


def test_several_kinds_in_one_complaint_are_all_masked_and_reported():
    text = ("어제 서울12가3456 차가 제 차를 긁고 갔어요. 제 연락처 010 2222 3333, "
            "메일 citizen_kim@naver.com 입니다. 수리비는 국민은행 123456-78-901234 로 받았으면 해요.")
    result = mask(text)
    assert result.kinds == ["account", "email", "phone", "plate"]
    for secret in ("12가3456", "2222", "citizen_kim", "123456-78-901234"):
        assert secret not in result.text
    assert result.text.startswith("어제 [차량번호] 차가 제 차를 긁고 갔어요.")


def test_findings_never_overlap():
    text = "주민번호 9001011234567 전화 01012345678 카드 4532015112830366"
    spans = find_pii(text)
    assert [f.kind for f in spans] == ["rrn", "phone", "card"]
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))


def test_luhn():
    assert luhn_ok("4532015112830366")
    assert not luhn_ok("4532015112830367")


@pytest.mark.parametrize(
    ("answer", "contact"),
    [
        ("010-1234-5678", Contact("phone", "010-1234-5678")),
        ("01012345678이요", Contact("phone", "010-1234-5678")),
        ("+82 10 1234 5678", Contact("phone", "010-1234-5678")),
        ("062 613 1234", Contact("phone", "062-613-1234")),
        ("제 메일은 Kim.Citizen@Example.com 이에요", Contact("email", "kim.citizen@example.com")),
        ("그냥 알아서 해 주세요", None),
        ("1234", None),
    ],
)
def test_parse_contact(answer, contact):
    assert parse_contact(answer) == contact


def test_mask_contact_for_summaries():
    assert mask_contact(Contact("phone", "010-1234-5678")) == "010-****-5678"
    assert mask_contact(Contact("email", "kim.citizen@example.com")) == "ki*********@example.com"


def test_conversation_events_older_than_retention_are_purged(tmp_path):
    import sqlite3
    from datetime import datetime, timedelta, timezone

    from civic.retention import purge_old_conversations

    tracker = tmp_path / "tracker.db"
    now = datetime(2026, 11, 21, tzinfo=timezone.utc)
    with sqlite3.connect(tracker) as conn:
        conn.execute("create table events (id integer primary key, sender_id text, type_name text, timestamp real,"
                     " data text)")
        conn.executemany("insert into events (sender_id, type_name, timestamp, data) values (?, 'user', ?, '{}')",
                         [("web:old", (now - timedelta(days=200)).timestamp()),
                          ("web:new", (now - timedelta(days=3)).timestamp())])
    assert purge_old_conversations(tracker, days=180, now=now) == 1
    with sqlite3.connect(tracker) as conn:
        assert [r[0] for r in conn.execute("select sender_id from events")] == ["web:new"]
    assert purge_old_conversations(tmp_path / "missing.db", days=180) == 0
