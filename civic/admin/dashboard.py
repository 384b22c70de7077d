"""Read models and actions of the administrators' dashboard, over the proposal store (civic.proposals) and the
topic clustering (civic.clustering). The web layer only renders what these functions return.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
from sqlite_utils import Database

from civic import pii
from civic import proposals as store
from civic.admin import audit
from civic.admin.models import (
    Count,
    EmbedderInfo,
    HistoryEntry,
    JobOut,
    Overview,
    ProposalDetail,
    ProposalPage,
    ProposalSummary,
    TopicDetail,
    TopicNote,
    TopicSummary,
    WeekCount,
)
from civic.admin.users import iso, utcnow
from civic.channels import CHANNEL_LABELS

log = logging.getLogger(__name__)

EXCERPT_CHARS = 120
MAX_WEEKS = 52
MIN_WEEKS = 8
MAX_NOTE_CHARS = 2000
MAX_QUERY_CHARS = 200
SEMANTIC_TOP_K = 30
TOPIC_PROPOSALS = 200
SEMANTIC_MIN_SCORE = 0.05  # below this the offline space is noise; admins see more than citizens
UNKNOWN_DISTRICT = "미상"
UNCATEGORIZED = "미분류"


class InputError(ValueError):
    """Bad input from an administrator; `message` is Korean and safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(LookupError):
    pass


# ------------------------------------------------------------------ proposals
def _topic_labels(db: Database, topic_ids: set[int]) -> dict[int, str]:
    if not topic_ids or not db["topics"].exists():
        return {}
    marks = ",".join("?" * len(topic_ids))
    return {r["id"]: r["label"] for r in db.query(f"SELECT id, label FROM topics WHERE id IN ({marks})",
                                                  sorted(topic_ids))}


def _summaries(db: Database, items: list[store.Proposal]) -> list[ProposalSummary]:
    labels = _topic_labels(db, {p.topic_id for p in items if p.topic_id is not None})
    return [_summary(p, labels) for p in items]


def _summary(p: store.Proposal, labels: dict[int, str]) -> ProposalSummary:
    return ProposalSummary(
        id=p.id, receipt=p.receipt, excerpt=p.snippet(EXCERPT_CHARS), category=p.category, district=p.district,
        place=p.place, channel=p.channel, status=p.status, status_label=p.status_label, created_at=p.created_at,
        supports=p.support_count, topic_id=p.topic_id, topic_label=labels.get(p.topic_id),
    )


def has_proposals(db: Database) -> bool:
    return db.execute("SELECT EXISTS (SELECT 1 FROM proposals)").fetchone()[0] == 1


def proposal_detail(db: Database, proposal_id: int) -> ProposalDetail | None:
    try:
        p = store.get_proposal(db, proposal_id)
    except store.ProposalNotFound:
        return None
    summary = _summaries(db, [p])[0]
    history = [HistoryEntry(status=h.status, status_label=h.status_label, previous_status=h.previous_status,
                            answer=h.answer, actor=h.actor, at=h.at) for h in store.history(db, proposal_id)]
    return ProposalDetail(**summary.model_dump(), masked_text=p.masked_text, answer=p.answer, history=history)


def parse_status(value: str) -> str:
    """Accept the stored code ("answered") or its Korean label ("답변완료")."""
    value = (value or "").strip()
    if value in store.STATUSES:
        return value
    for code, label in store.STATUS_LABELS.items():
        if value == label:
            return code
    raise InputError("상태는 접수, 검토중, 답변완료, 반려 중 하나를 골라 주세요.")


@dataclass(frozen=True)
class AnswerResult:
    proposal: ProposalDetail
    previous_status: str
    status_changed: bool
    answer_changed: bool


def answer_proposal(db: Database, proposal_id: int, status: str, answer: str | None, actor: str,
                    ip: str | None = None) -> AnswerResult:
    """Change the status and/or the official answer through the proposal store (kept in its status history),
    and audit who did it."""
    code = parse_status(status)
    try:
        before = store.get_proposal(db, proposal_id)
        store.change_status(db, proposal_id, code, actor=actor, answer=answer)
    except store.ProposalNotFound:
        raise NotFound(proposal_id) from None
    except store.InvalidStatusChange as exc:
        raise InputError(exc.message) from None
    after = proposal_detail(db, proposal_id)
    new_answer = (answer or "").strip() or None
    result = AnswerResult(after, before.status, before.status != after.status,
                          bool(new_answer) and new_answer != before.answer)
    if result.status_changed:
        audit.record(db, actor, "status_change", "proposal", proposal_id, ip=ip, previous_status=before.status,
                     status=after.status)
    if result.answer_changed:
        audit.record(db, actor, "answer", "proposal", proposal_id, ip=ip, status=after.status)
    return result


def search_proposals(db: Database, query: str, *, mode: str = "keyword", limit: int = 50, offset: int = 0,
                     settings=None) -> ProposalPage:
    query = " ".join((query or "").split())
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(f"검색어는 {MAX_QUERY_CHARS}자 이내로 써 주세요.")
    if mode == "semantic" and query:
        return _semantic(db, query, settings)
    if mode not in ("keyword", "semantic"):
        raise InputError("검색 방식은 keyword 또는 semantic 이에요.")
    items = store.list_proposals(db, query=query or None, limit=limit, offset=offset)
    total = store.count_proposals(db, query=query or None)
    return ProposalPage(query=query, mode="keyword", total=total, items=_summaries(db, items))


def _semantic(db: Database, query: str, settings) -> ProposalPage:
    """Nearest stored proposals (any status) in the current embedder's vector space, via the similarity index."""
    from civic.embeddings.runtime import current_embedder
    from civic.similar import index_for

    try:
        embedder = current_embedder(settings)
        vector = np.asarray(embedder.embed([pii.mask_text(query)]), dtype=np.float32)[0]
    except Exception as exc:  # noqa: BLE001  (a missing model must not turn the search page into a 500)
        log.warning("semantic search unavailable: %s", type(exc).__name__)
        raise InputError("지금은 의미 검색을 쓸 수 없어요. 낱말 검색을 이용해 주세요.") from None
    matches = index_for(db, embedder.version).search(vector, k=SEMANTIC_TOP_K, threshold=SEMANTIC_MIN_SCORE)
    items = [store.get_proposal(db, m.proposal_id) for m in matches]
    return ProposalPage(query=query, mode="semantic", total=len(items), items=_summaries(db, items),
                        scores=[round(m.score, 4) for m in matches])


# ------------------------------------------------------------------ overview
def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


# Week of the proposal in Korean time (created_at is stored in UTC).
_WEEK_SQL = "date(created_at, '+9 hours', '-6 days', 'weekday 1')"


def weekly_counts(db: Database, where: str = "1 = 1", params: list | None = None,
                  weeks: int | None = None, end: date | None = None) -> list[WeekCount]:
    """Counts per ISO week (Monday) with empty weeks filled in, at most MAX_WEEKS (the most recent)."""
    rows = {r[0]: r[1] for r in db.execute(
        f"SELECT {_WEEK_SQL} AS week, count(*) FROM proposals WHERE {where} GROUP BY week", params or [])
        if r[0]}
    last = _week_start(end or (utcnow() + timedelta(hours=9)).date())
    if rows:
        last = max(last, date.fromisoformat(max(rows)))
    first = last - timedelta(weeks=(weeks or MAX_WEEKS) - 1)
    if weeks is None and rows:
        # From the first proposal's week, but never fewer than MIN_WEEKS so that a trend has context.
        first = max(first, min(date.fromisoformat(min(rows)), last - timedelta(weeks=MIN_WEEKS - 1)))
    out, day = [], first
    while day <= last:
        out.append(WeekCount(week=day.isoformat(), count=rows.get(day.isoformat(), 0)))
        day += timedelta(weeks=1)
    return out


def _grouped(db: Database, column: str, labels: dict[str, str] | None = None, missing: str = UNKNOWN_DISTRICT,
             where: str = "1 = 1", params: list | None = None) -> list[Count]:
    rows = db.execute(f"SELECT {column}, count(*) AS n FROM proposals WHERE {where} GROUP BY {column} "
                      f"ORDER BY n DESC, {column}", params or []).fetchall()
    return [Count(key=key or "", label=(labels or {}).get(key, key) if key else missing, count=n) for key, n in rows]


def _topic_count(db: Database) -> int:
    if db["topics"].exists():
        return db.execute("SELECT count(*) FROM topics WHERE status = 'active'").fetchone()[0]
    return db.execute("SELECT count(DISTINCT topic_id) FROM proposals WHERE topic_id IS NOT NULL").fetchone()[0]


def overview(db: Database, now: datetime | None = None) -> Overview:
    now = now or utcnow()
    total = db.execute("SELECT count(*) FROM proposals").fetchone()[0]
    by_status = dict(db.execute("SELECT status, count(*) FROM proposals GROUP BY status").fetchall())
    return Overview(
        total=total,
        last_7_days=db.execute("SELECT count(*) FROM proposals WHERE created_at >= ?",
                               [iso(now - timedelta(days=7))]).fetchone()[0],
        supports=db.execute("SELECT count(*) FROM supports").fetchone()[0],
        unclustered=db.execute("SELECT count(*) FROM proposals WHERE topic_id IS NULL").fetchone()[0],
        topics=_topic_count(db),
        by_status=[Count(key=s, label=store.STATUS_LABELS[s], count=by_status.get(s, 0)) for s in store.STATUSES],
        per_week=weekly_counts(db) if total else [],
        per_category=_grouped(db, "category", missing=UNCATEGORIZED),
        per_district=_grouped(db, "district"),
        per_channel=_grouped(db, "channel", labels=CHANNEL_LABELS),
    )


# ------------------------------------------------------------------ topics (notes are ours; the rest is civic.clustering)
def topic_notes(db: Database, topic_id: int) -> list[TopicNote]:
    return [TopicNote(**r) for r in db.query(
        "SELECT id, note, author, created_at FROM topic_notes WHERE topic_id = ? ORDER BY id DESC", [topic_id])]


def add_topic_note(db: Database, topic_id: int, note: str, author: str, ip: str | None = None) -> TopicNote:
    note = (note or "").strip()
    if not note:
        raise InputError("메모 내용을 입력해 주세요.")
    if len(note) > MAX_NOTE_CHARS:
        raise InputError(f"메모는 {MAX_NOTE_CHARS:,}자까지 쓸 수 있어요.")
    row = {"topic_id": topic_id, "note": note, "author": author[:64], "created_at": iso(utcnow())}
    table = db["topic_notes"]
    table.insert(row)
    audit.record(db, author, "topic_note", "topic", topic_id, ip=ip)
    return TopicNote(id=table.last_pk, **{k: v for k, v in row.items() if k != "topic_id"})


# ------------------------------------------------------------------ embedder, topics and re-cluster jobs (civic.clustering)
def embedder_info(settings=None) -> EmbedderInfo:
    from civic.embeddings.runtime import describe

    try:
        info = dict(describe(settings))
    except Exception as exc:  # noqa: BLE001  (the dashboard must render even when the model cannot load)
        log.warning("embedder unavailable: %s", type(exc).__name__)
        backend = getattr(settings, "embedder_backend", "?")
        return EmbedderInfo(backend=f"{backend} (사용할 수 없음)", version=None)
    backend, version = str(info.pop("backend", "?")), info.pop("version", None)
    return EmbedderInfo(backend=backend, version=None if version is None else str(version),
                        details={k: v for k, v in info.items() if isinstance(v, (str, int, float, bool))})


def _topic_summary(t) -> TopicSummary:
    return TopicSummary(
        id=t.id, label=t.label, size=t.size, supports=t.supports, growth=t.growth,
        trend=[WeekCount(week=w, count=n) for w, n in t.trend],
        districts=[Count(key=d, label=d or UNKNOWN_DISTRICT, count=n) for d, n in t.districts],
    )


def list_topics(db: Database, sort: str = "size") -> list[TopicSummary]:
    from civic.clustering import stats

    return [_topic_summary(t) for t in stats.list_topics(db, sort)]


def topic_detail(db: Database, topic_id: int, with_proposals: bool = True) -> TopicDetail | None:
    """The topic with its notes and proposals, the most representative ones first (at most TOPIC_PROPOSALS)."""
    from civic.clustering import stats

    t = stats.topic_stats(db, topic_id)
    if t is None:
        return None
    items: list[ProposalSummary] = []
    if with_proposals:
        first = [p for p in (_get(db, pid) for pid in t.representative_ids) if p and p.topic_id == topic_id]
        rest = store.list_proposals(db, topic_id=topic_id, order="new", limit=TOPIC_PROPOSALS)
        seen = {p.id for p in first}
        items = _summaries(db, (first + [p for p in rest if p.id not in seen])[:TOPIC_PROPOSALS])
    return TopicDetail(**_topic_summary(t).model_dump(), representative_ids=t.representative_ids,
                       proposals=items, notes=topic_notes(db, topic_id))


def _get(db: Database, proposal_id: int) -> store.Proposal | None:
    try:
        return store.get_proposal(db, proposal_id)
    except store.ProposalNotFound:
        return None


def _job_out(job) -> JobOut | None:
    if job is None:
        return None
    return JobOut(id=job.id, state=job.state, stage=job.stage, progress=job.progress, message=job.message,
                  started_at=job.started_at, finished_at=job.finished_at, n_topics=job.n_topics,
                  n_unclustered=job.n_unclustered, created=job.created)


def start_recluster(db: Database, settings, requested_by: str, ip: str | None = None) -> JobOut:
    """Start the background re-cluster; while one is queued or running, that one comes back (created=False)."""
    from civic.clustering import recluster

    job = _job_out(recluster.start(settings, requested_by=requested_by, background=True))
    if job.created:
        audit.record(db, requested_by, "recluster", "job", job.id, ip=ip)
    return job


def get_job(db: Database, job_id: int) -> JobOut | None:
    from civic.clustering import recluster

    return _job_out(recluster.get_job(db, job_id))


def latest_job(db: Database) -> JobOut | None:
    from civic.clustering import recluster

    return _job_out(recluster.latest_job(db))
