"""Dashboard read models over an in-memory store: weekly counts in Korean time, groupings, empty database."""
from datetime import datetime, timedelta, timezone

import pytest

from civic import proposals as store
from civic.admin import dashboard
from civic.db import migrate, open_db

KST = timezone(timedelta(hours=9))


@pytest.fixture
def db():
    database = open_db(":memory:")
    migrate(database)
    yield database
    database.close()


def _add(db, text, when, district=None, sender="web:s"):
    draft = store.ProposalDraft(text=text, district=district)
    return store.create_proposal(db, draft, sender_id=sender, now=when).proposal


def test_empty_database_overview(db):
    o = dashboard.overview(db)
    assert (o.total, o.per_week, o.per_district, o.topics) == (0, [], [], 0)
    assert [c.label for c in o.by_status] == ["접수", "검토중", "답변완료", "반려"]
    assert not dashboard.has_proposals(db)


def test_weeks_are_korean_weeks_with_gaps_filled(db):
    sunday_late = datetime(2026, 3, 8, 23, 30, tzinfo=KST)  # still the week of Monday 2 March in Korea
    monday_early = datetime(2026, 3, 9, 0, 30, tzinfo=KST)  # but already Sunday in UTC
    _add(db, "가로등이 꺼졌어요 고쳐 주세요", sunday_late, sender="web:a")
    _add(db, "버스가 너무 늦게 와요", monday_early, sender="web:b")
    _add(db, "쓰레기통이 넘쳐요 치워 주세요", monday_early + timedelta(weeks=3), sender="web:c")
    weeks = dashboard.weekly_counts(db, end=datetime(2026, 3, 30).date())
    counts = {w.week: w.count for w in weeks}
    assert counts["2026-03-02"] == 1 and counts["2026-03-09"] == 1 and counts["2026-03-30"] == 1
    assert counts["2026-03-16"] == 0 and counts["2026-03-23"] == 0
    assert len(weeks) >= dashboard.MIN_WEEKS and weeks[-1].week == "2026-03-30"


def test_groupings_label_missing_values_and_channels(db):
    now = store.utcnow()
    _add(db, "가로등이 꺼졌어요 고쳐 주세요", now, "북구", "web:a")
    _add(db, "가로등이 고장났어요 밤에 어두워요", now, "북구", "kakao:b")
    _add(db, "버스 배차 간격을 줄여 주세요", now, None, "kakao:c")
    o = dashboard.overview(db)
    assert o.total == 3 and o.last_7_days == 3 and o.unclustered == 3
    assert [(c.label, c.count) for c in o.per_district] == [("북구", 2), ("미상", 1)]
    assert {(c.label, c.count) for c in o.per_channel} == {("카카오톡", 2), ("웹", 1)}
    assert sum(c.count for c in o.per_category) == 3


def test_topic_notes_validate_and_keep_newest_first(db):
    with pytest.raises(dashboard.InputError, match="메모 내용"):
        dashboard.add_topic_note(db, 1, "   ", "kim")
    with pytest.raises(dashboard.InputError, match="2,000자"):
        dashboard.add_topic_note(db, 1, "가" * 2001, "kim")
    dashboard.add_topic_note(db, 1, "현장 점검 예정", "kim")
    dashboard.add_topic_note(db, 1, "예산 확보됨", "lee")
    assert [n.note for n in dashboard.topic_notes(db, 1)] == ["예산 확보됨", "현장 점검 예정"]
