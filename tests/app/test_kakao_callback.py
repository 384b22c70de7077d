"""When Rasa is slow: answer Kakao at once with useCallback and POST the real answer to the callback URL.

Rasa is the loopback fake `SlowRasa` here (a real Rasa cannot be made slow on demand); Kakao's callback receiver is
`FakeKakaoCallback`. The deadline is shortened to keep the test quick; the rule is the same at 3.5 s.
"""
import json
import threading
import time

import pytest
from fastapi.testclient import TestClient

from tests.app.conftest import make_settings
from tests.app.fake_kakao import FakeKakaoCallback, SlowRasa, kakao_request
from web import kakao

SECRET = {"X-Skill-Secret": "test-skill-secret", "content-type": "application/json"}
DEADLINE_S = 0.5
RASA_DELAY_S = 1.5
REPLY = [{"text": "AI 사관학교는 광주에 사는 만 34세 이하 청년이면 지원할 수 있어요.",
          "buttons": [{"title": "다른 사업 보기", "payload": "/ask_program"}]}]


@pytest.fixture
def slow_rasa():
    with SlowRasa(RASA_DELAY_S, REPLY, lifetime_s=60) as fake:
        yield fake


@pytest.fixture
def kakao_cb():
    with FakeKakaoCallback(lifetime_s=60) as fake:
        yield fake


@pytest.fixture
def client(tmp_path, slow_rasa):
    from web.main import create_app

    settings = make_settings(tmp_path, rasa_port=slow_rasa.port, kakao_deadline_s=DEADLINE_S,
                             kakao_callback_hosts=["bot-api.kakao.com", "kakao.com", "127.0.0.1"])
    with TestClient(create_app(settings)) as c:
        yield c


def post(client, body):
    started = time.monotonic()
    resp = client.post("/kakao/skill", content=json.dumps(body, ensure_ascii=False).encode(), headers=SECRET)
    return resp, time.monotonic() - started


def test_slow_answer_goes_through_the_callback_url(client, slow_rasa, kakao_cb):
    body = kakao_request("callback", callbackUrl=f"{kakao_cb.url}/callback/v1.0/token-1", user_id="cb-user-1")
    resp, elapsed = post(client, body)
    assert resp.status_code == 200
    assert resp.json() == {"version": "2.0", "useCallback": True, "data": {"text": "답변을 준비하고 있어요…"}}
    assert DEADLINE_S <= elapsed < DEADLINE_S + 1.0, "answered at the deadline, not after Rasa"

    received = kakao_cb.wait_for(1, timeout_s=10)
    assert len(received) == 1 and received[0]["path"] == "/callback/v1.0/token-1"
    answer = received[0]["body"]
    assert kakao.outputs_text(answer) == REPLY[0]["text"]
    assert answer["template"]["quickReplies"][0]["extra"] == {"payload": "/ask_program"}
    assert received[0]["at"] - slow_rasa.received[0]["at"] >= RASA_DELAY_S - 0.1
    assert len(slow_rasa.received) == 1
    sent = slow_rasa.received[0]["body"]
    assert sent["sender"].startswith("kakao:") and sent["metadata"] == {"channel": "kakao"}
    time.sleep(0.5)
    assert len(kakao_cb.received) == 1, "the one-time URL is used once"


def test_without_a_callback_url_a_short_apology_comes_before_the_deadline(client, kakao_cb):
    resp, elapsed = post(client, kakao_request("question", user_id="cb-user-2"))
    assert elapsed < DEADLINE_S + 1.0
    assert kakao.outputs_text(resp.json()) == kakao.SLOW_TEXT


def test_a_callback_url_outside_kakaos_hosts_is_never_called(client, slow_rasa, kakao_cb):
    # Same fake receiver, reached through a host name that is not on the list.
    body = kakao_request("callback", callbackUrl=f"http://localhost:{kakao_cb.port}/callback/evil",
                         user_id="cb-user-3")
    resp, _ = post(client, body)
    assert kakao.outputs_text(resp.json()) == kakao.SLOW_TEXT
    time.sleep(RASA_DELAY_S + 0.5)
    assert kakao_cb.received == []


def test_a_retry_joins_the_first_turn_and_the_answer_goes_to_the_latest_url(client, slow_rasa, kakao_cb):
    first = kakao_request("callback", callbackUrl=f"{kakao_cb.url}/callback/first", user_id="cb-user-4")
    retry = kakao_request("callback", callbackUrl=f"{kakao_cb.url}/callback/retry", user_id="cb-user-4")
    results = []
    t = threading.Thread(target=lambda: results.append(post(client, first)))
    t.start()
    time.sleep(0.2)
    results.append(post(client, retry))
    t.join()
    assert all(r.json().get("useCallback") is True for r, _ in results)
    received = kakao_cb.wait_for(1, timeout_s=10)
    time.sleep(0.5)
    assert [r["path"] for r in kakao_cb.received] == ["/callback/retry"]
    assert len(slow_rasa.received) == 1, "Rasa was fed once"
    assert kakao.outputs_text(received[0]["body"]) == REPLY[0]["text"]
