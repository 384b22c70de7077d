"""`make load`: 200 simulated citizens file proposals concurrently through /kakao/skill and /api/chat, then the
database is checked: every receipt shown is stored exactly once, nothing stored that no citizen confirmed, every
support counted once, no 5xx, `PRAGMA integrity_check` ok. Prints a summary; exits 1 on any violation.

Starts a private stack (action server, Rasa, app) on free loopback ports with its own temporary data directory
(civic.supervisor.isolated_settings, high rate limits: every citizen comes from 127.0.0.1). Before the load a few
proposals are stored through the store API; 1 in 5 citizens supports one of them instead of filing (as a similar
proposal offered by the form, or by receipt), and some of those try to support it twice.

    .venv/bin/python -m bench.load                  # 200 citizens (make load)
    .venv/bin/python -m bench.load --citizens 20    # the small variant the test suite runs
"""
from __future__ import annotations

import argparse
import asyncio
import random
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlite_utils import Database

from bench.citizen import (
    MAX_TURNS,
    Citizen,
    KakaoChannel,
    Plan,
    Result,
    WebChannel,
    expected_turns,
    make_plan,
)
from civic.settings import PROJECT_ROOT, Settings
from civic.supervisor import build_services, isolated_settings, stop_all

# Hand-written proposals stored before the load; supporters write the same problem and are offered it as similar.
SEEDS = (
    "지하철역 엘리베이터가 자주 고장 나서 휠체어 이용자가 계단 앞에서 기다려야 해요",
    "놀이터 바닥 고무매트가 찢어져서 아이들이 걸려 넘어져요",
    "새벽 시간 대형 화물차가 주택가 이면도로로 다녀서 잠을 잘 수가 없어요",
    "전통시장 공영주차장 안내 표지판이 없어서 입구를 찾기 어려워요",
    "초등학교 통학로에 보도블록이 깨져서 비 오는 날 물웅덩이가 생겨요",
    "경로당 냉방기가 낡아서 여름에 어르신들이 더위에 지쳐 계세요",
)
MARKER_RE = re.compile(r"표시어 (qx[a-z]{8})")
HIGH_LIMIT = "100000/second"
# Citizens arrive within RAMP_S, and each spends CONVERSATION_S seconds (drawn per citizen) on its whole
# conversation, spread evenly over its answers: all 200 conversations are open at the same time and they end
# together, offering about 3.5 form turns a second: what this shared 2-core machine sustains (docs/reliability.md).
RAMP_S = 20.0
CONVERSATION_S = (240.0, 300.0)


# ---------------------------------------------------------------------------------------------- the stack
class PrivateStack:
    """Action server, Rasa and the app on free loopback ports with their own data dir; each process can be
    killed (SIGKILL to its process group, like kill -9) and started again on the same ports and files."""

    def __init__(self, var_dir: Path, model: Path | None = None, **overrides) -> None:
        self.var_dir = var_dir
        self.settings: Settings = isolated_settings(var_dir, rate_limit_chat=HIGH_LIMIT, rate_limit_kakao=HIGH_LIMIT,
                                                    **overrides)
        self.services = {s.name: s for s in build_services(self.settings, model)}
        # civic.supervisor.base_env passes ports, paths and secrets only; the children read the rest of their
        # settings from the environment, so the overrides (rate limits above all) are passed on here.
        values = {"rate_limit_chat": HIGH_LIMIT, "rate_limit_kakao": HIGH_LIMIT, **overrides}
        for service in self.services.values():
            service.env.update({k.upper(): str(v) for k, v in values.items()})
        self.logs = var_dir / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.port}"

    @property
    def db_path(self) -> Path:
        return self.settings.db_path

    def start(self, name: str) -> None:
        service = self.services[name]
        log = open(self.logs / f"{name}.log", "ab")  # noqa: SIM115 - the child keeps it open
        service.proc = subprocess.Popen(service.argv, env=service.env, cwd=PROJECT_ROOT, start_new_session=True,
                                        stdout=log, stderr=subprocess.STDOUT)
        log.close()

    def start_all(self, timeout_s: float = 300) -> None:
        for name in self.services:  # start order: actions, every Rasa instance, app
            self.start(name)
        self.wait_ready(list(self.services), timeout_s)

    def wait_ready(self, names: list[str], timeout_s: float) -> float:
        """Seconds until every named service answers its health URL; raises if one dies or time runs out."""
        started = time.monotonic()
        pending = [self.services[n] for n in names]
        with httpx.Client(timeout=1.0) as client:
            while pending:
                for s in list(pending):
                    if s.proc is not None and s.proc.poll() is not None:
                        raise RuntimeError(f"{s.name} exited with {s.proc.returncode}; see {self.logs}/{s.name}.log")
                    try:
                        if client.get(s.health_url).status_code == 200:
                            pending.remove(s)
                    except httpx.HTTPError:
                        pass
                if pending and time.monotonic() - started > timeout_s:
                    raise TimeoutError(f"not ready in {timeout_s:.0f} s: {', '.join(s.name for s in pending)}")
                if pending:
                    time.sleep(0.3)
        return time.monotonic() - started

    def kill(self, name: str) -> None:
        import os
        import signal

        proc = self.services[name].proc
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=10)

    def stop(self) -> None:
        stop_all([s for s in self.services.values() if s.proc is not None])

    def __enter__(self) -> PrivateStack:  # noqa: PYI034
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def seed_store(settings: Settings, texts: tuple[str, ...] = SEEDS) -> list[tuple[str, str]]:
    """Fit the embedder on the empty store (as the first process would) and store the seed proposals through the
    store API. Returns (receipt, text) pairs."""
    from civic import proposals as P
    from civic.db import open_migrated
    from civic.embeddings.runtime import current_embedder

    embedder = current_embedder(settings)
    db = open_migrated(settings.db_path)
    try:
        return [(P.create_proposal(db, P.ProposalDraft(text), sender_id=f"web:seed-{i}", embedder=embedder,
                                   assign_topic=False).proposal.receipt, text) for i, text in enumerate(texts)]
    finally:
        db.close()


# ---------------------------------------------------------------------------------------------- the citizens
def make_plans(n: int, seeds: list[tuple[str, str]], seed: int = 8) -> list[Plan]:
    """Half web, half Kakao; 1 in 5 supports a seed proposal (alternately as the offered similar proposal and by
    receipt), and every second supporter tries to support it twice."""
    rng = random.Random(seed)
    plans = []
    for i in range(n):
        channel = "kakao" if i % 2 else "web"
        if i % 5 == 4 and seeds:
            kind = "support_similar" if (i // 5) % 2 == 0 else "support_receipt"
            plans.append(make_plan(i, rng, kind, channel, seeds, twice=(i // 10) % 2 == 0))
        else:
            plans.append(make_plan(i, rng, "file", channel, seeds))
    return plans


def think_range(plan: Plan, think_s: tuple[float, float] | None,
                conversation_s: tuple[float, float] | None) -> tuple[float, float]:
    """Seconds before each answer: given directly, or this citizen's conversation length over its answers."""
    if think_s is not None:
        return think_s
    if conversation_s is None:
        return (0.0, 0.0)
    per_answer = random.Random(plan.index).uniform(*conversation_s) / expected_turns(plan)
    return (0.9 * per_answer, 1.1 * per_answer)


async def drive(stack_url: str, secret: str, plans: list[Plan], *, think_s: tuple[float, float] | None = None,
                conversation_s: tuple[float, float] | None = CONVERSATION_S, ramp_s: float = RAMP_S,
                retry_for_s: float = 90.0, max_requests: int = MAX_TURNS, run_id: str = "",
                citizens: list[Citizen] | None = None) -> list[Result]:
    """Every citizen at once (started over `ramp_s`), each on its own sender id; returns their results.
    Pace: `think_s` seconds before each answer, else `conversation_s` for the whole conversation.
    `citizens` (optional) receives the Citizen objects as they start, to watch the progress (fault tests)."""
    run_id = run_id or f"{int(time.time()) % 100000}"
    # Expire idle connections before uvicorn's 5 s keep-alive: a POST on a connection the server is closing gets no
    # response (httpx's default expiry is also 5 s), which the fault test would count as a bare error.
    limits = httpx.Limits(max_connections=len(plans) + 8, max_keepalive_connections=len(plans) + 8,
                          keepalive_expiry=2.0)
    async with httpx.AsyncClient(limits=limits) as client:
        async def one(plan: Plan) -> Result:
            await asyncio.sleep(ramp_s * plan.index / max(1, len(plans)))
            user = f"load{run_id}-{plan.index}"
            channel = (KakaoChannel(client, stack_url, user, secret) if plan.channel == "kakao"
                       else WebChannel(client, stack_url, user))
            citizen = Citizen(plan, channel, think_range(plan, think_s, conversation_s), retry_for_s,
                              max_requests=max_requests)
            if citizens is not None:
                citizens.append(citizen)
            return await citizen.run()

        return list(await asyncio.gather(*(one(p) for p in plans)))


# ---------------------------------------------------------------------------------------------- the checks
def iso_now() -> str:
    from civic.proposals import iso, utcnow

    return iso(utcnow())


@dataclass
class Report:
    violations: list[str] = field(default_factory=list)
    stats: dict = field(default_factory=dict)

    def fail(self, message: str) -> None:
        self.violations.append(message)


def check(db_path: Path, results: list[Result], *, since: str, outage: bool = False, strict: bool = False) -> Report:
    """Compare what citizens were shown with the database.

    A 5xx is a violation unless it is the web chat's designed apology (503 with the Korean apology text, sent when
    Rasa does not answer within its deadline: overload or an outage); with `strict` every 5xx is. `outage`: a
    process was down on purpose, so refused connections are expected. Never allowed: a silent timeout, a citizen
    who could not finish, anything lost, doubled or half-written. Proposals and supports stored before `since` (an
    ISO time in UTC, as the store writes it: the seeds, earlier runs on the same database) are not this run's."""
    from civic import proposals as P

    report = Report()
    statuses = Counter(r.status for res in results for r in res.requests)
    report.stats["statuses"] = dict(statuses)
    for res in results:
        for req in res.requests:
            if req.error == "timeout":
                report.fail(f"citizen {res.plan.index}: no answer within the deadline ({req.step})")
            if req.status is not None and req.status >= 500 and (strict or not (req.apology and req.status == 503)):
                report.fail(f"citizen {res.plan.index}: HTTP {req.status} on {req.step}")
            if req.error and req.error != "timeout" and not outage:
                report.fail(f"citizen {res.plan.index}: {req.error} on {req.step}")
        if not res.done or res.failure:
            report.fail(f"citizen {res.plan.index} ({res.plan.channel}, {res.plan.kind}) did not finish: "
                        f"{res.failure or 'stopped'} after {[q for q in res.asked][-6:]}")

    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        integrity = conn.execute("PRAGMA integrity_check").fetchone()[0]
        report.stats["integrity_check"] = integrity
        if integrity != "ok":
            report.fail(f"integrity_check: {integrity}")
        if conn.execute("PRAGMA foreign_key_check").fetchall():
            report.fail("foreign_key_check found rows")
        rows = conn.execute("SELECT id, receipt, text, masked_text, status, channel, sender_hash, support_count, "
                            "created_at FROM proposals").fetchall()
        by_receipt = {r["receipt"]: r for r in rows}
        earlier = {r["receipt"] for r in rows if r["created_at"] < since}
        half = [r["receipt"] for r in rows if not all(r[c] for c in ("receipt", "text", "masked_text", "status",
                                                                        "created_at"))]
        half += [r[0] for r in conn.execute("SELECT receipt FROM proposals p WHERE NOT EXISTS "
                                            "(SELECT 1 FROM status_history h WHERE h.proposal_id = p.id)")]
        if half:
            report.fail(f"incomplete proposal rows: {half[:5]}")

        # Proposals: every receipt shown is stored once, with this citizen's marker; nothing stored unconfirmed.
        by_marker = {res.plan.marker: res for res in results}
        marker_rows: dict[str, list[str]] = {}
        for r in rows:
            if r["receipt"] in earlier:
                continue
            found = MARKER_RE.search(r["text"])
            if not found or found.group(1) not in by_marker:
                report.fail(f"{r['receipt']}: stored proposal of no simulated citizen")
                continue
            marker_rows.setdefault(found.group(1), []).append(r["receipt"])
        shown = 0
        for res in results:
            stored = marker_rows.get(res.plan.marker, [])
            if len(stored) > 1:
                report.fail(f"citizen {res.plan.index}: {len(stored)} proposals stored for one conversation")
            if stored and not res.confirm_sent:
                report.fail(f"citizen {res.plan.index}: {stored[0]} stored without a confirmation")
            if res.receipt:
                shown += 1
                row = by_receipt.get(res.receipt)
                if row is None:
                    report.fail(f"citizen {res.plan.index}: receipt {res.receipt} shown but not stored (lost)")
                elif res.plan.marker not in row["text"]:
                    report.fail(f"citizen {res.plan.index}: receipt {res.receipt} belongs to another proposal")
                elif row["channel"] != res.plan.channel:
                    report.fail(f"citizen {res.plan.index}: {res.receipt} stored with channel {row['channel']}")
            elif stored:
                report.fail(f"citizen {res.plan.index}: {stored[0]} stored but its receipt was never shown")
        report.stats["proposals_shown"] = shown
        report.stats["proposals_stored"] = len(rows) - len(earlier)
        report.stats["recovered"] = sum(res.recovered for res in results)

        # Contacts only with consent, kept apart: one row for every consenting citizen whose proposal is stored.
        contact_ids = {r[0] for r in conn.execute("SELECT proposal_id FROM contacts")}
        for res in results:
            row = by_receipt.get(res.receipt or "")
            if row is not None and (row["id"] in contact_ids) != bool(res.plan.consent and res.plan.contact):
                report.fail(f"citizen {res.plan.index}: contact stored={row['id'] in contact_ids}, "
                            f"consent={res.plan.consent}")

        # Supports: counter == rows; each (proposal, citizen) at most once; every "added" shown has its row.
        support_rows = Counter()
        pairs = set()
        for s in conn.execute("SELECT p.receipt, s.sender_hash, s.created_at FROM supports s JOIN proposals p "
                              "ON p.id = s.proposal_id"):
            support_rows[s[0]] += 1
            if s[2] >= since:
                pairs.add((s[0], s[1]))
        for r in rows:
            if r["support_count"] != support_rows.get(r["receipt"], 0):
                report.fail(f"{r['receipt']}: support_count {r['support_count']} but "
                            f"{support_rows.get(r['receipt'], 0)} support rows")
        salted = Database(conn)  # sender_hash needs the store's salt; the connection stays read-only
        hashes = {res.sender: P.sender_hash(salted, res.sender) for res in results}
        shown_pairs = {(receipt, hashes[res.sender]) for res in results for receipt, outcomes in res.supports.items()
                       if set(outcomes) & {"added", "already"}}
        for receipt, _ in sorted(pairs - shown_pairs):
            report.fail(f"{receipt}: a support stored that no citizen was told about")
        for receipt, _ in sorted(shown_pairs - pairs):
            report.fail(f"{receipt}: a support shown to a citizen but not stored")
        added = 0
        for res in results:
            for receipt, outcomes in res.supports.items():
                if outcomes.count("added") > 1:
                    report.fail(f"citizen {res.plan.index}: support of {receipt} added {outcomes.count('added')}x")
                if outcomes[0] == "already" and not res.troubled & {"support", "support_again"}:
                    # only a citizen whose first answer was lost (apology, outage) may hear "already" first
                    report.fail(f"citizen {res.plan.index}: 'already supported' without ever adding {receipt}")
                if res.plan.twice and len(outcomes) >= 2 and outcomes[1] != "already":
                    report.fail(f"citizen {res.plan.index}: second support of {receipt} answered {outcomes[1]}")
                added += outcomes.count("added")
        report.stats["supports_shown"] = added
        report.stats["supports_stored"] = len(pairs)
        report.stats["second_supports_refused"] = sum(
            1 for res in results for o in res.supports.values() if len(o) >= 2 and o[1] == "already")
    finally:
        conn.close()
    return report


# ---------------------------------------------------------------------------------------------- the summary
def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    data = sorted(values)
    return data[min(len(data) - 1, round(p / 100 * (len(data) - 1)))]


def summary(results: list[Result], report: Report, wall_s: float) -> list[str]:
    reqs = [r for res in results for r in res.requests]
    stats = report.stats
    web = sum(r.plan.channel == "web" for r in results)
    statuses = ", ".join(f"{k}: {v}" for k, v in sorted(stats["statuses"].items(), key=str))
    rows = [
        ("citizens (web / Kakao)", f"{len(results)} ({web} / {len(results) - web})"),
        ("citizens who finished", sum(r.done and not r.failure for r in results)),
        ("proposals confirmed (receipt shown / stored)",
         f"{stats.get('proposals_shown', 0)} / {stats.get('proposals_stored', 0)}"),
        ("receipts recovered from '내 제안' after a lost answer", stats.get("recovered", 0)),
        ("offered a similar proposal", sum(r.offered_similar for r in results)),
        ("supports (shown added / stored)", f"{stats.get('supports_shown', 0)} / {stats.get('supports_stored', 0)}"),
        ("second supports refused ('이미 공감')", stats.get("second_supports_refused", 0)),
        ("requests", len(reqs)),
        ("HTTP statuses", statuses),
        ("5xx (of which the chat's 503 apology)",
         f"{sum(1 for r in reqs if (r.status or 0) >= 500)} ({sum(1 for r in reqs if r.status == 503 and r.apology)})"),
        ("apologies / silent timeouts / refused", " / ".join(str(n) for n in (
            sum(r.apology for r in reqs), sum(r.error == "timeout" for r in reqs),
            sum(r.error == "refused" for r in reqs)))),
    ]
    answered = {name: [r.ms for res in results if name in (None, res.plan.channel) for r in res.requests
                       if r.status is not None] for name in ("web", "kakao", None)}
    for name, ms in answered.items():
        rows.append((f"per turn {name or 'all'}: p50 / p95 / max ms",
                     f"{pct(ms, 50):,.0f} / {pct(ms, 95):,.0f} / {max(ms, default=float('nan')):,.0f}"))
    rows += [("wall time", f"{wall_s:,.1f} s"), ("requests per second (mean)", f"{len(reqs) / wall_s:,.1f}" if wall_s else "—"),
             ("integrity_check", stats.get("integrity_check")), ("violations", len(report.violations))]
    return ["| measure | value |", "|---|---:|", *(f"| {label} | {value} |" for label, value in rows)]


def step_table(results: list[Result]) -> list[str]:
    """Latency and apologies per kind of answer (start of the form, problem, location, … confirmation)."""
    steps: dict[str, list] = {}
    for res in results:
        for r in res.requests:
            steps.setdefault(r.step, []).append(r)
    lines = ["| answer | requests | p50 ms | p95 ms | apologies |", "|---|---:|---:|---:|---:|"]
    for step, reqs in sorted(steps.items(), key=lambda kv: -len(kv[1])):
        ms = [r.ms for r in reqs if r.status is not None]
        lines.append(f"| {step} | {len(reqs)} | {pct(ms, 50):,.0f} | {pct(ms, 95):,.0f} | "
                     f"{sum(r.apology for r in reqs)} |")
    return lines


def run(citizens: int = 200, *, think_s: tuple[float, float] | None = None,
        conversation_s: tuple[float, float] | None = CONVERSATION_S, ramp_s: float = RAMP_S, strict: bool = False,
        verbose: bool = True, keep: Path | None = None, model: Path | None = None,
        ) -> tuple[list[Result], Report, list[str]]:
    """The whole `make load` run on a private stack; returns (results, report, summary lines)."""
    with tempfile.TemporaryDirectory(prefix="load-") as tmp:
        var_dir = keep or Path(tmp)
        with PrivateStack(var_dir, model) as stack:
            seeds = seed_store(stack.settings)
            since = iso_now()
            if verbose:
                print(f"starting a private stack in {var_dir} (actions, Rasa, app)…", flush=True)
            stack.start_all()
            plans = make_plans(citizens, seeds)
            if verbose:
                pace = (f"{think_s[0]:.0f}–{think_s[1]:.0f} s before each answer" if think_s else
                        f"{conversation_s[0]:.0f}–{conversation_s[1]:.0f} s per conversation")
                print(f"{citizens} citizens, all arriving within {ramp_s:.0f} s, {pace}…", flush=True)
            started = time.perf_counter()
            results = asyncio.run(drive(stack.base_url, stack.settings.kakao_skill_secret, plans, think_s=think_s,
                                        conversation_s=conversation_s, ramp_s=ramp_s))
            wall = time.perf_counter() - started
        report = check(stack.db_path, results, since=since, strict=strict)
        return results, report, summary(results, report, wall) + ["", *step_table(results)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--citizens", type=int, default=200)
    parser.add_argument("--ramp", type=float, default=RAMP_S, help="seconds over which the citizens arrive")
    parser.add_argument("--conversation", type=float, nargs=2, default=CONVERSATION_S, metavar=("MIN", "MAX"),
                        help="seconds each citizen spends on its whole conversation (default %(default)s)")
    parser.add_argument("--think", type=float, nargs=2, metavar=("MIN", "MAX"),
                        help="instead: seconds a citizen takes before each answer")
    parser.add_argument("--strict", action="store_true",
                        help="count the chat's 503 apology (Rasa too slow) as a violation too")
    parser.add_argument("--keep", type=Path, help="use this directory for the stack's data and logs (kept)")
    parser.add_argument("--model", type=Path, help="another trained Rasa model (default: models/gwangju.tar.gz)")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    results, report, lines = run(args.citizens, think_s=tuple(args.think) if args.think else None,
                                 conversation_s=tuple(args.conversation), ramp_s=args.ramp, strict=args.strict,
                                 keep=args.keep, model=args.model)
    print("\n" + "\n".join(lines))
    if report.violations:
        print(f"\n{len(report.violations)} violation(s):", file=sys.stderr)
        for v in report.violations[:50]:
            print(f"  - {v}", file=sys.stderr)
        return 1
    apologies = sum(1 for res in results for r in res.requests if r.status == 503 and r.apology)
    print("\nno violations: nothing lost, nothing doubled, no 5xx"
          + (f" other than {apologies} apologies (503 from the chat when Rasa was too slow)." if apologies else "."))
    return 0


if __name__ == "__main__":
    sys.exit(main())
