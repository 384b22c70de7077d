"""Load shedding in front of Rasa (web/rasa_client.py): beyond `max_in_flight` messages, a request that gets no slot
within `queue_wait_s` is answered at once with the apology (503 on /api/chat, a valid skill response on Kakao) and
never reaches Rasa. Rasa is the loopback fake `SlowRasa` (a real Rasa cannot be made slow on demand).
"""
import asyncio
import json
import threading
import time

import pytest
from fastapi.testclient import TestClient

from tests.app.conftest import make_settings
from tests.app.fake_kakao import SlowRasa, kakao_request
from web import kakao
from web.rasa_client import RasaClient, RasaUnavailable
from web.routers.chat import APOLOGY

REPLY = [{"text": "AI 사관학교는 광주에 사는 만 34세 이하 청년이면 지원할 수 있어요."}]
SECRET = {"X-Skill-Secret": "test-skill-secret", "content-type": "application/json"}


@pytest.fixture
def slow_rasa():
    with SlowRasa(1.0, REPLY, lifetime_s=60) as fake:
        yield fake


async def timed(coro):
    started = time.monotonic()
    try:
        return await coro, time.monotonic() - started
    except RasaUnavailable as exc:
        return exc, time.monotonic() - started


def test_requests_beyond_the_cap_are_refused_at_once_and_never_reach_rasa(slow_rasa):
    async def scenario():
        client = RasaClient(slow_rasa.url, slow_rasa.url, timeout_s=2.5, max_in_flight=2, queue_wait_s=0.2)
        try:
            results = await asyncio.gather(*(timed(client.send(f"web:u{i}", "안녕하세요")) for i in range(5)))
            return results, client.stats["shed"], client.in_flight
        finally:
            await client.aclose()

    results, shed, in_flight = asyncio.run(scenario())
    answered = [(r, t) for r, t in results if not isinstance(r, RasaUnavailable)]
    refused = [(r, t) for r, t in results if isinstance(r, RasaUnavailable)]
    assert len(answered) == 2 and all(r[0].text == REPLY[0]["text"] and t >= 0.9 for r, t in answered)
    assert len(refused) == 3 and shed == 3
    assert all(r.part == "rasa" and r.reason == "busy" and t < 0.6 for r, t in refused)  # not the 2.5 s deadline
    assert len(slow_rasa.received) == 2, "refused messages never reach Rasa"
    assert in_flight == 0, "every slot was given back"


def test_a_request_waits_for_a_slot_that_frees_within_the_wait(tmp_path):
    with SlowRasa(0.3, REPLY, lifetime_s=30) as fake:
        async def scenario():
            client = RasaClient(fake.url, fake.url, timeout_s=2.5, max_in_flight=1, queue_wait_s=1.0)
            try:
                return await asyncio.gather(*(timed(client.send(f"web:u{i}", "안녕")) for i in range(2)))
            finally:
                await client.aclose()

        results = asyncio.run(scenario())
    assert not any(isinstance(r, RasaUnavailable) for r, _ in results)
    assert sorted(t for _, t in results)[1] >= 0.55  # the second one waited for the first
    assert len(fake.received) == 2


def test_no_cap_when_max_in_flight_is_zero(slow_rasa):
    async def scenario():
        client = RasaClient(slow_rasa.url, slow_rasa.url, timeout_s=2.5, max_in_flight=0, queue_wait_s=0.01)
        try:
            return await asyncio.gather(*(timed(client.send(f"web:u{i}", "안녕")) for i in range(4)))
        finally:
            await client.aclose()

    assert not any(isinstance(r, RasaUnavailable) for r, _ in asyncio.run(scenario()))


def test_settings_reach_the_client(tmp_path):
    settings = make_settings(tmp_path, rasa_max_in_flight=7, rasa_queue_wait_s=0.25)
    client = RasaClient.from_settings(settings)
    assert (client.max_in_flight, client.queue_wait_s, client.timeout_s) == (7, 0.25, settings.rasa_timeout_s)
    asyncio.run(client.aclose())


def shedding_app(tmp_path, fake):
    from web.main import create_app

    settings = make_settings(tmp_path, rasa_port=fake.port)
    app = create_app(settings)
    # One slot and a short wait, so two concurrent messages are enough to overload "Rasa".
    app.state.rasa = RasaClient(fake.url, fake.url, timeout_s=2.5, token="test-token", max_in_flight=1,
                                queue_wait_s=0.1)
    return app


def concurrently(fn, n: int) -> list:
    results: list = [None] * n

    def run(i):
        started = time.monotonic()
        resp = fn(i)
        results[i] = (resp, time.monotonic() - started)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
        time.sleep(0.05)  # the first one takes the slot
    for t in threads:
        t.join(timeout=10)
    return results


def test_chat_answers_a_shed_message_at_once_with_the_korean_503(tmp_path, slow_rasa):
    with TestClient(shedding_app(tmp_path, slow_rasa)) as client:
        results = concurrently(lambda i: client.post("/api/chat", json={"sender": f"s{i}", "message": "안녕하세요"}), 2)
    (first, _), (second, t_second) = results
    assert first.status_code == 200 and first.json()["messages"][0]["text"] == REPLY[0]["text"]
    assert second.status_code == 503 and t_second < 0.8
    body = second.json()
    assert body["messages"][0]["text"] == APOLOGY and body["error"]["part"] == "rasa"
    assert len(slow_rasa.received) == 1


def test_kakao_answers_a_shed_message_at_once_with_a_valid_skill_response(tmp_path, slow_rasa):
    def post(i):
        body = kakao_request("question", utterance="AI 사관학교는 누가 지원할 수 있어요?", user_id=f"kakao-user-{i}")
        body["userRequest"].pop("callbackUrl", None)
        return client.post("/kakao/skill", content=json.dumps(body, ensure_ascii=False).encode(), headers=SECRET)

    with TestClient(shedding_app(tmp_path, slow_rasa)) as client:
        results = concurrently(post, 2)
    (first, _), (second, t_second) = results
    assert first.status_code == 200 and REPLY[0]["text"] in json.dumps(first.json(), ensure_ascii=False)
    assert second.status_code == 200 and t_second < 0.8
    skill = second.json()
    assert skill["version"] == "2.0"
    outputs = skill["template"]["outputs"]
    assert outputs[0]["simpleText"]["text"] == kakao.SLOW_TEXT  # busy: "try again", not "something is broken"
    assert len(slow_rasa.received) == 1
