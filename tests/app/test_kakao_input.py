"""`POST /kakao/skill` refuses bad requests with a Korean 4xx (never a 500) before anything reaches Rasa.

No Rasa runs at the configured ports here ("Rasa down"); what reaches Rasa is covered in test_kakao_e2e.py.
"""
import json
import time

import pytest
from fastapi.testclient import TestClient

from tests.app.conftest import make_settings
from tests.app.fake_kakao import kakao_request
from web import kakao

SECRET = {"X-Skill-Secret": "test-skill-secret"}


def is_korean(text: str) -> bool:
    return any("\uac00" <= ch <= "\ud7a3" for ch in text)


def post(client, body, headers=SECRET):
    data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    return client.post("/kakao/skill", content=data, headers={"content-type": "application/json", **headers})


def rasa_calls(client) -> int:
    skill = getattr(client.app.state, "kakao_skill", None)
    return skill.stats["rasa_calls"] if skill else 0


@pytest.mark.parametrize("headers", [{}, {"X-Skill-Secret": "wrong"}, {"X-Skill-Secret": "test-skill-secret "},
                                     {"X-Skill-Secret": "비밀".encode()}])
def test_missing_or_wrong_secret_is_401(client, headers):
    resp = post(client, kakao_request("greeting"), headers)
    assert resp.status_code == 401
    assert "X-Skill-Secret" in resp.json()["error"]["message"]
    assert rasa_calls(client) == 0


def test_no_configured_secret_refuses_everything(tmp_path):
    from web.main import create_app

    with TestClient(create_app(make_settings(tmp_path, kakao_skill_secret=""))) as c:
        for headers in ({}, {"X-Skill-Secret": ""}, SECRET):
            resp = post(c, kakao_request("greeting"), headers)
            assert resp.status_code == 503
            assert "스킬 시크릿이 설정되지 않았어요" in resp.json()["error"]["message"]


@pytest.mark.parametrize("body, status, expected", [
    (b'{"userRequest": {"utterance": ', 400, "JSON 형식"),
    (b"\xff\xfe not utf-8", 400, "JSON 형식"),
    (b"", 400, "JSON 형식"),
    (b"[1, 2, 3]", 422, "JSON 객체"),
    (b'"hello"', 422, "JSON 객체"),
    ('{"userRequest": {"utterance": "안녕"}}'.encode(), 422, "userRequest.user 항목이 필요해요"),
])
def test_bad_json_and_wrong_shapes_are_korean_4xx(client, body, status, expected):
    resp = post(client, body)
    assert resp.status_code == status
    message = resp.json()["error"]["message"]
    assert expected in message and is_korean(message)
    assert rasa_calls(client) == 0


def test_missing_user_fixture_is_422(client):
    resp = post(client, kakao_request("missing_user"))
    assert resp.status_code == 422
    assert resp.json()["error"]["message"] == "userRequest.user 항목이 필요해요."


def test_oversized_body_is_413_before_parsing(client):
    body = kakao_request("greeting", utterance="가" * 20_000)
    resp = post(client, body)
    assert resp.status_code == 413
    assert "너무 커요" in resp.json()["error"]["message"]
    assert rasa_calls(client) == 0


def test_oversized_chunked_body_without_length_is_413(client):
    def chunks():
        yield json.dumps(kakao_request("greeting"), ensure_ascii=False).encode()[:-1]
        for _ in range(20):
            yield b" " * 1024
        yield b"}"

    resp = client.post("/kakao/skill", content=chunks(), headers={"content-type": "application/json", **SECRET})
    assert resp.status_code == 413
    assert rasa_calls(client) == 0


def test_empty_utterance_gets_a_skill_response_asking_for_a_message(client):
    resp = post(client, kakao_request("empty_utterance"))
    assert resp.status_code == 200
    assert kakao.outputs_text(resp.json()) == "메시지를 입력해 주세요."
    assert rasa_calls(client) == 0


def test_too_long_utterance_gets_a_skill_response_with_the_limit(client):
    resp = post(client, kakao_request("greeting", utterance="제안 " * 1200))
    assert resp.status_code == 200
    assert "2000자 이내" in kakao.outputs_text(resp.json())
    assert rasa_calls(client) == 0


def test_rasa_down_is_a_polite_skill_response_within_the_deadline(client):
    started = time.monotonic()
    resp = post(client, kakao_request("question", user_id="down-user"))
    assert time.monotonic() - started < 4.5
    assert resp.status_code == 200
    assert kakao.outputs_text(resp.json()) == kakao.DOWN_TEXT
    assert rasa_calls(client) == 1
