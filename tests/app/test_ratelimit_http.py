"""Rate limits at the HTTP layer: the real app under uvicorn on a loopback port, requests over TCP with httpx.

tests/app/test_ratelimit.py checks each limit through the in-process test client; this file checks that the same
limits hold for a real socket client, that a forged X-Forwarded-For header never buys a fresh budget, that the
HTML login form and the token endpoint share one budget, and that path variants do not bypass a limit. Rasa is
down here: a chat turn that gets past the limit answers 503, one that does not answers 429 before any call to Rasa.

Addresses: uvicorn trusts X-Forwarded-For only from 127.0.0.1 (its default `forwarded_allow_ips`, the same host's
reverse proxy). A client connecting from 127.0.0.2 stands for a citizen on the internet; one from 127.0.0.1 for the
city's proxy, which appends the address it saw as the last X-Forwarded-For hop.
"""
from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from civic.supervisor import free_port
from tests.app.conftest import make_settings

KAKAO_BODY = json.loads((Path(__file__).parents[1] / "fixtures" / "kakao" / "greeting.json").read_text("utf-8"))


class Server:
    """The app under uvicorn in a thread (ws="none": see tests/app/test_browser_chat.py)."""

    def __init__(self, settings) -> None:
        from web.main import create_app

        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                                    log_level="warning", ws="none"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> httpx.Client:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline and self.thread.is_alive(), "the app did not start"
            time.sleep(0.05)
        self.client = client(self.url, "127.0.0.2")
        return self.client

    def __exit__(self, *exc) -> None:
        self.client.close()
        self.server.should_exit = True
        self.thread.join(timeout=10)


def client(url: str, source: str) -> httpx.Client:
    return httpx.Client(base_url=url, timeout=10, transport=httpx.HTTPTransport(local_address=source))


def serve(tmp_path, **limits) -> Server:
    return Server(make_settings(tmp_path, **{"rate_limit_chat": "3/minute", "rate_limit_kakao": "2/minute",
                                             "rate_limit_login": "3/minute", **limits}))


def chat(client, sender="s1", **headers):
    return client.post("/api/chat", json={"sender": sender, "message": "안녕하세요"}, headers=headers)


def test_a_direct_client_cannot_reset_its_chat_budget_with_a_forged_forwarded_for(tmp_path):
    with serve(tmp_path) as direct:
        codes = [chat(direct, f"s{i}", **{"X-Forwarded-For": f"10.0.0.{i}"}).status_code for i in range(5)]
        assert codes == [503, 503, 503, 429, 429]
        refused = chat(direct, "fresh-sender")
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) >= 1
        assert refused.json()["error"]["message"].startswith("요청이 너무 많아요")


@pytest.mark.parametrize("trust_proxy_headers", [False, True])
def test_behind_the_proxy_each_citizen_has_a_budget_that_a_forged_hop_cannot_reset(tmp_path, trust_proxy_headers):
    server = serve(tmp_path, trust_proxy_headers=trust_proxy_headers)
    with server, client(server.url, "127.0.0.1") as proxy:
        # The citizen at 203.0.113.7 forges a first hop each time; the proxy appends the address it really saw.
        first = [chat(proxy, **{"X-Forwarded-For": f"10.9.9.{i}, 203.0.113.7"}).status_code for i in range(4)]
        other = chat(proxy, **{"X-Forwarded-For": "198.51.100.2"}).status_code
    assert first == [503, 503, 503, 429] and other == 503


def test_path_variants_share_the_chat_budget_or_do_not_exist(tmp_path):
    with serve(tmp_path) as client:
        assert [chat(client).status_code for _ in range(3)] == [503, 503, 503]
        for path in ("/api/chat/", "/api/chat?x=1", "/api/chat%2F"):
            assert client.post(path, json={"sender": "s", "message": "안녕"}).status_code == 429, path
        for path in ("//api/chat", "/API/chat", "/api//chat"):
            assert client.post(path, json={"sender": "s", "message": "안녕"}).status_code == 404, path


def test_kakao_limit_is_per_user_in_skill_format_over_tcp(tmp_path):
    settings_secret = {"X-Skill-Secret": "test-skill-secret"}
    with serve(tmp_path) as client:

        def turn(user):
            body = {**KAKAO_BODY, "userRequest": {**KAKAO_BODY["userRequest"], "user": {"id": user}}}
            return client.post("/kakao/skill", json=body, headers=settings_secret)

        answers = [turn("user-a") for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        texts = [a.json()["template"]["outputs"][0]["simpleText"]["text"] for a in answers]
        assert "너무 빠르게" not in texts[0] and texts[2].startswith("메시지를 너무 빠르게")
        assert int(answers[2].headers["retry-after"]) >= 1
        assert "너무 빠르게" not in turn("user-b").text


def test_form_login_and_token_endpoint_share_one_budget(tmp_path):
    with serve(tmp_path) as client:
        codes = [client.post("/api/admin/token", data={"username": "x", "password": "y"}).status_code,
                 client.post("/admin/login", data={"username": "x", "password": "y"}).status_code,
                 client.post("/api/admin/token", data={"username": "x", "password": "y"}).status_code]
        assert 429 not in codes
        page = client.post("/admin/login", data={"username": "x", "password": "y"})
        assert page.status_code == 429 and page.headers["content-type"].startswith("text/html")
        assert "로그인 시도가 너무 많아요" in page.text and int(page.headers["retry-after"]) >= 1
        api = client.post("/api/admin/token", data={"username": "x", "password": "y"})
        assert api.status_code == 429 and api.json()["error"]["status"] == 429
