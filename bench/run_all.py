"""`make bench`: every speed figure of the project in one run, written to docs/benchmarks.md.

Starts a private stack (action server, Rasa, app) on free loopback ports with its own data directory, drives it with
bounded closed-loop load at 1, 16 and 64 concurrent senders (app vs bare Rasa in the same run, so the app's overhead is
a ratio), measures NLU parse time, knowledge search, similar-proposal lookup, embedding + clustering, and the memory
of each process. Stops everything by itself.
"""
from __future__ import annotations

import argparse
import asyncio
import importlib
import math
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil

from bench.http_load import LoadResult, run_load
from bench.machine import markdown_header
from civic.settings import PROJECT_ROOT, get_settings
from civic.supervisor import build_services, isolated_settings, running
from web.rasa_client import shard

OUT = PROJECT_ROOT / "docs" / "benchmarks.md"
MESSAGES = ["안녕하세요", "뭐 할 수 있어요?", "광주 인공지능 데이터센터 언제 열어요?", "AI 사관학교는 어떤 곳이에요?",
            "고마워요", "2단계 사업은 뭐예요?"]
CONCURRENCY = [(1, 60), (16, 15), (64, 5)]  # (senders, requests per sender): bounded count


def kakao_body(user: str, text: str) -> dict:
    return {
        "intent": {"id": "bench", "name": "폴백 블록"},
        "userRequest": {"timezone": "Asia/Seoul", "params": {}, "block": {"id": "b", "name": "폴백 블록"},
                        "utterance": text, "lang": "ko",
                        "user": {"id": user, "type": "botUserKey", "properties": {}}},
        "bot": {"id": "bench-bot", "name": "광주 도우미"},
        "action": {"name": "skill", "clientExtra": None, "params": {}, "id": "a", "detailParams": {}},
    }


def fmt(x: float, digits: int = 1) -> str:
    return "—" if math.isnan(x) else f"{x:,.{digits}f}"


def load_table(results: list[LoadResult]) -> list[str]:
    lines = ["| target | senders | requests | p50 ms | p95 ms | p99 ms | max ms | msg/s | non-2xx | errors |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in results:
        row = r.row()
        lines.append(f"| {r.name} | {r.concurrency} | {row['requests']} | {fmt(row['p50_ms'])} | {fmt(row['p95_ms'])}"
                     f" | {fmt(row['p99_ms'])} | {fmt(row['max_ms'])} | {fmt(row['msg_per_s'])} | {row['non_2xx']}"
                     f" | {row['errors']} |")
    return lines


async def endpoint_load(settings) -> list[LoadResult]:
    app = f"http://127.0.0.1:{settings.port}"
    rasa_urls = settings.rasa_urls or [settings.rasa_url]
    secret = {"X-Skill-Secret": settings.kakao_skill_secret}
    targets = {
        "bare Rasa (REST webhook)": lambda run: lambda i, j: (
            # The same sender-to-instance routing as the app, so both sides use the same Rasa processes.
            f"{rasa_urls[shard(f'bare{run}-{i}', len(rasa_urls))]}/webhooks/rest/webhook",
            {"sender": f"bare{run}-{i}", "message": MESSAGES[(i + j) % len(MESSAGES)]}, {}),
        "app /api/chat": lambda run: lambda i, j: (
            f"{app}/api/chat", {"sender": f"chat{run}-{i}", "message": MESSAGES[(i + j) % len(MESSAGES)]}, {}),
        # A Kakao user gets each utterance once: the skill answers an identical (user, utterance) pair within its
        # retry window from the finished turn (retry coalescing), which would not be a round trip through Rasa.
        "app /kakao/skill": lambda run: lambda i, j: (
            f"{app}/kakao/skill",
            kakao_body(f"kakao{run}-{i}-{j // len(MESSAGES)}", MESSAGES[(i + j) % len(MESSAGES)]), secret),
    }
    results = []
    for senders, per_sender in CONCURRENCY:
        for name, make in targets.items():
            run_id = f"{senders}-{int(time.time() * 1000) % 100000}"
            results.append(await run_load(name, make(run_id), senders, per_sender))
    return results


async def nlu_parse(settings, n: int = 200) -> dict:
    url = f"http://127.0.0.1:{settings.rasa_port}/model/parse?token={settings.rasa_token}"
    times = []
    async with httpx.AsyncClient(timeout=10) as client:
        for i in range(n):
            started = time.perf_counter()
            resp = await client.post(url, json={"text": MESSAGES[i % len(MESSAGES)] + " " * (i % 3)})
            resp.raise_for_status()
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return {"n": n, "p50": times[n // 2], "p95": times[int(n * 0.95) - 1]}


def memory(services) -> list[str]:
    lines = ["| process | RSS MiB (with children) |", "|---|---:|"]
    for s in services:
        try:
            proc = psutil.Process(s.proc.pid)
            rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
            lines.append(f"| {s.name} | {rss / 2**20:,.0f} |")
        except psutil.Error:
            lines.append(f"| {s.name} | (exited) |")
    return lines


def optional_section(module: str, title: str, quick: bool) -> list[str]:
    """Benchmarks owned by each feature expose `markdown(quick: bool) -> list[str]`."""
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        return [f"## {title}", "", f"Not measured: `{module}` is not available ({exc}).", ""]
    started = time.perf_counter()
    lines = mod.markdown(quick=quick)
    print(f"  {title}: {time.perf_counter() - started:.1f} s", flush=True)
    return [f"## {title}", "", *lines, ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run (not for the docs)")
    parser.add_argument("--output", type=Path, default=OUT)
    args = parser.parse_args(argv)

    doc = [markdown_header("Benchmarks"), "Command: `make bench` (bench/run_all.py).", ""]
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        # As many Rasa processes as `make run` starts (RASA_INSTANCES), so the figures are those of the shipped set-up.
        settings = isolated_settings(Path(tmp), rate_limit_chat="100000/second", rate_limit_kakao="100000/second",
                                     rasa_instances=get_settings().rasa_instances)
        services = build_services(settings)
        print("starting the stack (actions, Rasa, app)…", flush=True)
        with running(services, timeout_s=300):
            asyncio.run(run_load("warm-up", lambda i, j: (
                f"http://127.0.0.1:{settings.port}/api/chat", {"sender": f"warm{i}", "message": MESSAGES[j % 6]}, {}),
                2, 6))
            print("end-to-end load…", flush=True)
            results = asyncio.run(endpoint_load(settings))
            parse = asyncio.run(nlu_parse(settings))
            mem = memory(services)

    doc += ["## End-to-end round trip", "",
            ("Closed loop: each sender sends its next message when the previous answer arrived. Messages mix greetings,"
             " help and knowledge questions (which run a custom action). Bare Rasa is the REST channel called directly."
             " A Kakao user never repeats an utterance (a repeat within 3 s would be answered by retry coalescing)."
             f" Rasa runs as {len(settings.rasa_urls or [settings.rasa_url])} process(es) (RASA_INSTANCES), each sender"
             " always on the same one; bare Rasa is called with the same routing."),
            "", *load_table(results), ""]
    by = {(r.name, r.concurrency): r for r in results}
    doc += ["App overhead relative to bare Rasa (same run):", "",
            "| senders | chat p50 / bare p50 | skill p50 / bare p50 | chat msg/s / bare msg/s |", "|---:|---:|---:|---:|"]
    for senders, _ in CONCURRENCY:
        bare, chat, skill = (by[(n, senders)] for n in ("bare Rasa (REST webhook)", "app /api/chat",
                                                          "app /kakao/skill"))
        doc.append(f"| {senders} | {chat.pct(50) / bare.pct(50):.2f} | {skill.pct(50) / bare.pct(50):.2f}"
                   f" | {chat.throughput / bare.throughput:.2f} |")
    doc += ["", "## NLU parse time", "",
            (f"`POST /model/parse`, {parse['n']} messages sequentially: p50 {parse['p50']:.1f} ms, "
             f"p95 {parse['p95']:.1f} ms (HTTP included)."), "",
            "## Memory after the load", "", *mem, ""]
    doc += optional_section("bench.bench_kb", "Knowledge search", args.quick)
    doc += optional_section("bench.bench_similar", "Similar-proposal lookup", args.quick)
    doc += optional_section("bench.bench_cluster", "Embedding and clustering", args.quick)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text("\n".join(doc) + "\n", encoding="utf-8")
    print("\n".join(doc))
    print(f"\nwritten to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
