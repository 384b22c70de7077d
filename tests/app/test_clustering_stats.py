"""Per-topic figures for the dashboard: size, supports, growth, weekly trend, districts, representatives."""
from datetime import datetime, timezone

import pytest

from civic.clustering import recluster, stats
from tests.app.clustering_support import GROUPS, make_db, store

NOW = datetime(2026, 3, 25, 3, 0, tzinfo=timezone.utc)  # a Wednesday


@pytest.fixture
def db(settings):
    db = make_db(settings.db_path)
    light = GROUPS["streetlight"]
    # 2 proposals five weeks ago, 6 in the last two weeks: a growing topic.
    store(db, light[:2], districts=["북구", "북구"], created_at="2026-02-16T01:00:00.000000+00:00")
    store(db, light[2:], districts=["북구", "광산구", None, "북구", "서구", "북구"],
          created_at="2026-03-17T01:00:00.000000+00:00")
    store(db, GROUPS["bus"], districts=["남구"] * 8, created_at="2026-02-09T01:00:00.000000+00:00")
    recluster.start(settings, background=False)
    bus_ids = [r[0] for r in db.execute("SELECT id FROM proposals WHERE district = '남구'")]
    for i, pid in enumerate(bus_ids[:3]):
        for j in range(3):
            db["supports"].insert({"proposal_id": pid, "sender_hash": f"s{i}-{j}", "created_at": "2026-03-03"})
    db.conn.commit()
    return db


def by_label(topics, word):
    return next(t for t in topics if word in t.label)


def test_sizes_supports_and_sorting(db):
    topics = stats.list_topics(db, now=NOW)
    assert [t.size for t in topics] == [8, 8]
    assert by_label(topics, "버스").supports == 9 and by_label(topics, "가로등").supports == 0
    assert stats.list_topics(db, sort="supports", now=NOW)[0].label == by_label(topics, "버스").label
    assert stats.list_topics(db, sort="growth", now=NOW)[0].label == by_label(topics, "가로등").label
    with pytest.raises(ValueError):
        stats.list_topics(db, sort="nonsense")


def test_weekly_trend_and_growth_in_korean_weeks(db):
    light = by_label(stats.list_topics(db, now=NOW, weeks=8), "가로등")
    assert len(light.trend) == 8 and light.trend[-1][0] == "2026-03-23"  # Monday of NOW's week
    trend = dict(light.trend)
    assert trend["2026-02-16"] == 2 and trend["2026-03-16"] == 6 and sum(trend.values()) == 8
    assert light.growth == 6 - 2


def test_districts_most_first_with_unknown_as_empty(db):
    light = by_label(stats.list_topics(db, now=NOW), "가로등")
    assert light.districts[0] == ("북구", 5)
    assert ("", 1) in light.districts and sum(n for _, n in light.districts) == 8


def test_topic_detail_with_representatives(db):
    light = by_label(stats.list_topics(db, now=NOW), "가로등")
    detail = stats.topic_stats(db, light.id, now=NOW, n_representative=3)
    assert detail.size == 8 and len(detail.representative_ids) == 3
    members = {r[0] for r in db.execute("SELECT id FROM proposals WHERE topic_id = ?", [light.id])}
    assert set(detail.representative_ids) <= members
    assert stats.topic_stats(db, 9999) is None
    assert [h["event"] for h in stats.topic_history(db, light.id)] == ["created"]


def test_empty_database(settings):
    db = make_db(settings.db_path)
    assert stats.list_topics(db) == [] and stats.unclustered_count(db) == 0
