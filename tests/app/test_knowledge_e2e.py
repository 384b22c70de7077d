"""A real question through the public door: app -> Rasa (trained model) -> action server -> knowledge base."""
# ruff: noqa: F811  (pytest fixtures imported from admin_support)
import time

import httpx
import pytest

from civic.admin import users
from civic.db import open_migrated
from tests.app.admin_support import PASSWORD, csrf_of, fast_hasher, form_fields, login, post_form, unescape  # noqa: F401

pytestmark = pytest.mark.e2e


def ask(client, sender: str, message: str) -> list[dict]:
    resp = client.post("/api/chat", json={"sender": sender, "message": message})
    assert resp.status_code == 200, resp.text
    return resp.json()["messages"]


def test_a_program_question_gets_the_grounded_answer_with_its_source(e2e_client):
    messages = ask(e2e_client, "e2e-kb-1", "국가 AI 데이터센터는 언제 문을 열어요?")
    text = "\n".join(m["text"] for m in messages)
    assert "915억 원" in text and "출처: 광주 AI 집적단지 현장 보도" in text


def test_the_stack_is_ready_only_once_a_knowledge_question_was_answered(rasa_stack):
    """The supervisor's warm-up (civic/supervisor.py) waits for the action server's knowledge index, so the first
    citizen's question never waits for it (a cold build took longer than the app's 2.5 s deadline)."""
    tracker = httpx.get(f"{rasa_stack.rasa_url}/conversations/__warmup__/tracker",
                        params={"token": rasa_stack.rasa_token}, timeout=10).json()
    actions = [e.get("name") for e in tracker["events"] if e["event"] == "action"]
    answers = [e.get("text") or "" for e in tracker["events"] if e["event"] == "bot"]
    assert "action_answer_program" in actions
    assert any("출처:" in text for text in answers), answers  # answered from the index, not the apology


def test_a_follow_up_in_the_same_conversation_uses_the_last_topic(e2e_client):
    ask(e2e_client, "e2e-kb-2", "인공지능 사관학교는 몇 명을 교육해요?")
    messages = ask(e2e_client, "e2e-kb-2", "거기 졸업생들은 어디 취업했어요?")
    assert any("4기 수료생" in m["text"] for m in messages)


def test_a_topic_button_payload_answers_directly(e2e_client):
    messages = ask(e2e_client, "e2e-kb-3", '/ask_program{"topic": "gist_grad"}')
    assert len(messages) == 1  # the source line stays in the same bubble as the answer
    assert "50명" in messages[0]["text"] and "\n출처: 광주광역시 보도자료(2020-02-07)" in messages[0]["text"]


def test_markup_in_a_question_is_never_echoed(e2e_client):
    messages = ask(e2e_client, "e2e-kb-4", "<script>alert(1)</script> 데이터센터 예산 알려줘")
    assert messages and all("<script>" not in (m["text"] or "") for m in messages)


def test_an_alias_saved_in_the_dashboard_reaches_the_running_bot_without_retraining(e2e_client, rasa_stack,
                                                                                      fast_hasher):
    """Administrator edits entries.yml through /admin/knowledge; the action server reloads it by itself."""
    question = "빛고을 슈퍼컴 곳간은 언제 열어요?"
    answered = lambda messages: any("915억 원" in (m.get("text") or "") for m in messages)
    assert not answered(ask(e2e_client, "e2e-kb-edit-0", question))  # the name is unknown before the edit
    original = rasa_stack.knowledge_path.read_bytes()
    db = open_migrated(rasa_stack.db_path)
    try:
        users.create_user(db, "kb-editor", PASSWORD, role="admin")
    finally:
        db.close()
    try:
        assert login(e2e_client, "kb-editor").status_code == 303
        page = e2e_client.get("/admin/knowledge/data_center").text
        fields = unescape(form_fields(page))
        fields["aliases"] = [fields["aliases"][0] + "\n빛고을 슈퍼컴 곳간"]
        assert csrf_of(page) == fields["csrf_token"][0]
        assert post_form(e2e_client, "/admin/knowledge/data_center", fields).status_code == 303
        # The action server rebuilds its index in the background (seconds); until then it answers from the old one.
        deadline = time.monotonic() + 90
        turn = 0
        while True:
            turn += 1
            if answered(ask(e2e_client, f"e2e-kb-edit-{turn}", question)):
                break
            assert time.monotonic() < deadline, "the edited alias did not reach the bot within 90 s"
            time.sleep(2)
    finally:
        rasa_stack.knowledge_path.write_bytes(original)
