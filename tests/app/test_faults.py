"""kill -9 the action server, then Rasa, then the app, each in the middle of 20 concurrent proposal conversations
(half Kakao, half web), and start it again on the same ports and data files.

Checked after each: no confirmed proposal lost (every receipt shown is stored, once), no half-written row,
`PRAGMA integrity_check` ok, every support counted once, the conversations resume after the restart (Rasa's SQL
tracker store: the same sender goes on where it was, no citizen has to start over), and every request during the
outage was answered within Kakao's 5 s: the app's Korean apology (a 503 on /api/chat, the apology text on the
skill) or, while the app itself is down, an immediate refusal (the widget shows its own "network" apology). The
first test is the small load without a fault (the test-suite variant of `make load`).

One private stack (bench.load.PrivateStack) for the module; about 4 minutes, most of it Rasa loading its model twice.
"""
from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import pytest

from bench.citizen import Result
from bench.load import PrivateStack, check, drive, iso_now, make_plans, seed_store, summary
from civic.settings import PROJECT_ROOT

# CIVIC_TEST_MODEL: run against another trained model (e.g. one trained to a temporary directory).
MODEL = Path(os.environ.get("CIVIC_TEST_MODEL") or PROJECT_ROOT / "models" / "gwangju.tar.gz")
CITIZENS = 20
THINK_S = (0.3, 1.5)
RAMP_S = 3.0
DOWN_S = 4.0  # how long a killed process stays dead before it is started again
RESTART_TIMEOUT_S = {"actions": 90, "rasa": 240, "app": 60}


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make train`")
    with PrivateStack(tmp_path_factory.mktemp("faults"), MODEL) as st:
        seeds = seed_store(st.settings)
        st.start_all(timeout_s=300)
        yield st, seeds


class Outage:
    """When the victim was killed and when it answered its health check again (monotonic seconds)."""

    def __init__(self) -> None:
        self.killed = self.ready = 0.0

    def during(self, at: float) -> bool:
        return self.killed <= at <= self.ready


async def load_with_fault(stack: PrivateStack, seeds, victim: str | None, seed: int) -> tuple[list[Result], Outage]:
    plans = make_plans(CITIZENS, seeds, seed=seed)
    citizens: list = []
    outage = Outage()
    load = asyncio.create_task(drive(stack.base_url, stack.settings.kakao_skill_secret, plans, think_s=THINK_S,
                                     ramp_s=RAMP_S, retry_for_s=RESTART_TIMEOUT_S.get(victim, 30) + 30,
                                     max_requests=120, run_id=f"{victim or 'none'}{seed}", citizens=citizens))
    if victim:
        # In the middle: every citizen has started and about a third of the conversation turns are done.
        expected = CITIZENS * 6
        while sum(len(c.result.requests) for c in citizens) < expected // 3 and not load.done():
            await asyncio.sleep(0.05)
        assert not load.done(), "the load finished before the fault: nothing was tested"
        outage.killed = time.monotonic()
        stack.kill(victim)
        await asyncio.sleep(DOWN_S)
        stack.start(victim)
        await asyncio.to_thread(stack.wait_ready, [victim], RESTART_TIMEOUT_S[victim])
        outage.ready = time.monotonic()
    return await load, outage


def assert_nothing_lost(stack: PrivateStack, results: list[Result], since: str, outage: bool) -> None:
    report = check(stack.db_path, results, since=since, outage=outage)
    print("\n".join(summary(results, report, max(r.at for res in results for r in res.requests)
                                              - min(r.at for res in results for r in res.requests))))
    assert not report.violations, "\n".join(report.violations[:20])
    assert report.stats["integrity_check"] == "ok"
    assert report.stats["proposals_shown"] == report.stats["proposals_stored"] > 0
    assert report.stats["supports_stored"] > 0


def test_the_check_finds_lost_doubled_unconfirmed_and_miscounted(tmp_path):
    """The checker itself (no stack): each kind of damage it must report, made by hand in a real store."""
    from civic import proposals as P
    from civic.db import open_migrated

    db = open_migrated(tmp_path / "civic.db")
    since = iso_now()
    plans = make_plans(5, [], seed=3)
    results = [Result(p, f"{p.channel}:check{p.index}", done=True) for p in plans]

    def store(i: int, suffix: str = "") -> str:
        return P.create_proposal(db, P.ProposalDraft(plans[i].problem + suffix), sender_id=results[i].sender,
                                 assign_topic=False).proposal.receipt

    results[0].receipt, results[0].confirm_sent = store(0), 1  # fine
    results[1].receipt, results[1].confirm_sent = results[0].receipt[:8] + "999999", 1  # shown, never stored
    results[2].receipt, results[2].confirm_sent = store(2), 1
    store(2, " 다시")  # the same conversation stored twice
    store(3)  # stored, but citizen 3 never pressed 접수하기
    P.add_support(db, results[0].receipt, results[4].sender)  # nobody was told about this support
    db.execute("UPDATE proposals SET support_count = 5 WHERE receipt = ?", [results[0].receipt])
    db.conn.commit()
    db.close()

    found = "\n".join(check(tmp_path / "civic.db", results, since=since).violations)
    for expected in ("shown but not stored (lost)", "2 proposals stored for one conversation",
                     "stored without a confirmation", "a support stored that no citizen was told about",
                     "support_count 5 but 1 support rows"):
        assert expected in found, found


@pytest.mark.e2e
@pytest.mark.slow
def test_small_load_loses_nothing(stack):
    st, seeds = stack
    since = iso_now()
    results, _ = asyncio.run(load_with_fault(st, seeds, None, seed=1))
    assert_nothing_lost(st, results, since, outage=False)
    assert all(r.status == 200 for res in results for r in res.requests if not r.apology)


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.parametrize("victim", ["actions", "rasa", "app"])
def test_kill_9_and_restart_loses_nothing_and_conversations_resume(stack, victim):
    st, seeds = stack
    since = iso_now()
    seed = {"actions": 11, "rasa": 12, "app": 13}[victim]
    results, outage = asyncio.run(load_with_fault(st, seeds, victim, seed=seed))
    assert_nothing_lost(st, results, since, outage=True)

    during = [r for res in results for r in res.requests if outage.during(r.at)]
    print(f"{victim}: down {outage.ready - outage.killed:.1f} s (killed, {DOWN_S:.0f} s dead, restarted until "
          f"healthy); {len(during)} requests meanwhile: {sum(r.apology for r in during)} apologies, "
          f"{sum(r.error == 'refused' for r in during)} refused, "
          f"{sum(r.status == 200 and not r.apology for r in during)} answered normally, "
          f"slowest {max((r.ms for r in during), default=0):.0f} ms")
    assert during, "no citizen wrote during the outage: the fault was not exercised"
    # Never a silent wait: everything sent during the outage was answered (or refused) within the deadline.
    assert all(r.error != "timeout" for r in during)
    if victim == "app":
        assert any(r.error == "refused" for r in during)
    else:
        assert any(r.apology for r in during), "no apology during the outage"
        bare = [(r.step, r.status, r.error) for r in during if not (r.apology or r.status == 200)]
        assert not bare, bare  # the Korean apology, never a bare error
    # The same senders went on after the restart: citizens caught mid-form finished without starting over.
    caught = [res for res in results if res.requests and res.requests[0].at < outage.killed < res.requests[-1].at]
    print(f"{len(caught)} conversations spanned the outage; all resumed: "
          f"{all(res.done and res.restarts == 0 for res in caught)}")
    assert len(caught) >= CITIZENS // 2, f"only {len(caught)} conversations spanned the outage"
    assert all(res.done and res.restarts == 0 for res in caught), [
        (res.plan.index, res.restarts, res.asked) for res in caught if not (res.done and res.restarts == 0)]
