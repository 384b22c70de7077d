"""Full re-cluster job: topics written, identity kept across runs (notes stay attached), single flight."""
import threading
from datetime import datetime, timedelta, timezone

import pytest

from civic.clustering import recluster
from tests.app.clustering_support import GROUPS, ONE_OFFS, make_db, store

LIBRARY = [
    "동네에 작은 도서관을 만들어 주세요 아이들이 책 읽을 곳이 없어요",
    "도서관이 너무 멀어요 우리 동네에도 도서관이 필요해요",
    "작은 도서관 운영 시간을 주말까지 늘려 주세요",
    "도서관 열람실 자리가 부족해서 공부할 곳이 없어요",
    "어린이 도서관에 새 책을 더 들여 주세요",
    "도서관 주차장이 좁아서 도서관 이용이 불편해요",
]


def topic_of(db, texts):
    marks = ",".join("?" * len(texts))
    rows = db.execute(f"SELECT topic_id, count(*) AS n FROM proposals WHERE masked_text IN ({marks}) "
                      "GROUP BY topic_id ORDER BY n DESC", texts).fetchall()
    return rows[0][0]


@pytest.fixture
def db(settings):
    db = make_db(settings.db_path)
    store(db, [t for g in GROUPS.values() for t in g] + ONE_OFFS)
    return db


def run(settings, **kw):
    return recluster.start(settings, requested_by="test", background=False, **kw)


def test_first_run_creates_labelled_topics(db, settings):
    job = run(settings)
    assert job.state == "done" and job.created and job.progress == 1.0
    assert job.n_topics == 5 and job.n_new == 5 and job.n_proposals == 43
    topics = {r["id"]: r for r in db.query("SELECT * FROM topics")}
    assert "가로등" in topics[topic_of(db, GROUPS["streetlight"])]["label"]
    assert all(t["status"] == "active" and t["centroid"] for t in topics.values())
    versions = {r[0] for r in db.execute("SELECT DISTINCT embedding_version FROM proposals")}
    assert versions == {job.embedding_version}
    assert db.execute("SELECT count(*) FROM embedder_state WHERE active = 1").fetchone()[0] == 1


def test_topic_identity_is_stable_across_runs_and_notes_stay_attached(db, settings):
    run(settings)
    before = {g: topic_of(db, texts) for g, texts in GROUPS.items()}
    db["topic_notes"].insert({"topic_id": before["bus"], "note": "교통과 검토 중", "author": "admin",
                              "created_at": "2026-03-02T00:00:00+00:00"})
    again = run(settings)
    assert again.n_kept == 5 and again.n_new == 0 and again.n_retired == 0
    assert {g: topic_of(db, texts) for g, texts in GROUPS.items()} == before

    store(db, LIBRARY)
    db.execute(f"DELETE FROM proposals WHERE masked_text IN ({','.join('?' * 8)})", GROUPS["noise"])
    db.conn.commit()
    third = run(settings)
    assert third.n_kept == 4 and third.n_new == 1 and third.n_retired == 1
    after = {g: topic_of(db, texts) for g, texts in GROUPS.items() if g != "noise"}
    assert after == {g: t for g, t in before.items() if g != "noise"}
    library = topic_of(db, LIBRARY)
    assert library not in before.values()
    assert db["topics"].get(before["noise"])["status"] == "retired"
    note_topic = db.execute("SELECT topic_id FROM topic_notes").fetchone()[0]
    assert "버스" in db["topics"].get(note_topic)["label"]
    events = [r[0] for r in db.execute("SELECT event FROM topic_history WHERE topic_id = ? ORDER BY id",
                                       [before["bus"]])]
    assert events == ["created", "kept", "kept"]


def test_a_second_start_returns_the_running_job(db, settings):
    first = recluster.start(settings, background=True)
    second = recluster.start(settings, background=True)
    assert first.created and not second.created and second.id == first.id
    done = recluster.wait(db, first.id, timeout_s=300)
    assert done.state == "done", done.error
    assert db.execute("SELECT count(*) FROM cluster_jobs").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM topics WHERE status = 'active'").fetchone()[0] == 5


def test_concurrent_starts_claim_one_job(db, settings):
    results = []
    barrier = threading.Barrier(4)

    def claim():
        from civic.db import open_db

        conn = open_db(settings.db_path)
        barrier.wait()
        results.append(recluster._claim(conn, "test"))

    threads = [threading.Thread(target=claim) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(created for _, created in results) == 1
    assert len({job.id for job, _ in results}) == 1


def test_a_job_without_heartbeat_is_replaced(db, settings):
    old = (datetime.now(timezone.utc) - timedelta(hours=1)).isoformat()
    db["cluster_jobs"].insert({"state": "running", "progress": 0.3, "created_at": old, "heartbeat_at": old})
    db.conn.commit()
    job = run(settings)
    assert job.created and job.state == "done"
    assert db.execute("SELECT state, error FROM cluster_jobs WHERE id = 1").fetchone() == ("failed", "stale")


def test_a_failing_job_is_reported_and_changes_nothing(db, settings, tmp_path):
    run(settings)
    topics_before = list(db.query("SELECT id, label, status FROM topics ORDER BY id"))
    broken = settings.model_copy(update={"embedder_backend": "sentence-transformers",
                                         "embedder_model": str(tmp_path / "missing-model")})
    job = run(broken)
    assert job.state == "failed" and "EmbedderUnavailable" in job.error and job.message
    assert list(db.query("SELECT id, label, status FROM topics ORDER BY id")) == topics_before
    assert recluster.latest_job(db).id == job.id and recluster.active_job(db) is None


def test_empty_database_finishes_with_no_topics(settings):
    db = make_db(settings.db_path)
    job = run(settings)
    assert job.state == "done" and job.n_topics == 0 and job.n_proposals == 0
    assert db["topics"].count == 0


def test_a_job_whose_process_dies_is_marked_failed(db, settings):
    import subprocess
    import sys

    job, created = recluster._claim(db, "test")
    proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"])
    recluster._reap(proc, job.id, settings.db_path)
    failed = recluster.get_job(db, job.id)
    assert created and failed.state == "failed" and "code 3" in failed.error
    assert recluster.start(settings, background=False).created  # the next start is not blocked
