"""Parallel writers on one SQLite file (processes and threads): nothing lost, nothing doubled, receipts unique."""
import multiprocessing as mp
from concurrent.futures import ThreadPoolExecutor

from civic import proposals as P
from civic.db import migrate, open_db

WRITERS = 4
PER_WRITER = 15


def _write(args):
    path, writer = args
    db = open_db(path)
    receipts = []
    for i in range(PER_WRITER):
        draft = P.ProposalDraft(f"{writer}번 작성자의 {i}번째 제안: 골목길 가로등을 밝게 바꿔 주세요")
        first = P.create_proposal(db, draft, sender_id=f"web:w{writer}", assign_topic=False)
        # A double tap / channel retry of the same message right away must not create a second proposal.
        retry = P.create_proposal(db, draft, sender_id=f"web:w{writer}", assign_topic=False)
        assert retry.proposal.receipt == first.proposal.receipt and not retry.created
        receipts.append(first.proposal.receipt)
    # Every writer has stored proposals by now, so receipt number 1 of this year exists.
    first = receipts[0][:8] + "000001"
    outcomes = [P.add_support(db, first, "kakao:fan").outcome for _ in range(3)]
    db.close()
    return receipts, outcomes


def _check(path, results):
    receipts = [r for rs, _ in results for r in rs]
    outcomes = [o for _, os in results for o in os]
    db = open_db(path)
    assert len(receipts) == len(set(receipts)) == WRITERS * PER_WRITER
    assert P.count_proposals(db) == WRITERS * PER_WRITER
    stored = sorted(r["receipt"] for r in db.query("SELECT receipt FROM proposals"))
    year = stored[0][3:7]
    assert stored == [f"GJ-{year}-{n:06d}" for n in range(1, WRITERS * PER_WRITER + 1)]
    assert outcomes.count("added") == 1 and outcomes.count("already") == len(outcomes) - 1
    assert db.execute("SELECT support_count FROM proposals WHERE id = 1").fetchone()[0] == 1
    assert db.execute("SELECT count(*) FROM status_history").fetchone()[0] == WRITERS * PER_WRITER


def _migrated(path):
    db = open_db(path)
    migrate(db)
    db.close()
    return path


def test_parallel_processes(tmp_path):
    path = _migrated(str(tmp_path / "civic.db"))
    # spawn, not fork: by now the test process runs threads (torch, the e2e servers' readers), and forking a
    # process with threads can leave a child waiting forever on a lock that no thread in it will release.
    with mp.get_context("spawn").Pool(WRITERS) as pool:
        results = pool.map(_write, [(path, w) for w in range(WRITERS)])
    _check(path, results)


def test_parallel_threads(tmp_path):
    path = _migrated(str(tmp_path / "civic.db"))
    with ThreadPoolExecutor(WRITERS) as pool:
        results = list(pool.map(_write, [(path, w) for w in range(WRITERS)]))
    _check(path, results)
