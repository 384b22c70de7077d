"""The Kakao skill through the public door against a really running Rasa and action server."""
import json
import sqlite3
import threading

import pytest

from tests.app.fake_kakao import kakao_request
from web import kakao

pytestmark = pytest.mark.e2e

SECRET = {"X-Skill-Secret": "test-skill-secret", "content-type": "application/json"}


def post(client, body, headers=SECRET):
    return client.post("/kakao/skill", content=json.dumps(body, ensure_ascii=False).encode(), headers=headers)


def user_events(settings, sender):
    with sqlite3.connect(settings.tracker_db_path) as db:
        return db.execute("select intent_name, data from events where sender_id = ? and type_name = 'user' "
                          "order by id", (sender,)).fetchall()


def test_greeting_is_simple_text_with_quick_replies(e2e_client, rasa_stack):
    resp = post(e2e_client, kakao_request("greeting", user_id="e2e-kakao-1"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["version"] == "2.0"
    assert "안녕하세요" in kakao.outputs_text(body)
    replies = body["template"]["quickReplies"]
    assert 1 <= len(replies) <= 10 and all(len(r["label"]) <= 14 for r in replies)
    assert {"label": "생활 불편 제안하기", "action": "message", "messageText": "생활 불편 제안하기",
            "extra": {"payload": "/propose"}} in replies
    # The conversation is Rasa's, under the channel-namespaced sender id.
    assert [intent for intent, _ in user_events(rasa_stack, "kakao:e2e-kakao-1")] == ["greet"]


def test_a_tapped_quick_reply_reaches_rasa_as_its_payload(e2e_client, rasa_stack):
    post(e2e_client, kakao_request("greeting", user_id="e2e-kakao-2"))
    # Kakao sends the label text as the utterance; with or without `extra` we send Rasa the payload.
    tap = kakao_request("quick_reply_tap", user_id="e2e-kakao-2", utterance="도움말")
    tap["action"]["clientExtra"] = {"payload": "/help"}
    resp = post(e2e_client, tap)
    assert "저는 이런 일을 도와드려요" in kakao.outputs_text(resp.json())
    post(e2e_client, kakao_request("greeting", user_id="e2e-kakao-2", utterance="생활 불편 제안하기"))
    events = user_events(rasa_stack, "kakao:e2e-kakao-2")
    assert [intent for intent, _ in events] == ["greet", "help", "propose"]
    assert json.loads(events[-1][1])["text"] == "/propose"


def test_kakao_retries_of_the_same_request_feed_rasa_once(e2e_client, rasa_stack):
    body = kakao_request("question", user_id="e2e-kakao-3", utterance="고마워요")
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(post(e2e_client, body))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [r.status_code for r in answers] == [200, 200, 200]
    assert len({kakao.outputs_text(r.json()) for r in answers}) == 1, "every retry got the same answer"
    assert len(user_events(rasa_stack, "kakao:e2e-kakao-3")) == 1


def test_wrong_secret_never_reaches_rasa(e2e_client, rasa_stack):
    resp = post(e2e_client, kakao_request("greeting", user_id="e2e-kakao-4"),
                {"X-Skill-Secret": "guess", "content-type": "application/json"})
    assert resp.status_code == 401
    assert user_events(rasa_stack, "kakao:e2e-kakao-4") == []
