"""Loopback stand-ins for the two parties we cannot run here: Kakao's callback receiver and a *slow* Rasa.

Both are small `http.server` apps on 127.0.0.1 with a bounded lifetime (they shut themselves down after
`lifetime_s`), used as context managers. The slow Rasa exists because a real Rasa cannot be made slow on demand.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kakao"


def kakao_request(name: str, **user_request) -> dict:
    """A request body in Kakao's documented shape from tests/fixtures/kakao, with userRequest fields replaced."""
    body = json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))
    user_id = user_request.pop("user_id", None)
    body["userRequest"].update(user_request)
    if user_id is not None:
        body["userRequest"]["user"]["id"] = user_id
    return body


class _Server:
    def __init__(self, lifetime_s: float = 60.0) -> None:
        self.lifetime_s = lifetime_s
        self.received: list[dict] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._timer = threading.Timer(lifetime_s, self._httpd.shutdown)

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                record = {"path": self.path, "headers": dict(self.headers), "body": body, "at": time.monotonic()}
                with server._arrived:
                    server.received.append(record)
                    server._arrived.notify_all()
                status, answer = server.answer(record)
                data = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json; charset=utf-8")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):  # keep test output clean
                pass

        return Handler

    def answer(self, record: dict) -> tuple[int, object]:
        raise NotImplementedError

    def wait_for(self, count: int, timeout_s: float) -> list[dict]:
        deadline = time.monotonic() + timeout_s
        with self._arrived:
            while len(self.received) < count and time.monotonic() < deadline:
                self._arrived.wait(timeout=max(0.01, deadline - time.monotonic()))
            return list(self.received)

    def __enter__(self):
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *exc):
        self._timer.cancel()
        self._httpd.shutdown()
        self._httpd.server_close()


class FakeKakaoCallback(_Server):
    """Records the answers POSTed to a callback URL and replies like Kakao does."""

    def answer(self, record: dict) -> tuple[int, object]:
        return 200, {"taskId": record["path"].rsplit("/", 1)[-1], "status": "SUCCESS", "message": "",
                     "timestamp": int(time.time() * 1000)}


class SlowRasa(_Server):
    """Answers Rasa's REST webhook after `delay_s` seconds with `reply` (Rasa's own response shape)."""

    def __init__(self, delay_s: float, reply: list[dict], lifetime_s: float = 60.0) -> None:
        super().__init__(lifetime_s)
        self.delay_s = delay_s
        self.reply = reply

    def answer(self, record: dict) -> tuple[int, object]:
        time.sleep(self.delay_s)
        return 200, self.reply
