"""An empty answer from Rasa (a custom action could not run) is never passed on as silence, even when the action
server answers its health check again by the time we ask (the restart race the kill -9 fault test once hit).
Rasa is the loopback fake `SlowRasa` answering `[]`; its GET (the health check) answers 200."""
import asyncio
import json

from fastapi.testclient import TestClient

from tests.app.conftest import make_settings
from tests.app.fake_kakao import SlowRasa, kakao_request
from web import kakao
from web.rasa_client import INTERNAL_COMMAND_TEXT, RasaClient, RasaUnavailable, is_silent_command
from web.routers.chat import APOLOGY

SECRET = {"X-Skill-Secret": "test-skill-secret", "content-type": "application/json"}


def app_with(tmp_path, fake, action_url=None):
    from web.main import create_app

    app = create_app(make_settings(tmp_path, rasa_port=fake.port))
    app.state.rasa = RasaClient(fake.url, action_url or fake.url, timeout_s=2.5, token="test-token")
    return app


def send_once(rasa_url: str, action_url: str):
    async def scenario():
        client = RasaClient(rasa_url, action_url, timeout_s=2.5)
        try:
            return await client.send("web:u1", "안녕하세요")
        except RasaUnavailable as exc:
            return exc
        finally:
            await client.aclose()

    return asyncio.run(scenario())


def test_an_empty_reply_with_a_healthy_action_server_is_an_error_not_silence():
    with SlowRasa(0.0, []) as fake:
        result = send_once(fake.url, fake.url)
    assert isinstance(result, RasaUnavailable)
    assert (result.part, result.reason) == ("actions", "empty reply")


def test_an_empty_reply_with_the_action_server_down_names_it():
    with SlowRasa(0.0, []) as fake:
        result = send_once(fake.url, "http://127.0.0.1:9")  # port 9: nothing listens
    assert isinstance(result, RasaUnavailable)
    assert (result.part, result.reason) == ("actions", "action server down")


def test_web_chat_answers_an_empty_reply_with_the_korean_503(tmp_path):
    with SlowRasa(0.0, []) as fake, TestClient(app_with(tmp_path, fake)) as client:
        resp = client.post("/api/chat", json={"sender": "s1", "message": "제안 접수할게요"})
    assert resp.status_code == 503
    body = resp.json()
    assert body["messages"] == [{"text": APOLOGY, "buttons": []}] and body["error"]["part"] == "actions"


def test_kakao_answers_an_empty_reply_with_a_polite_skill_response(tmp_path):
    body = kakao_request("question", utterance="제안 접수할게요", user_id="kakao-user-empty")
    body["userRequest"].pop("callbackUrl", None)
    with SlowRasa(0.0, []) as fake, TestClient(app_with(tmp_path, fake)) as client:
        resp = client.post("/kakao/skill", content=json.dumps(body, ensure_ascii=False).encode(), headers=SECRET)
    assert resp.status_code == 200
    skill = resp.json()
    assert skill["version"] == "2.0"
    assert skill["template"]["outputs"][0]["simpleText"]["text"] == kakao.DOWN_TEXT


def test_rasa_commands_that_answer_nothing_are_refused_at_the_edge(tmp_path):
    """/session_start and /back never say anything in Rasa: typed by a citizen they are bad input (a Korean 422 on
    the web, a skill text on Kakao), and never reach Rasa; /restart answers (utter_restart), so it goes through."""
    with SlowRasa(0.0, []) as fake, TestClient(app_with(tmp_path, fake)) as client:
        web = client.post("/api/chat", json={"sender": "s1", "message": "/session_start"})
        body = kakao_request("question", utterance=" /back", user_id="kakao-user-back")
        body["userRequest"].pop("callbackUrl", None)
        skill = client.post("/kakao/skill", content=json.dumps(body, ensure_ascii=False).encode(), headers=SECRET)
        received = len(fake.received)
    assert web.status_code == 422 and INTERNAL_COMMAND_TEXT in web.text
    assert skill.status_code == 200
    assert skill.json()["template"]["outputs"][0]["simpleText"]["text"] == INTERNAL_COMMAND_TEXT
    assert received == 0
    assert [is_silent_command(t) for t in ("/restart", "/propose", "/backyard", "세션 /back")] == [False] * 4
