"""Rate limits on chat (per IP), the Kakao skill (per Kakao user) and admin login (per IP)."""
import pytest
from fastapi.testclient import TestClient

from tests.app.conftest import make_settings


@pytest.fixture
def limited_client(tmp_path):
    from web.main import create_app

    settings = make_settings(tmp_path, rate_limit_chat="3/minute", rate_limit_kakao="2/minute",
                             rate_limit_login="2/minute")
    with TestClient(create_app(settings)) as c:
        yield c


def test_chat_is_limited_per_ip_with_a_korean_429(limited_client):
    codes = [limited_client.post("/api/chat", json={"sender": "s1", "message": "안녕"}).status_code
             for _ in range(4)]
    assert codes[:3] == [503, 503, 503]  # Rasa is not running in this test: each call reached the route
    resp = limited_client.post("/api/chat", json={"sender": "s2", "message": "안녕"})
    assert resp.status_code == 429
    assert int(resp.headers["retry-after"]) >= 1
    assert "잠시 후" in resp.json()["error"]["message"]


def _kakao(user):
    return {"userRequest": {"utterance": "안녕", "user": {"id": user, "type": "botUserKey", "properties": {}}},
            "bot": {"id": "b"}, "action": {"params": {}}, "intent": {"id": "i", "name": "폴백 블록"}}


SECRET = {"X-Skill-Secret": "test-skill-secret"}


def test_kakao_is_limited_per_user_and_answers_in_skill_format(limited_client):
    for _ in range(2):
        limited_client.post("/kakao/skill", json=_kakao("user-a"), headers=SECRET)
    resp = limited_client.post("/kakao/skill", json=_kakao("user-a"), headers=SECRET)
    assert resp.status_code == 200
    assert resp.json()["template"]["outputs"][0]["simpleText"]["text"].startswith("메시지를 너무 빠르게")
    other = limited_client.post("/kakao/skill", json=_kakao("user-b"), headers=SECRET)
    assert "너무 빠르게" not in other.text


def test_without_the_secret_a_caller_cannot_spend_a_citizens_budget(limited_client):
    for _ in range(3):
        limited_client.post("/kakao/skill", json=_kakao("victim"), headers={"X-Skill-Secret": "wrong"})
    resp = limited_client.post("/kakao/skill", json=_kakao("victim"), headers=SECRET)
    assert "너무 빠르게" not in resp.text


def test_login_is_limited(limited_client):
    for _ in range(2):
        limited_client.post("/api/admin/token", data={"username": "x", "password": "y"})
    resp = limited_client.post("/api/admin/token", data={"username": "x", "password": "y"})
    assert resp.status_code == 429
