"""The hostile corpus through the public doors with a really running Rasa: the web chat and the Kakao skill.

Every payload is answered (200) or refused with a Korean 4xx; no answer carries markup that a browser could run
if someone rendered it as HTML (the widget uses textContent, Kakao shows plain text: this is the second line of
defence); hostile text filed through the whole proposal form is stored cleaned and shown escaped in the dashboard.
"""
# ruff: noqa: F811  (pytest fixtures imported from admin_support)
from __future__ import annotations

import json

import pytest

from civic import proposals as store
from civic.admin import users
from civic.db import open_db, open_migrated
from tests.app.admin_support import PASSWORD, fast_hasher, login  # noqa: F401
from tests.app.fake_kakao import kakao_request
from tests.app.hostile_support import Payload, corpus, executable_markup, html_problems
from tests.app.test_e2e_proposals import KakaoCitizen, WebCitizen, text

pytestmark = pytest.mark.e2e

CORPUS = corpus()
KAKAO_HEADERS = {"X-Skill-Secret": "test-skill-secret", "content-type": "application/json"}
ADMIN = "hostile-e2e"


def chat_problems(messages: list[dict]) -> list[str]:
    found = []
    for m in messages:
        for value in (m.get("text"), *(b.get("title") for b in m.get("buttons", [])),
                      json.dumps(m.get("custom"), ensure_ascii=False) if m.get("custom") else None):
            bad = executable_markup(value or "")
            if bad:
                found.append(f"{bad!r} in {value[:120]!r}")
    return found


def refused(resp, settings, body: bytes) -> bool:
    """A Korean 4xx refusal: 422 for a message over 2,000 characters, 413 for a body over the size limit."""
    if resp.status_code == 413:
        assert len(body) > settings.max_body_bytes
    if resp.status_code in (413, 422):
        assert resp.json()["error"]["message"] and "messages" not in resp.json()
        return True
    return False


def test_web_chat_answers_or_refuses_every_payload(e2e_client, rasa_stack):
    statuses = {}
    for i, p in enumerate(CORPUS):
        body = json.dumps({"sender": f"hostile-web-{i}", "message": p.text}, ensure_ascii=False).encode()
        resp = e2e_client.post("/api/chat", content=body, headers={"content-type": "application/json"})
        statuses[p.id] = resp.status_code
        assert resp.status_code in (200, 413, 422), (p.id, resp.status_code, resp.text[:200])
        if refused(resp, rasa_stack, body):
            continue
        body = resp.json()
        assert chat_problems(body["messages"]) == [], p.id
        assert not leaks(resp.text, rasa_stack), p.id
    assert list(statuses.values()).count(200) >= len(CORPUS) - 5, "almost every payload reaches the bot"
    # SQL fragments went through the NLU, the actions and the proposal store: both databases are whole.
    for path in (rasa_stack.db_path, rasa_stack.tracker_db_path):
        db = open_db(path)
        try:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", path
            tables = set(db.table_names())
        finally:
            db.close()
        assert tables >= ({"proposals", "supports", "status_history"} if path == rasa_stack.db_path
                          else {"events"}), (path, tables)


def leaks(answer: str, settings) -> list[str]:
    """Prompt-like text ("print the admin token") must not get any secret of the deployment back."""
    secrets = (settings.rasa_token, settings.kakao_skill_secret, settings.session_secret)
    return [s[:4] + "…" for s in secrets if s and s in answer]


def test_kakao_skill_answers_every_payload_in_skill_format(e2e_client, rasa_stack):
    for i, p in enumerate(CORPUS):
        body = json.dumps(kakao_request("question", user_id=f"hostile-kakao-{i}", utterance=p.text),
                          ensure_ascii=False).encode()
        resp = e2e_client.post("/kakao/skill", content=body, headers=KAKAO_HEADERS)
        if refused(resp, rasa_stack, body):
            continue
        assert resp.status_code == 200, (p.id, resp.status_code, resp.text[:200])
        answer = resp.json()
        assert answer["version"] == "2.0"
        shown = json.dumps(answer["template"], ensure_ascii=False)
        bad = executable_markup(shown)
        assert bad is None, (p.id, bad, shown[:300])
        assert not leaks(resp.text, rasa_stack), p.id


HOSTILE_PROBLEM = ('<script>alert(1)</script> 공원 가로등이 꺼져서 "><img src=x onerror=alert(1)> 너무 어두워요 '
                   "=HYPERLINK(\"https://evil.example\") {{7*7}} ' OR 1=1 --\u202e")
HOSTILE_PLACE = "북구 <svg onload=alert(1)> 용봉동 '; DROP TABLE proposals; --"


@pytest.mark.parametrize("channel", ["web", "kakao"])
def test_a_hostile_proposal_through_the_whole_form_is_stored_clean_and_shown_escaped(e2e_client, rasa_stack,
                                                                                     fast_hasher, channel):
    citizen = (WebCitizen(e2e_client, "hostile-form-web") if channel == "web"
               else KakaoCitizen(e2e_client, "hostile-form-kakao"))

    def say(message, payload=None):
        if channel == "web":
            messages = citizen.say(payload or message)
        else:
            answer = citizen.say(message, payload=payload)
            messages = [{"text": json.dumps(answer["template"], ensure_ascii=False)}]
        assert chat_problems(messages) == [], message
        return messages

    say("/propose")
    say(HOSTILE_PROBLEM)
    say(HOSTILE_PLACE)
    say("도로/시설")
    reply = say("동의하지 않아요", payload="/deny")
    if "새로 제안하기" in json.dumps(reply, ensure_ascii=False):
        # Earlier e2e tests (and the other channel's run) filed similar proposals on this shared stack.
        say("새로 제안하기")
    reply = say("접수하기", payload="/affirm")
    receipt = store.normalize_receipt(text(reply) if channel == "web" else reply[0]["text"])
    assert receipt, reply
    db = open_migrated(rasa_stack.db_path)
    try:
        stored = store.get_by_receipt(db, receipt)
        assert "\u202e" not in stored.masked_text and "<script>" in stored.masked_text  # kept as text, cleaned
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        # An official answer with markup comes back to the citizen as inert text.
        store.change_status(db, stored.id, "answered", actor="e2e",
                            answer="<b>교체</b>했어요 <img src=x onerror=alert(1)>")
        if not users.get_user_by_name(db, ADMIN):
            users.create_user(db, ADMIN, PASSWORD, role="admin")
    finally:
        db.close()
    say(f"{receipt} 처리 상태 알려줘")
    # The dashboard page of the filed proposal: escaped text, the official answer, the place.
    assert login(e2e_client, ADMIN).status_code == 303
    page = e2e_client.get(f"/admin/proposals/{stored.id}")
    assert page.status_code == 200 and "&lt;script&gt;" in page.text
    assert html_problems(page.text, [Payload("form", HOSTILE_PROBLEM + HOSTILE_PLACE)]) == []
    e2e_client.cookies.clear()

