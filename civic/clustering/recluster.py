"""Full re-cluster of the stored proposals as a background job with progress; one job at a time.

Steps: refit the embedder on every stored proposal (offline backend) and re-embed them all, cluster, label, then
match the new clusters to the existing topics (Hungarian assignment on member overlap) so a topic that is still the
same keeps its id, and with it the administrators' notes. Everything is written in one transaction at the end, so
readers see either the old topics or the new ones; the new embedder state becomes active right after it.

Single flight: `start` inserts the job row inside BEGIN IMMEDIATE only when no other job is queued or running (a
job whose process stopped sending heartbeats is marked failed first), and otherwise returns the running job.
The dashboard runs the job in a child process (`python -m civic.clustering.recluster --job ID`) so the web app
stays responsive and the memory of a large run is returned; `civic cluster` runs it in the foreground.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone

import numpy as np
from sqlite_utils import Database

from civic.clustering.algorithms import ClusterParams, centroids, cluster
from civic.clustering.labels import format_label, topic_labels

log = logging.getLogger(__name__)

ACTIVE_STATES = ("queued", "running")
STALE_AFTER = timedelta(minutes=10)  # no heartbeat for this long: the job's process is gone
MIN_MATCH_OVERLAP = 0.3  # Jaccard overlap of members from which a new cluster continues an old topic
EMBED_BATCH = 256
ProgressFn = Callable[[str, float, str], None]

STAGE_MESSAGES = {
    "queued": "대기 중이에요.",
    "loading": "제안을 불러오고 있어요.",
    "embedding": "제안 문장을 벡터로 바꾸고 있어요.",
    "clustering": "비슷한 제안끼리 묶고 있어요.",
    "labelling": "주제 이름을 붙이고 있어요.",
    "saving": "결과를 저장하고 있어요.",
    "done": "주제 묶기를 마쳤어요.",
    "failed": "주제 묶기에 실패했어요.",
}


@dataclass(frozen=True)
class Job:
    id: int
    state: str  # queued | running | done | failed
    stage: str | None
    progress: float  # 0..1
    message: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    n_proposals: int | None = None
    n_topics: int | None = None
    n_unclustered: int | None = None
    n_kept: int | None = None
    n_new: int | None = None
    n_retired: int | None = None
    embedding_version: str | None = None
    error: str | None = None  # exception type and message of a failed job (never proposal text)
    created: bool = False  # False when start() returned a job that was already running

    def to_dict(self) -> dict:
        return asdict(self)


# ------------------------------------------------------------------ starting and reading jobs
def start(settings=None, *, requested_by: str = "dashboard", background: bool = True,
          params: ClusterParams | None = None, progress: ProgressFn | None = None) -> Job:
    """Start a re-cluster unless one is already queued/running (then that one is returned, created=False).

    background=True runs it in a child process and returns at once; False runs it here and returns the finished job.
    """
    from civic.db import open_migrated

    settings = _settings(settings)
    db = open_migrated(settings.db_path)
    try:
        job, created = _claim(db, requested_by)
        if not created:
            return job
        if background:
            _spawn(job.id, settings)
            return get_job(db, job.id, created=True)
        run_job(db, job.id, settings, params=params, progress=progress)
        return get_job(db, job.id, created=True)
    finally:
        db.close()


def get_job(db: Database, job_id: int, created: bool = False) -> Job | None:
    if not db["cluster_jobs"].exists():
        return None
    rows = list(db.query("SELECT * FROM cluster_jobs WHERE id = ?", [job_id]))
    return _job(rows[0], created) if rows else None


def latest_job(db: Database) -> Job | None:
    if not db["cluster_jobs"].exists():
        return None
    rows = list(db.query("SELECT * FROM cluster_jobs ORDER BY id DESC LIMIT 1"))
    return _job(rows[0]) if rows else None


def active_job(db: Database) -> Job | None:
    if not db["cluster_jobs"].exists():
        return None
    rows = list(db.query("SELECT * FROM cluster_jobs WHERE state IN ('queued', 'running') ORDER BY id LIMIT 1"))
    return _job(rows[0]) if rows else None


def wait(db: Database, job_id: int, timeout_s: float = 600, poll_s: float = 0.2) -> Job:
    """Poll until the job is done or failed (tests, CLI)."""
    deadline = time.monotonic() + timeout_s
    while True:
        job = get_job(db, job_id)
        if job is None or job.state not in ACTIVE_STATES or time.monotonic() > deadline:
            return job
        time.sleep(poll_s)


def _claim(db: Database, requested_by: str) -> tuple[Job, bool]:
    from civic.db import immediate

    now = _now()
    with immediate(db):
        stale_before = _iso(now - STALE_AFTER)
        db.execute("UPDATE cluster_jobs SET state = 'failed', error = 'stale', message = ?, finished_at = ? "
                   "WHERE state IN ('queued', 'running') AND coalesce(heartbeat_at, created_at) < ?",
                   ["작업이 응답하지 않아 중단됐어요.", _iso(now), stale_before])
        row = db.execute("SELECT id FROM cluster_jobs WHERE state IN ('queued', 'running') ORDER BY id LIMIT 1"
                         ).fetchone()
        if row:
            existing = row[0]
        else:
            db["cluster_jobs"].insert({"state": "queued", "stage": "queued", "progress": 0.0,
                                       "message": STAGE_MESSAGES["queued"], "requested_by": requested_by[:64],
                                       "created_at": _iso(now), "heartbeat_at": _iso(now)})
            existing = None
            new_id = db.execute("SELECT last_insert_rowid()").fetchone()[0]
    if existing is not None:
        return get_job(db, existing), False
    return get_job(db, new_id, created=True), True


def _spawn(job_id: int, settings) -> None:
    env = dict(os.environ)
    env.update({"DB_PATH": str(settings.db_path), "VAR_DIR": str(settings.var_dir),
                "EMBEDDER_BACKEND": settings.embedder_backend, "EMBEDDER_MODEL": settings.embedder_model,
                "ANALYZER": settings.analyzer, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"})
    from civic.settings import PROJECT_ROOT

    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_ROOT), env.get("PYTHONPATH")) if p)
    proc = subprocess.Popen([sys.executable, "-m", "civic.clustering.recluster", "--job", str(job_id)],
                            env=env, stdin=subprocess.DEVNULL, start_new_session=True)
    # Reap the child when it ends (no zombie in the web app) and fail the job if the child died before finishing.
    threading.Thread(target=_reap, args=(proc, job_id, settings.db_path), name=f"recluster-{job_id}",
                     daemon=True).start()


def _reap(proc: subprocess.Popen, job_id: int, db_path) -> None:
    code = proc.wait()
    from civic.db import open_db

    db = open_db(db_path)
    try:
        db.execute("UPDATE cluster_jobs SET state = 'failed', stage = 'failed', message = ?, error = ?, "
                   "finished_at = ? WHERE id = ? AND state IN ('queued', 'running')",
                   [STAGE_MESSAGES["failed"], f"job process exited with code {code}", _iso(_now()), job_id])
        db.conn.commit()
    finally:
        db.close()


# ------------------------------------------------------------------ the job itself
def run_job(db: Database, job_id: int, settings=None, *, params: ClusterParams | None = None,
            progress: ProgressFn | None = None) -> Job:
    settings = _settings(settings)
    reporter = _Reporter(db, job_id, progress)
    db.execute("UPDATE cluster_jobs SET state = 'running', started_at = ?, pid = ? WHERE id = ?",
               [_iso(_now()), os.getpid(), job_id])
    db.conn.commit()
    try:
        summary = recluster(db, settings, job_id, params or ClusterParams(), reporter)
    except Exception as exc:
        log.exception("re-cluster job %s failed", job_id)
        db.conn.rollback()
        db.execute("UPDATE cluster_jobs SET state = 'failed', stage = 'failed', message = ?, error = ?, "
                   "finished_at = ? WHERE id = ?",
                   [STAGE_MESSAGES["failed"], f"{type(exc).__name__}: {exc}"[:500], _iso(_now()), job_id])
        db.conn.commit()
        reporter.notify("failed", 1.0)
        return get_job(db, job_id)
    db["cluster_jobs"].update(job_id, {"state": "done", "stage": "done", "progress": 1.0,
                                       "message": STAGE_MESSAGES["done"], "finished_at": _iso(_now()), **summary})
    db.conn.commit()
    reporter.notify("done", 1.0)
    return get_job(db, job_id)


def recluster(db: Database, settings, job_id: int, params: ClusterParams, reporter: _Reporter) -> dict:
    from civic.embeddings import runtime

    reporter("loading", 0.02)
    rows = db.execute("SELECT id, masked_text, topic_id FROM proposals ORDER BY id").fetchall()
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    texts = [r[1] or "" for r in rows]
    old_topic = np.array([r[2] if r[2] is not None else -1 for r in rows], dtype=np.int64)
    snapshot_max = int(ids.max()) if len(ids) else 0
    log.info("re-cluster job %s: %d proposals", job_id, len(ids))

    reporter("embedding", 0.05)
    embedder, vectors = runtime.refit(texts, settings, make_current=False) if texts else (
        runtime.current_embedder(settings), None)
    if vectors is None:
        vectors = _embed_batches(embedder, texts, reporter)

    reporter("clustering", 0.55)
    labels = cluster(vectors, params)
    reporter("labelling", 0.8)
    words = topic_labels(texts, labels, analyzer=settings.analyzer)
    cids, cents, radii = centroids(vectors, labels) if len(labels) else (np.zeros(0, int), None, None)

    reporter("saving", 0.9)
    topic_of_cluster, counts = _match_topics(old_topic, labels, cids)
    now = _iso(_now())
    from civic.db import immediate

    with immediate(db):
        new_ids = _write_topics(db, job_id, cids, cents, radii, words, labels, topic_of_cluster, counts,
                                embedder.version, now)
        assigned = np.array([new_ids.get(int(c), -1) for c in labels], dtype=np.int64)
        db.conn.executemany("UPDATE proposals SET embedding = ?, embedding_version = ?, topic_id = ? WHERE id = ?",
                            ((vectors[i].tobytes(), embedder.version, int(assigned[i]) if assigned[i] >= 0 else None,
                              int(ids[i])) for i in range(len(ids))))
        _record_embedder(db, embedder, len(ids), now)
    runtime.activate(embedder, settings)
    caught_up = catch_up(db, embedder, after_id=snapshot_max)
    reporter("saving", 0.99)
    return {"algorithm": params.method, "embedding_version": embedder.version, "n_proposals": len(ids) + caught_up,
            "n_topics": len(cids), "n_unclustered": int((labels < 0).sum()), "n_kept": counts["kept"],
            "n_new": counts["new"], "n_retired": counts["retired"]}


def catch_up(db: Database, embedder, after_id: int = 0) -> int:
    """Embed (in the new space) and assign proposals stored while the job ran or before it was activated."""
    from civic.clustering.assign import assign_topic

    rows = db.execute("SELECT id, masked_text FROM proposals WHERE id > ? OR embedding_version IS NOT ? OR "
                      "embedding IS NULL ORDER BY id", [after_id, embedder.version]).fetchall()
    if not rows:
        return 0
    vectors = embedder.embed([r[1] or "" for r in rows])
    for (pid, _), vec in zip(rows, vectors):
        db.execute("UPDATE proposals SET embedding = ?, embedding_version = ?, topic_id = NULL WHERE id = ?",
                   [vec.tobytes(), embedder.version, pid])
        db.conn.commit()
        assign_topic(db, pid, embedder=embedder)
    return len(rows)


def _embed_batches(embedder, texts: list[str], reporter: _Reporter) -> np.ndarray:
    parts = []
    for start in range(0, len(texts), EMBED_BATCH):
        parts.append(np.asarray(embedder.embed(texts[start:start + EMBED_BATCH]), dtype=np.float32))
        reporter("embedding", 0.05 + 0.5 * min(1.0, (start + EMBED_BATCH) / max(len(texts), 1)))
    if not parts:
        return np.zeros((0, 1), dtype=np.float32)
    return np.vstack(parts)


def _match_topics(old_topic: np.ndarray, labels: np.ndarray, cids: np.ndarray) -> tuple[dict[int, int], dict]:
    """New cluster id -> old topic id, by maximum total Jaccard overlap of members (Hungarian assignment)."""
    from scipy.optimize import linear_sum_assignment

    old_ids = np.unique(old_topic[old_topic >= 0])
    counts = {"kept": 0, "new": len(cids), "retired": 0, "overlap": {}}
    if not len(old_ids) or not len(cids):
        return {}, counts
    new_index = {int(c): i for i, c in enumerate(cids)}
    old_index = {int(t): j for j, t in enumerate(old_ids)}
    inter = np.zeros((len(cids), len(old_ids)), dtype=np.float64)
    both = (labels >= 0) & (old_topic >= 0)
    for c, t in zip(labels[both], old_topic[both]):
        inter[new_index[int(c)], old_index[int(t)]] += 1
    new_size = np.array([(labels == c).sum() for c in cids], dtype=np.float64)
    old_size = np.array([(old_topic == t).sum() for t in old_ids], dtype=np.float64)
    jaccard = inter / (new_size[:, None] + old_size[None, :] - inter)
    rows, cols = linear_sum_assignment(-jaccard)
    mapping = {}
    for r, c in zip(rows, cols):
        if jaccard[r, c] >= MIN_MATCH_OVERLAP:
            mapping[int(cids[r])] = int(old_ids[c])
            counts["overlap"][int(cids[r])] = float(jaccard[r, c])
    counts["kept"] = len(mapping)
    counts["new"] = len(cids) - len(mapping)
    return mapping, counts


def _write_topics(db: Database, job_id: int, cids, cents, radii, words, labels, mapping: dict[int, int],
                  counts: dict, version: str, now: str) -> dict[int, int]:
    """Update kept topics, insert new ones, retire the rest; returns cluster id -> topic id."""
    active_before = {r[0] for r in db.execute("SELECT id FROM topics WHERE status = 'active'")}
    out: dict[int, int] = {}
    sizes = np.bincount(labels[labels >= 0]) if (labels >= 0).any() else np.zeros(0, int)
    for i, c in enumerate(int(x) for x in cids):
        values = {"label": format_label(words.get(c, [])), "keywords": json.dumps(words.get(c, []), ensure_ascii=False),
                  "status": "active", "size": int(sizes[c]), "centroid": cents[i].tobytes(),
                  "embedding_version": version, "join_similarity": float(radii[i]), "updated_at": now,
                  "updated_job_id": job_id}
        topic_id = mapping.get(c)
        if topic_id is not None:
            db["topics"].update(topic_id, values)
            event = "kept"
        else:
            db["topics"].insert({**values, "created_at": now, "created_job_id": job_id})
            topic_id = db.execute("SELECT last_insert_rowid()").fetchone()[0]
            event = "created"
        out[c] = topic_id
        db["topic_history"].insert({"job_id": job_id, "topic_id": topic_id, "event": event, "size": values["size"],
                                    "label": values["label"], "overlap": counts["overlap"].get(c), "at": now})
    retired = sorted(active_before - set(out.values()))
    for topic_id in retired:
        db["topics"].update(topic_id, {"status": "retired", "size": 0, "updated_at": now, "updated_job_id": job_id})
        db["topic_history"].insert({"job_id": job_id, "topic_id": topic_id, "event": "retired", "size": 0,
                                    "label": None, "overlap": None, "at": now})
    counts["retired"] = len(retired)
    return out


def _record_embedder(db: Database, embedder, n_texts: int, now: str) -> None:
    info = embedder.describe() if hasattr(embedder, "describe") else {}
    db.execute("UPDATE embedder_state SET active = 0")
    db["embedder_state"].upsert({"version": embedder.version, "backend": embedder.name,
                                 "model": str(info.get("model") or ""), "dim": int(info.get("dim") or 0),
                                 "n_texts": n_texts, "fitted_at": info.get("fitted_at") or now, "active": 1},
                                pk="version")


class _Reporter:
    """Writes progress to the job row (throttled) and to an optional callback (the CLI prints it)."""

    def __init__(self, db: Database, job_id: int, callback: ProgressFn | None, every_s: float = 0.5) -> None:
        self.db, self.job_id, self.callback, self.every_s = db, job_id, callback, every_s
        self._last = 0.0
        self._stage = None

    def __call__(self, stage: str, fraction: float) -> None:
        now = time.monotonic()
        if stage != self._stage or now - self._last >= self.every_s:
            self._last, self._stage = now, stage
            self.db.execute("UPDATE cluster_jobs SET stage = ?, progress = ?, message = ?, heartbeat_at = ? "
                            "WHERE id = ?", [stage, round(fraction, 3), STAGE_MESSAGES[stage], _iso(_now()),
                                             self.job_id])
            self.db.conn.commit()
            self.notify(stage, fraction)

    def notify(self, stage: str, fraction: float) -> None:
        if self.callback:
            self.callback(stage, fraction, STAGE_MESSAGES[stage])


# ------------------------------------------------------------------ helpers
def _job(row: dict, created: bool = False) -> Job:
    return Job(id=row["id"], state=row["state"], stage=row["stage"], progress=float(row["progress"] or 0),
               message=row["message"], created_at=row["created_at"], started_at=row["started_at"],
               finished_at=row["finished_at"], n_proposals=row["n_proposals"], n_topics=row["n_topics"],
               n_unclustered=row["n_unclustered"], n_kept=row["n_kept"], n_new=row["n_new"],
               n_retired=row["n_retired"], embedding_version=row["embedding_version"], error=row["error"],
               created=created)


def _settings(settings):
    if settings is None:
        from civic.settings import get_settings

        settings = get_settings()
    return settings


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _iso(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the child process the dashboard starts."""
    parser = argparse.ArgumentParser(description="run one queued re-cluster job")
    parser.add_argument("--job", type=int, required=True)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from civic.db import open_migrated

    db = open_migrated()
    job = run_job(db, args.job)
    return 0 if job and job.state == "done" else 1


if __name__ == "__main__":
    sys.exit(main())
