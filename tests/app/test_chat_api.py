"""`/api/chat` input validation and behaviour when Rasa is down (no Rasa running at the configured ports)."""
import time

import pytest


@pytest.mark.parametrize(
    "body, expected",
    [
        ('{"sender": "a", "message": ', "JSON"),
        ('{"sender": "abc"}', "메시지"),
        ('{"message": "안녕하세요"}', "보낸 사람"),
        ('{"sender": "abc", "message": ""}', "메시지"),
        ('{"sender": "abc", "message": "   \\n "}', "메시지"),
        ('{"sender": "abc", "message": "' + "가" * 2001 + '"}', "2000"),
        ('{"sender": "a b<script>", "message": "안녕"}', "보낸 사람"),
        ('[1, 2, 3]', ""),
        ('{"sender": 5, "message": ["x"]}', ""),
    ],
)
def test_bad_input_is_a_korean_4xx_and_never_reaches_rasa(client, body, expected):
    resp = client.post("/api/chat", content=body.encode(), headers={"content-type": "application/json"})
    assert resp.status_code == 422
    message = resp.json()["error"]["message"]
    assert expected in message
    assert any("\uac00" <= ch <= "\ud7a3" for ch in message), "the message is in Korean"


def test_oversized_body_is_413(client):
    resp = client.post("/api/chat", content=b'{"sender":"a","message":"' + b"a" * 40_000 + b'"}',
                       headers={"content-type": "application/json"})
    assert resp.status_code == 413
    assert "너무 커요" in resp.json()["error"]["message"]


def test_rasa_down_gives_a_polite_503_within_3s(client):
    started = time.monotonic()
    resp = client.post("/api/chat", json={"sender": "web-user-1", "message": "안녕하세요"})
    assert time.monotonic() - started < 3
    assert resp.status_code == 503
    body = resp.json()
    assert body["error"]["part"] == "rasa"
    assert "죄송해요" in body["messages"][0]["text"]


def test_healthz_names_the_parts_that_are_down(client):
    resp = client.get("/healthz")
    assert resp.status_code == 503
    assert resp.json() == {"status": "degraded", "app": "ok", "rasa": "down", "actions": "down"}


def test_unknown_route_is_a_korean_404(client):
    resp = client.get("/no-such-page")
    assert resp.status_code == 404
    assert "찾을 수 없어요" in resp.json()["error"]["message"]
