"""The HTML dashboard over a real temporary SQLite store: empty states, escaping, answers with history, 404s."""
# ruff: noqa: F811  (pytest fixtures imported from admin_support)
import pytest

from civic import proposals as store
from civic.admin import audit
from civic.db import open_migrated
from tests.app.admin_support import (  # noqa: F401
    XSS,
    admin_accounts,
    fast_hasher,
    login,
    page_csrf,
    seed,
)

EMPTY = "아직 접수된 제안이 없어요"


@pytest.fixture
def admin(client, admin_accounts):
    assert login(client).status_code == 303
    return client


@pytest.mark.parametrize("path", ["/admin", "/admin/topics", "/admin/search", "/admin/search?q=가로등"])
def test_empty_database_pages_say_so(admin, path):
    resp = admin.get(path)
    assert resp.status_code == 200
    assert EMPTY in resp.text


def test_overview_counts_and_chart_data_are_json_blocks(admin, settings):
    seed(settings, embed=False)
    resp = admin.get("/admin")
    assert resp.status_code == 200
    assert EMPTY not in resp.text
    assert resp.headers["content-security-policy"].startswith("default-src 'self'")
    for chart in ("chart-week", "chart-category", "chart-district", "chart-channel"):
        assert f'data-chart="{chart}"' in resp.text
    assert "카카오톡" in resp.text and "북구" in resp.text
    assert '<script src="/static/vendor/chart.umd.js"' in resp.text
    assert admin.get("/static/vendor/chart.umd.js").status_code == 200


def test_html_and_script_in_proposal_text_are_escaped_everywhere(admin, settings):
    [p] = seed(settings, [(f"{XSS} 가로등이 꺼졌어요 제발 고쳐 주세요", "북구", XSS, "web:x1")], embed=False)
    pages = [f"/admin/proposals/{p.id}", "/admin/search?q=가로등", "/admin", "/admin/audit"]
    for path in pages:
        html = admin.get(path).text
        assert "<script>alert" not in html and "<img src=x" not in html, path
    detail = admin.get(f"/admin/proposals/{p.id}").text
    assert "&lt;script&gt;alert(" in detail


def test_unknown_ids_get_a_korean_404_page(admin):
    for path in ("/admin/proposals/999999", "/admin/topics/424242"):
        resp = admin.get(path)
        assert resp.status_code == 404
        assert "찾을 수 없어요" in resp.text


def test_answer_is_stored_with_history_and_the_citizen_sees_it(admin, settings):
    [p] = seed(settings, [("학교 앞 횡단보도에 신호등을 설치해 주세요. 아이들이 위험해요.", "광산구", "수완초", "kakao:c1")],
               embed=False)
    token = page_csrf(admin, f"/admin/proposals/{p.id}")
    resp = admin.post(f"/admin/proposals/{p.id}/answer", follow_redirects=False, data={
        "csrf_token": token, "status": "answered", "answer": "다음 달까지 신호등을 설치할 예정이에요."})
    assert resp.status_code == 303

    db = open_migrated(settings.db_path)
    view = store.lookup_status(db, p.receipt, sender_id="kakao:c1")
    assert view.proposal.status == "answered" and "신호등을 설치할 예정" in view.proposal.answer
    last = store.history(db, p.id)[-1]
    assert (last.status, last.previous_status, last.actor) == ("answered", "received", "kim")
    assert {e.action for e in audit.recent(db, target_type="proposal", target_id=p.id)} == {"status_change", "answer"}

    page = admin.get(f"/admin/proposals/{p.id}?saved=answer").text
    assert "답변완료" in page and "저장했어요" in page and "kim" in page


@pytest.mark.parametrize("status, answer, message", [
    ("answered", "  ", "답변 내용"),
    ("rejected", "", "반려 사유"),
    ("closed", "끝", "상태는"),
    ("reviewing", "가" * 5001, "5,000자"),
])
def test_bad_answers_are_refused_in_korean_and_nothing_is_stored(admin, settings, status, answer, message):
    [p] = seed(settings, [("버스 정류장에 의자가 없어서 어르신들이 힘들어해요.", "서구", None, "web:c2")], embed=False)
    token = page_csrf(admin, f"/admin/proposals/{p.id}")
    # Sent as multipart/form-data, like the page's form does.
    fields = {"csrf_token": token, "status": status, "answer": answer}
    resp = admin.post(f"/admin/proposals/{p.id}/answer", files={k: (None, v) for k, v in fields.items()})
    assert resp.status_code == 422
    assert message in resp.text
    db = open_migrated(settings.db_path)
    assert len(store.history(db, p.id)) == 1 and store.get_proposal(db, p.id).status == "received"


def test_keyword_and_semantic_search(admin, settings):
    seed(settings)
    resp = admin.get("/admin/search", params={"q": "가로등"})
    assert resp.status_code == 200 and resp.text.count('href="/admin/proposals/') == 2
    resp = admin.get("/admin/search", params={"q": "밤에 길이 어두워요 불이 안 켜져요", "mode": "semantic"})
    assert resp.status_code == 200
    assert "유사도" in resp.text and "가로등" in resp.text


def test_overlong_search_and_bad_mode_are_korean_4xx(admin):
    assert admin.get("/admin/search", params={"q": "가" * 201}).status_code == 422
    resp = admin.get("/admin/search", params={"mode": "sql"})
    assert resp.status_code == 422 and "값을 확인" in resp.json()["error"]["message"]


def test_semantic_search_without_a_usable_model_is_a_korean_message(tmp_path, fast_hasher):
    from fastapi.testclient import TestClient

    from civic.admin import users
    from tests.app.admin_support import PASSWORD, bearer
    from tests.app.conftest import make_settings
    from web.main import create_app

    # A backend that cannot be built (a misconfiguration; loading torch for a missing model fails the same way).
    settings = make_settings(tmp_path, embedder_backend="no-such-backend")
    db = open_migrated(settings.db_path)
    users.create_user(db, "kim", PASSWORD)
    db.close()
    seed(settings, embed=False)
    with TestClient(create_app(settings)) as c:
        login(c)
        resp = c.get("/admin/search", params={"q": "가로등", "mode": "semantic"})
        assert resp.status_code == 200 and "의미 검색을 쓸 수 없어요" in resp.text
        resp = c.get("/api/admin/proposals", params={"query": "가로등", "mode": "semantic"}, headers=bearer(c))
        assert resp.status_code == 422 and "의미 검색" in resp.json()["error"]["message"]
        assert c.get("/admin").status_code == 200, "the overview renders without the model"
