"""The dashboard's knowledge-base editor over a temporary copy of entries.yml: list, edit, add, delete, refuse."""
# ruff: noqa: F811  (pytest fixtures imported from admin_support)
import shutil
from pathlib import Path

import pytest

from civic.admin import audit
from civic.db import open_migrated
from knowledge.base import load_entries
from tests.app.admin_support import (  # noqa: F401
    VERSION_RE,
    VIEWER_PASSWORD,
    XSS,
    admin_accounts,
    csrf_of,
    fast_hasher,
    form_fields,
    login,
    post_form,
    unescape,
)
from tests.app.conftest import make_settings

ENTRIES = Path(__file__).resolve().parents[2] / "knowledge" / "entries.yml"


@pytest.fixture
def settings(tmp_path):
    kb = tmp_path / "entries.yml"
    shutil.copy(ENTRIES, kb)
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for source in load_entries(kb).sources.values():
        (seeds / source.file).write_text("The city opened a new AI library with 120 seats.\n", encoding="utf-8")
    return make_settings(tmp_path, knowledge_path=kb, seeds_dir=seeds)


@pytest.fixture
def admin(client, admin_accounts):
    assert login(client).status_code == 303
    return client


def test_the_list_shows_every_entry_with_its_source(admin):
    resp = admin.get("/admin/knowledge")
    assert resp.status_code == 200
    assert "항목 21개" in resp.text and "국가 AI 데이터센터" in resp.text and "새 항목 추가" in resp.text


def test_an_edit_reaches_the_file_and_the_audit_log(admin, settings):
    fields = unescape(form_fields(admin.get("/admin/knowledge/ai_academy").text))
    fields["aliases"] = [fields["aliases"][0] + "\n코딩 사관학교"]
    resp = post_form(admin, "/admin/knowledge/ai_academy", fields)
    assert resp.status_code == 303, resp.text
    entry = load_entries(settings.knowledge_path).by_id["ai_academy"]
    assert "코딩 사관학교" in entry.aliases
    assert entry.figures == load_entries(ENTRIES).by_id["ai_academy"].figures  # the form round-trips every figure
    db = open_migrated(settings.db_path)
    assert [(e.action, e.target_id) for e in audit.recent(db, limit=1)] == [("knowledge_edit", "ai_academy")]
    db.close()
    assert "반영돼요" in admin.get(resp.headers["location"]).text


def test_a_new_entry_with_a_grounded_figure_is_added(admin, settings):
    fields = unescape(form_fields(admin.get("/admin/knowledge/new").text))
    fields.update(id=["ai_library"], title=["AI 도서관"], answer=["AI 도서관이 생겼다고 보도됐어요. 좌석은 120석이에요."],
                  questions=["AI 도서관 좌석은 몇 개예요?"], sources=["s000"], figure_value=["120석", "", ""],
                  figure_quote=["a new AI library with 120 seats", "", ""], figure_source=["s000", "", ""])
    resp = post_form(admin, "/admin/knowledge", fields)
    assert resp.status_code == 303, resp.text
    assert load_entries(settings.knowledge_path).by_id["ai_library"].title == "AI 도서관"


def test_an_invented_figure_is_refused_in_korean_with_the_typed_text_kept(admin, settings):
    before = settings.knowledge_path.read_text(encoding="utf-8")
    fields = unescape(form_fields(admin.get("/admin/knowledge/data_center").text))
    fields["answer"] = [fields["answer"][0] + " 문의는 062-123-4567로 하세요. " + XSS]
    resp = post_form(admin, "/admin/knowledge/data_center", fields)
    assert resp.status_code == 422
    assert "저장하지 않았어요" in resp.text and "전화번호" in resp.text
    assert "062-123-4567" in resp.text  # the editor's text is kept in the form...
    assert "<script>" not in resp.text  # ...escaped
    assert settings.knowledge_path.read_text(encoding="utf-8") == before


def test_a_stale_form_is_a_409_conflict_and_does_not_undo_the_other_edit(admin, settings):
    stale = unescape(form_fields(admin.get("/admin/knowledge/phase2").text))
    first = dict(stale, aliases=[stale["aliases"][0] + "\n두 번째 사업"])
    assert post_form(admin, "/admin/knowledge/phase2", first).status_code == 303
    resp = post_form(admin, "/admin/knowledge/phase2", dict(stale, title=["바뀐 제목"]))
    assert resp.status_code == 409 and "다른 관리자가" in resp.text
    entry = load_entries(settings.knowledge_path).by_id["phase2"]
    assert "두 번째 사업" in entry.aliases and entry.title != "바뀐 제목"


def test_delete_needs_the_confirmation_box(admin, settings):
    page = admin.get("/admin/knowledge/monday_dialogue").text
    base = {"csrf_token": [csrf_of(page)], "version": [VERSION_RE.search(page).group(1)]}
    assert post_form(admin, "/admin/knowledge/monday_dialogue/delete", base).status_code == 422
    assert "monday_dialogue" in load_entries(settings.knowledge_path).by_id
    resp = post_form(admin, "/admin/knowledge/monday_dialogue/delete", dict(base, confirm=["yes"]))
    assert resp.status_code == 303
    assert "monday_dialogue" not in load_entries(settings.knowledge_path).by_id


def test_a_viewer_reads_but_cannot_save(client, admin_accounts, settings):
    assert login(client, "viewer", VIEWER_PASSWORD).status_code == 303
    page = client.get("/admin/knowledge/phase1")
    assert page.status_code == 200 and "readonly" in page.text and "새 항목 추가" not in client.get(
        "/admin/knowledge").text
    fields = unescape(form_fields(page.text))
    before = settings.knowledge_path.read_text(encoding="utf-8")
    assert post_form(client, "/admin/knowledge/phase1", fields).status_code == 403
    assert settings.knowledge_path.read_text(encoding="utf-8") == before


def test_without_csrf_or_login_nothing_is_saved(client, admin_accounts, settings):
    before = settings.knowledge_path.read_text(encoding="utf-8")
    assert client.post("/admin/knowledge/phase1", data={"title": "x"}, follow_redirects=False).status_code == 303
    login(client)
    assert client.post("/admin/knowledge/phase1", data={"title": "x", "csrf_token": "bad"}).status_code == 403
    assert settings.knowledge_path.read_text(encoding="utf-8") == before


def test_unknown_and_overlong_ids_are_korean_4xx(admin):
    assert admin.get("/admin/knowledge/no_such_entry").status_code == 404
    assert "찾을 수 없어요" in admin.get("/admin/knowledge/no_such_entry").text
    assert admin.get("/admin/knowledge/" + "a" * 100).status_code == 422


def test_a_broken_file_is_explained_and_not_overwritten(admin, settings):
    settings.knowledge_path.write_text("entries: [\n", encoding="utf-8")
    resp = admin.get("/admin/knowledge")
    assert resp.status_code == 200 and "YAML 문법 오류" in resp.text
    assert admin.get("/admin/knowledge/phase1").status_code == 503
    assert settings.knowledge_path.read_text(encoding="utf-8") == "entries: [\n"


def test_a_file_that_cannot_be_written_is_a_korean_503_with_the_text_kept(admin, settings, monkeypatch):
    import knowledge.editing

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(knowledge.editing, "save_entries", disk_full)
    before = settings.knowledge_path.read_text(encoding="utf-8")
    fields = unescape(form_fields(admin.get("/admin/knowledge/testbed").text))
    fields["aliases"] = [fields["aliases"][0] + "\n실증 도시"]
    resp = post_form(admin, "/admin/knowledge/testbed", fields)
    assert resp.status_code == 503 and "저장할 수 없어요" in resp.text and "실증 도시" in resp.text
    assert settings.knowledge_path.read_text(encoding="utf-8") == before
