"""One full conversation through the public door against a really running Rasa and action server."""
import pytest

pytestmark = pytest.mark.e2e


def test_greeting_comes_from_rasa(e2e_client):
    resp = e2e_client.post("/api/chat", json={"sender": "e2e-greet", "message": "안녕하세요"})
    assert resp.status_code == 200, resp.text
    messages = resp.json()["messages"]
    assert messages and "안녕하세요" in messages[0]["text"]
    assert any(b["payload"] == "/propose" for b in messages[0]["buttons"])


def test_healthz_is_200_when_all_three_answer(e2e_client):
    resp = e2e_client.get("/healthz")
    assert resp.status_code == 200
    assert resp.json() == {"status": "ok", "app": "ok", "rasa": "ok", "actions": "ok"}


def test_conversation_survives_in_the_sql_tracker_store(e2e_client, rasa_stack):
    import sqlite3

    e2e_client.post("/api/chat", json={"sender": "e2e-persist", "message": "고마워요"})
    with sqlite3.connect(rasa_stack.tracker_db_path) as db:
        rows = db.execute("select count(*) from events where sender_id = 'web:e2e-persist'").fetchone()[0]
    assert rows > 0
