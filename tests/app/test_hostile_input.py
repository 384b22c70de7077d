"""The hostile corpus (tests/fixtures/hostile) stored as proposals and typed into every admin form, search and
export: everything is escaped or refused, CSV formulas are defused, nothing answers 5xx, the database stays whole.

The proposals are stored through the proposal service (`civic.proposals.create_proposal`, what the chat form's
submit action calls), then a real re-cluster runs so that topic labels and charts are built from hostile text too.
The chat and Kakao doors with a real Rasa: test_hostile_input_e2e.py.
"""
from __future__ import annotations

import json

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from markupsafe import escape

from civic import proposals as store
from civic.admin import users
from civic.clustering import recluster
from civic.db import open_migrated
from civic.embeddings.runtime import current_embedder
from tests.app.admin_support import PASSWORD, THEMED_PROPOSALS, csrf_of, login
from tests.app.conftest import make_settings
from tests.app.hostile_support import corpus, formula_cells, html_problems

CORPUS = corpus()
MARKUP = [p for p in CORPUS if p.has_markup]


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """One database for the module: the corpus stored as proposals (text, place, district), then clustered."""
    settings = make_settings(tmp_path_factory.mktemp("hostile"), rate_limit_login="1000/second")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(users, "password_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        mp.setattr(users, "_dummy_hash", None)
        db = open_migrated(settings.db_path)
        users.create_user(db, "kim", PASSWORD, role="admin")
        fresh_tables = set(db.table_names())
        embedder = current_embedder(settings)
        stored, refused = {}, {}
        drafts = [(p.id, p.text, p.text, p.text) for p in CORPUS]
        drafts += [(f"themed-{i}", t, d, pl) for i, (t, d, pl) in enumerate(THEMED_PROPOSALS)]
        for i, (pid, text, district, place) in enumerate(drafts):
            draft = store.ProposalDraft(text=text, district=district, place=place, category=text[:20])
            try:
                result = store.create_proposal(db, draft, sender_id=f"web:h{i}", embedder=embedder)
                stored[pid] = result.proposal.id
            except store.InvalidProposal as exc:
                refused[pid] = exc.code
        db.close()
        job = recluster.start(settings, requested_by="hostile-test", background=False)
        assert job.state == "done", job
        client = TestClient(_app(settings))
        assert login(client).status_code == 303
        token = client.post("/api/admin/token", data={"username": "kim", "password": PASSWORD}).json()
        yield {"settings": settings, "client": client, "stored": stored, "refused": refused,
               "tables": fresh_tables, "bearer": {"Authorization": f"Bearer {token['access_token']}"}}


def _app(settings):
    from web.main import create_app

    return create_app(settings)


def clean_page(client, path, **params):
    resp = client.get(path, params=params, follow_redirects=False)
    assert resp.status_code < 500, (path, resp.status_code)
    if resp.headers.get("content-type", "").startswith("text/html"):
        problems = html_problems(resp.text, MARKUP)
        assert problems == [], (path, params, problems[:5])
    return resp


def test_every_payload_is_stored_or_refused_with_a_reason(hostile):
    assert len(hostile["stored"]) + len(hostile["refused"]) == len(CORPUS) + len(THEMED_PROPOSALS)
    assert set(hostile["refused"].values()) <= {"empty", "too_short", "too_long", "emoji", "spam"}
    assert len(hostile["stored"]) >= 100, "most of the corpus is plausible text and must be stored"
    db = open_migrated(hostile["settings"].db_path)
    stored = [v for r in db.query("SELECT text, district, place FROM proposals") for v in r.values() if v]
    assert not [v for v in stored if any(ch in v for ch in "\x00\x1b\u202e\u200b\ufeff")], "control chars cleaned"


def test_dashboard_pages_escape_stored_payloads(hostile):
    client = hostile["client"]
    clean_page(client, "/admin")
    clean_page(client, "/admin/audit")
    for sort in ("size", "supports", "growth"):
        clean_page(client, "/admin/topics", sort=sort)
    topics = client.get("/api/admin/topics", headers=hostile["bearer"]).json()
    assert topics, "the re-cluster formed topics"
    for t in topics:
        clean_page(client, f"/admin/topics/{t['id']}")
    for pid in hostile["stored"].values():
        clean_page(client, f"/admin/proposals/{pid}")
    # Template syntax in stored text is shown as typed (had Jinja2 evaluated it, it would not be there verbatim).
    texts = {p.id: p.text for p in CORPUS}
    for payload in ("{{ config }}", "{# 주석 #}가로등이 꺼졌어요", "{{ ''.__class__.__mro__[1].__subclasses__() }}"):
        pid = next(v for k, v in hostile["stored"].items() if texts.get(k) == payload)
        assert str(escape(payload)) in client.get(f"/admin/proposals/{pid}").text, payload
    for offset in range(0, len(hostile["stored"]), 50):
        clean_page(client, "/admin/search", offset=offset)


@pytest.mark.parametrize("mode", ["keyword", "semantic"])
def test_hostile_search_queries_are_escaped_or_refused(hostile, mode):
    client = hostile["client"]
    headers = hostile["bearer"]
    for p in CORPUS:
        page = clean_page(client, "/admin/search", q=p.text, mode=mode)
        assert page.status_code in (200, 422), (p.id, page.status_code)
        api = client.get("/api/admin/proposals", params={"query": p.text, "mode": mode}, headers=headers)
        assert api.status_code in (200, 422), (p.id, api.status_code)
        assert api.headers["content-type"].startswith("application/json")


def test_hostile_answers_and_notes_through_the_forms_and_the_api(hostile):
    client = hostile["client"]
    ids = list(hostile["stored"].values())
    topic_id = client.get("/api/admin/topics", headers=hostile["bearer"]).json()[0]["id"]
    for i, p in enumerate(CORPUS):
        pid = ids[i % len(ids)]
        token = csrf_of(clean_page(client, f"/admin/proposals/{pid}").text)
        resp = client.post(f"/admin/proposals/{pid}/answer", follow_redirects=False,
                           data={"csrf_token": token, "status": "answered", "answer": p.text})
        assert resp.status_code in (303, 413, 422), (p.id, resp.status_code)
        if resp.status_code == 422:
            assert html_problems(resp.text, MARKUP) == [], p.id  # the form comes back with the text escaped
        clean_page(client, f"/admin/proposals/{pid}")
        note = client.post(f"/admin/topics/{topic_id}/notes", follow_redirects=False,
                           data={"csrf_token": token, "note": p.text})
        assert note.status_code in (303, 413, 422), (p.id, note.status_code)
        api = client.post(f"/api/admin/proposals/{ids[-1 - i % len(ids)]}/answer", headers=hostile["bearer"],
                          json={"status": "reviewing", "answer": p.text})
        assert api.status_code in (200, 413, 422), (p.id, api.status_code)
    clean_page(client, f"/admin/topics/{topic_id}")
    clean_page(client, "/admin/audit")


def test_exports_defuse_formulas_and_stay_inert(hostile):
    client = hostile["client"]
    for kind in ("proposals", "topics"):
        csv_resp = client.get(f"/admin/export/{kind}.csv")
        assert csv_resp.status_code == 200
        assert formula_cells(csv_resp.content) == []
        as_json = client.get(f"/admin/export/{kind}.json")
        assert as_json.headers["content-type"].startswith("application/json")
        assert as_json.headers["x-content-type-options"] == "nosniff"
        assert as_json.headers["content-disposition"].startswith("attachment;")
        assert json.loads(as_json.content)["count"] >= 1
    exported = client.get("/admin/export/proposals.csv").content.decode("utf-8-sig")
    assert "'=HYPERLINK(" in exported and "'@SUM(1+1)" in exported, "the formula payloads were exported, defused"


def test_the_database_is_whole_afterwards(hostile):
    db = open_migrated(hostile["settings"].db_path)
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert hostile["tables"] <= set(db.table_names())
    assert db.execute("SELECT count(*) FROM proposals").fetchone()[0] == len(hostile["stored"])
    assert db.execute("SELECT count(*) FROM admin_users").fetchone()[0] == 1

