"""Channel round trips through the app with a running Rasa: web chat (`POST /api/chat`) and Kakao skill
(`POST /kakao/skill`), sequential latency (p50/p95/max) and throughput with 16 concurrent senders.

Targets (issue 6): p95 ≤ 150 ms sequential; ≥ 50 messages/s with 16 concurrent senders; no skill response later
than 4.5 s. Bare Rasa (its REST webhook, no app in between) is measured the same way for comparison.

    python -m bench.bench_channels                  # starts a private stack (actions, Rasa, app) on free ports
    python -m bench.bench_channels --url http://127.0.0.1:8000 --secret $KAKAO_SKILL_SECRET   # a running stack
    python -m bench.bench_channels --stub-rasa      # the app alone, against an instant stand-in for Rasa

`run()` returns the rows (a list of dicts) for `make bench`. The private stack raises the app's rate limits so the
benchmark measures the channels, not the limiter (which still runs).
"""
from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import socket
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx

from civic.settings import PROJECT_ROOT
from web.kakao import DOWN_TEXT, SLOW_TEXT
from web.kakao import outputs_text as kakao_outputs_text

FIXTURE = PROJECT_ROOT / "tests" / "fixtures" / "kakao" / "greeting.json"
MESSAGES = ["안녕하세요", "고마워요", "무엇을 도와줄 수 있어요?", "너는 사람이야?", "광주 AI 사업에 대해 알려주세요",
            "잘 있어요"]
_KAKAO_APOLOGIES = {DOWN_TEXT, SLOW_TEXT}
SKILL_LIMIT_MS = 4500.0
TARGET_P95_MS = 150.0
TARGET_RATE = 50.0


def kakao_body(user_id: str, utterance: str) -> dict:
    body = copy.deepcopy(_FIXTURE)
    body["userRequest"]["utterance"] = utterance
    body["userRequest"]["user"]["id"] = user_id
    body["userRequest"]["user"]["properties"] = {"botUserKey": user_id, "isFriend": True}
    return body


_FIXTURE = json.loads(FIXTURE.read_text(encoding="utf-8"))


class Target:
    """One kind of request: how to send message i of sender s, and how to tell it answered."""

    def __init__(self, name: str, url: str, secret: str = "") -> None:
        self.name = name
        self.url = url
        self.secret = secret

    async def send(self, client: httpx.AsyncClient, sender: str, text: str) -> tuple[float, bool]:
        """Elapsed ms, and whether a proper answer came (a 503 apology or a timeout counts as an error)."""
        started = time.perf_counter()
        try:
            ok = await self._send(client, sender, text)
        except httpx.HTTPError:
            ok = False
        return (time.perf_counter() - started) * 1000, ok

    async def _send(self, client: httpx.AsyncClient, sender: str, text: str) -> bool:
        if self.name == "kakao":
            resp = await client.post(self.url, json=kakao_body(sender, text), headers={"X-Skill-Secret": self.secret})
            ok = resp.status_code == 200 and "template" in resp.json()
        elif self.name == "chat":
            resp = await client.post(self.url, json={"sender": sender, "message": text})
            ok = resp.status_code == 200 and resp.json()["messages"]
        else:  # bare Rasa REST webhook
            resp = await client.post(self.url, json={"sender": f"bench:{sender}", "message": text})
            ok = resp.status_code == 200 and resp.json()
        if self.name == "kakao" and ok:
            ok = kakao_outputs_text(resp.json()) not in _KAKAO_APOLOGIES
        return bool(ok)


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def sequential(target: Target, n: int) -> dict:
    run_id = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(timeout=10) as client:
        for i in range(5):  # warm-up: connections, Rasa's first-call caches
            await target.send(client, f"warm{run_id}{i}", MESSAGES[i % len(MESSAGES)])
        # A new sender for every round of MESSAGES: the skill would rightly answer a repeated (user, utterance)
        # within seconds from its retry cache, which would flatter the figures.
        results = [await target.send(client, f"seq{run_id}-{i // len(MESSAGES)}", MESSAGES[i % len(MESSAGES)])
                   for i in range(n)]
    times = [t for t, _ in results]
    errors = sum(1 for _, ok in results if not ok)
    return {"name": f"{target.name} sequential", "n": n, "errors": errors, "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(_pct(times, 0.95), 1), "max_ms": round(max(times), 1),
            "target": f"p95 ≤ {TARGET_P95_MS:.0f} ms", "ok": _pct(times, 0.95) <= TARGET_P95_MS and not errors}


async def concurrent(target: Target, senders: int, per_sender: int) -> dict:
    run_id = uuid.uuid4().hex[:8]
    results: list[tuple[float, bool]] = []
    limits = httpx.Limits(max_connections=senders, max_keepalive_connections=senders)

    async with httpx.AsyncClient(timeout=10, limits=limits) as client:
        async def one_sender(s: int) -> None:
            for i in range(per_sender):
                sender = f"con{run_id}-{s}-{i // len(MESSAGES)}"
                results.append(await target.send(client, sender, MESSAGES[(s + i) % len(MESSAGES)]))

        started = time.perf_counter()
        await asyncio.gather(*(one_sender(s) for s in range(senders)))
        wall = time.perf_counter() - started
    times = [t for t, _ in results]
    errors = sum(1 for _, ok in results if not ok)
    rate = (len(results) - errors) / wall  # answered messages per second
    return {"name": f"{target.name} {senders} concurrent", "n": len(times), "errors": errors,
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(_pct(times, 0.95), 1), "max_ms": round(max(times), 1), "msgs_per_s": round(rate, 1),
            "target": f"≥ {TARGET_RATE:.0f} msg/s", "ok": rate >= TARGET_RATE and not errors}


async def measure(app_url: str, secret: str, rasa_url: str | None, n: int, senders: int, per_sender: int) -> list[dict]:
    targets = [Target("chat", f"{app_url}/api/chat"), Target("kakao", f"{app_url}/kakao/skill", secret)]
    if rasa_url:
        targets.append(Target("rasa (bare)", f"{rasa_url}/webhooks/rest/webhook"))
    rows = []
    for t in targets:
        rows.append(await sequential(t, n))
        rows.append(await concurrent(t, senders, per_sender))
    skill_max = max(r["max_ms"] for r in rows if r["name"].startswith("kakao"))
    kakao_rows = [r for r in rows if r["name"].startswith("kakao")]
    rows.append({"name": "kakao slowest response", "n": sum(r["n"] for r in kakao_rows),
                 "errors": sum(r["errors"] for r in kakao_rows), "max_ms": skill_max,
                 "target": f"≤ {SKILL_LIMIT_MS:.0f} ms", "ok": skill_max <= SKILL_LIMIT_MS})
    for r in rows:
        if r["name"].startswith("rasa"):
            r["target"], r["ok"] = "reference", None
    return rows


def run(n: int = 200, senders: int = 16, per_sender: int = 20, url: str | None = None, secret: str = "",
        rasa_url: str | None = None, stub_rasa: bool = False) -> list[dict]:
    """Benchmark a running app at `url`, or start a private stack (actions, Rasa, app) for the duration.

    `stub_rasa`: the app against an instant stand-in for Rasa on loopback instead, which isolates the channels' own
    cost from Rasa's (and from other load on the machine); these rows are named "... (stub Rasa)".
    """
    if url:
        return asyncio.run(measure(url.rstrip("/"), secret, rasa_url, n, senders, per_sender))
    from civic.supervisor import build_services, isolated_settings, running

    with tempfile.TemporaryDirectory(prefix="bench-channels-") as tmp, _StubRasa() as stub:
        settings = isolated_settings(Path(tmp))
        services = build_services(settings)
        for s in services:
            if s.name == "app":
                # websockets 10 (pinned for rasa-sdk) breaks uvicorn's websocket auto-detection; no websockets here.
                if "--ws" not in s.argv:
                    s.argv += ["--ws", "none"]
                s.env = {**s.env, "RATE_LIMIT_CHAT": "100000/second", "RATE_LIMIT_KAKAO": "100000/second"}
                if stub_rasa:
                    s.env.update(RASA_URL=stub.url, ACTION_URL=stub.url)
        if stub_rasa:
            services = [s for s in services if s.name == "app"]
        with running(services, timeout_s=300):
            rows = asyncio.run(measure(f"http://127.0.0.1:{settings.port}", settings.kakao_skill_secret,
                                       None if stub_rasa else settings.rasa_url, n, senders, per_sender))
    if stub_rasa:
        for r in rows:
            r["name"] += " (stub Rasa)"
    return rows


class _StubRasa:
    """Answers Rasa's REST webhook at once with a fixed greeting and buttons; 200 on any GET (health checks)."""

    REPLY = json.dumps([{"text": "안녕하세요! 무엇을 도와드릴까요?",
                         "buttons": [{"title": "도움말", "payload": "/help"}]}], ensure_ascii=False).encode()

    def __enter__(self):
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        reply = self.REPLY

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, like Rasa's server

            def setup(self):
                super().setup()
                # Headers and body go out as two writes: without this, Nagle + delayed ACK add ~40 ms each.
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def _answer(self, body: bytes) -> None:
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                self.rfile.read(int(self.headers.get("content-length") or 0))
                self._answer(reply)

            def do_GET(self):
                self._answer(b"{}")

            def log_message(self, *args):
                pass

        ThreadingHTTPServer.request_queue_size = 128
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def markdown(rows: list[dict]) -> str:
    lines = ["| measurement | n | errors | p50 ms | p95 ms | max ms | msg/s | target | met |",
             "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        met = {True: "yes", False: "**no**", None: "–"}[r.get("ok")]
        lines.append(f"| {r['name']} | {r['n']} | {r['errors']} | {r.get('p50_ms', '')} | {r.get('p95_ms', '')} "
                     f"| {r['max_ms']} | {r.get('msgs_per_s', '')} | {r['target']} | {met} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sequential", type=int, default=200, help="messages per channel, one at a time")
    parser.add_argument("--senders", type=int, default=16, help="concurrent senders")
    parser.add_argument("--per-sender", type=int, default=20, help="messages per concurrent sender")
    parser.add_argument("--url", help="a running app (default: start a private stack)")
    parser.add_argument("--secret", default="", help="its KAKAO_SKILL_SECRET (with --url)")
    parser.add_argument("--rasa-url", help="also measure this bare Rasa (with --url)")
    parser.add_argument("--stub-rasa", action="store_true",
                        help="the app against an instant stand-in for Rasa: the channels' own cost")
    args = parser.parse_args()
    rows = run(args.sequential, args.senders, args.per_sender, args.url, args.secret, args.rasa_url, args.stub_rasa)
    print(markdown(rows))
    print(f"\nload average after the run (1/5/15 min): {' / '.join(f'{x:.1f}' for x in os.getloadavg())}"
          f" on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
