"""Per-topic figures for the dashboard: size, supports, growth, weekly trend, districts, representative proposals.

Counts come from the live proposals (`proposals.topic_id`), so proposals assigned since the last re-cluster are
included. Weeks are Korean-time ISO weeks starting on Monday (created_at is stored in UTC).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import numpy as np
from sqlite_utils import Database

TREND_WEEKS = 12
GROWTH_WEEKS = 4  # growth = proposals of the last 4 weeks minus the 4 weeks before
SORTS = ("size", "supports", "growth", "recent")
_WEEK_SQL = "date(p.created_at, '+9 hours', '-6 days', 'weekday 1')"


@dataclass
class TopicStats:
    id: int
    label: str
    keywords: list[str]
    status: str
    size: int
    supports: int
    growth: int
    trend: list[tuple[str, int]]  # (Monday of the week, proposals), oldest first, empty weeks included
    districts: list[tuple[str, int]]  # (district or "", proposals), most first
    created_at: str
    updated_at: str
    representative_ids: list[int] = field(default_factory=list)
    last_proposal_at: str | None = None


def list_topics(db: Database, sort: str = "size", *, weeks: int = TREND_WEEKS, now: datetime | None = None,
                include_retired: bool = False, limit: int | None = None) -> list[TopicStats]:
    """Topics with their figures, sorted by size, supports, growth or most recent proposal (descending)."""
    if sort not in SORTS:
        raise ValueError(f"unknown sort {sort!r}; choose one of {SORTS}")
    if not db["topics"].exists():
        return []
    where = "" if include_retired else "WHERE t.status = 'active'"
    topics = list(db.query(f"SELECT t.id, t.label, t.keywords, t.status, t.created_at, t.updated_at FROM topics t "
                           f"{where} ORDER BY t.id"))
    if not topics:
        return []
    figures = _figures(db, [t["id"] for t in topics], weeks, now)
    out = [_stats(t, figures) for t in topics]
    key = {"size": lambda s: (s.size, s.supports), "supports": lambda s: (s.supports, s.size),
           "growth": lambda s: (s.growth, s.size), "recent": lambda s: (s.last_proposal_at or "", s.size)}[sort]
    out.sort(key=lambda s: (key(s), -s.id), reverse=True)
    return out[:limit] if limit else out


def topic_stats(db: Database, topic_id: int, *, weeks: int = TREND_WEEKS, now: datetime | None = None,
                n_representative: int = 5) -> TopicStats | None:
    if not db["topics"].exists():
        return None
    rows = list(db.query("SELECT id, label, keywords, status, created_at, updated_at FROM topics WHERE id = ?",
                         [topic_id]))
    if not rows:
        return None
    stats = _stats(rows[0], _figures(db, [topic_id], weeks, now))
    stats.representative_ids = representative_ids(db, topic_id, n_representative)
    return stats


def representative_ids(db: Database, topic_id: int, k: int = 5) -> list[int]:
    """Members closest to the topic centroid (the most typical proposals), best first."""
    row = db.execute("SELECT centroid, embedding_version FROM topics WHERE id = ?", [topic_id]).fetchone()
    if row is None:
        return []
    centroid, version = row
    members = db.execute("SELECT id, embedding, embedding_version FROM proposals WHERE topic_id = ? ORDER BY id",
                         [topic_id]).fetchall()
    if centroid is None:
        return [m[0] for m in members[:k]]
    c = np.frombuffer(centroid, dtype=np.float32)
    scored = []
    for pid, blob, v in members:
        if blob is None or v != version:
            score = -2.0  # not comparable: after the comparable ones
        else:
            vec = np.frombuffer(blob, dtype=np.float32)
            score = float(vec @ c) if vec.shape == c.shape else -2.0
        scored.append((-score, pid))
    return [pid for _, pid in sorted(scored)[:k]]


def topic_history(db: Database, topic_id: int) -> list[dict]:
    """How a topic evolved over re-clusters: event (created/kept/retired), size, label, overlap, time."""
    if not db["topic_history"].exists():
        return []
    return list(db.query("SELECT job_id, event, size, label, overlap, at FROM topic_history WHERE topic_id = ? "
                         "ORDER BY id", [topic_id]))


def unclustered_count(db: Database) -> int:
    return db.execute("SELECT count(*) FROM proposals WHERE topic_id IS NULL").fetchone()[0]


# ------------------------------------------------------------------ internals
def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _figures(db: Database, topic_ids: list[int], weeks: int, now: datetime | None) -> dict:
    marks = ",".join("?" * len(topic_ids))
    today = ((now or datetime.now(timezone.utc)).astimezone(timezone.utc) + timedelta(hours=9)).date()
    last_week = week_start(today)
    first_week = last_week - timedelta(weeks=max(weeks, 2 * GROWTH_WEEKS) - 1)
    sizes = dict(db.execute(f"SELECT topic_id, count(*) FROM proposals WHERE topic_id IN ({marks}) "
                            f"GROUP BY topic_id", topic_ids).fetchall())
    latest = dict(db.execute(f"SELECT topic_id, max(created_at) FROM proposals WHERE topic_id IN ({marks}) "
                             f"GROUP BY topic_id", topic_ids).fetchall())
    supports = dict(db.execute(f"SELECT p.topic_id, count(s.id) FROM supports s JOIN proposals p "
                               f"ON p.id = s.proposal_id WHERE p.topic_id IN ({marks}) GROUP BY p.topic_id",
                               topic_ids).fetchall())
    weekly: dict[int, dict[str, int]] = {}
    for tid, week, n in db.execute(f"SELECT p.topic_id, {_WEEK_SQL} AS week, count(*) FROM proposals p "
                                   f"WHERE p.topic_id IN ({marks}) AND {_WEEK_SQL} >= ? GROUP BY p.topic_id, week",
                                   [*topic_ids, first_week.isoformat()]):
        weekly.setdefault(tid, {})[week] = n
    districts: dict[int, list[tuple[str, int]]] = {}
    for tid, district, n in db.execute(f"SELECT topic_id, coalesce(district, ''), count(*) AS n FROM proposals "
                                       f"WHERE topic_id IN ({marks}) GROUP BY topic_id, coalesce(district, '') "
                                       f"ORDER BY topic_id, n DESC, 2", topic_ids):
        districts.setdefault(tid, []).append((district, n))
    all_weeks = [(first_week + timedelta(weeks=i)).isoformat()
                 for i in range((last_week - first_week).days // 7 + 1)]
    return {"sizes": sizes, "latest": latest, "supports": supports, "weekly": weekly, "districts": districts,
            "weeks": all_weeks, "n_trend": weeks}


def _stats(topic: dict, figures: dict) -> TopicStats:
    tid = topic["id"]
    per_week = figures["weekly"].get(tid, {})
    series = [(w, per_week.get(w, 0)) for w in figures["weeks"]]
    recent = sum(n for _, n in series[-GROWTH_WEEKS:])
    before = sum(n for _, n in series[-2 * GROWTH_WEEKS:-GROWTH_WEEKS])
    return TopicStats(
        id=tid, label=topic["label"], keywords=json.loads(topic["keywords"] or "[]"), status=topic["status"],
        size=figures["sizes"].get(tid, 0), supports=figures["supports"].get(tid, 0), growth=recent - before,
        trend=series[-figures["n_trend"]:], districts=figures["districts"].get(tid, []),
        created_at=topic["created_at"], updated_at=topic["updated_at"], last_proposal_at=figures["latest"].get(tid),
    )
