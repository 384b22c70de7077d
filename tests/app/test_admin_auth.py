"""Login, sessions and CSRF for the HTML dashboard; the OAuth2 token flow and bearer checks for the JSON API."""
# ruff: noqa: F811  (pytest fixtures imported from admin_support)
import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeTimedSerializer

from civic.admin import audit
from civic.db import open_migrated
from tests.app.admin_support import (  # noqa: F401  (fixtures)
    PASSWORD,
    admin_accounts,
    bearer,
    csrf_of,
    fast_hasher,
    login,
    page_csrf,
)
from tests.app.conftest import make_settings


def test_login_sets_a_hardened_session_cookie_and_logout_ends_it(client, admin_accounts):
    resp = login(client, next_url="/admin/topics")
    assert resp.status_code == 303 and resp.headers["location"] == "/admin/topics"
    cookie = resp.headers["set-cookie"].lower()
    assert "gj_admin=" in cookie and "httponly" in cookie and "samesite=lax" in cookie and "path=/admin" in cookie
    assert "secure" not in cookie  # SECURE_COOKIES=false in development
    assert client.get("/admin", follow_redirects=False).status_code == 200

    client.post("/admin/logout", data={"csrf_token": page_csrf(client)}, follow_redirects=False)
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_secure_cookies_setting_marks_the_cookie_secure(tmp_path, fast_hasher):
    from civic.admin import users
    from web.main import create_app

    settings = make_settings(tmp_path, secure_cookies=True)
    db = open_migrated(settings.db_path)
    users.create_user(db, "kim", PASSWORD)
    db.close()
    with TestClient(create_app(settings), base_url="https://testserver") as c:
        resp = login(c)
    assert resp.status_code == 303
    assert "secure" in resp.headers["set-cookie"].lower()


def test_wrong_password_shows_a_korean_error_and_is_audited(client, admin_accounts, settings):
    resp = login(client, password="wrong-password")
    assert resp.status_code == 401
    assert "아이디 또는 비밀번호가 올바르지 않아요" in resp.text
    assert client.get("/admin", follow_redirects=False).status_code == 303
    db = open_migrated(settings.db_path)
    assert [e.action for e in audit.recent(db)] == ["login_failed"]


def test_account_is_locked_after_repeated_failures_with_a_korean_message(client, admin_accounts):
    codes = [login(client, password=f"wrong-{i}-password").status_code for i in range(5)]
    assert codes == [401, 401, 401, 401, 429]
    resp = login(client)  # the right password while locked
    assert resp.status_code == 429
    assert "잠시 잠겼어요" in resp.text and int(resp.headers["retry-after"]) > 60


def test_login_form_without_its_csrf_cookie_is_refused(client, admin_accounts):
    page = client.get("/admin/login")
    token = csrf_of(page.text)
    client.cookies.clear()
    resp = client.post("/admin/login", data={"username": "kim", "password": PASSWORD, "csrf_token": token},
                       follow_redirects=False)
    assert resp.status_code == 403 and "만료" in resp.text


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "/\\evil.example", "/api/chat"])
def test_next_parameter_cannot_redirect_off_the_dashboard(client, admin_accounts, target):
    resp = login(client, next_url=target)
    assert resp.status_code == 303 and resp.headers["location"] == "/admin"


def test_forged_or_foreign_session_cookies_are_refused(client, admin_accounts):
    client.cookies.set("gj_admin", "forged-value", path="/admin")
    assert client.get("/admin", follow_redirects=False).status_code == 303
    # Correctly formatted but signed with another secret
    other = URLSafeTimedSerializer("another-secret", salt="gwangju-admin-session").dumps("some-token")
    client.cookies.set("gj_admin", other, path="/admin")
    resp = client.get("/admin", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"].startswith("/admin/login?next=")


def test_post_without_or_with_a_wrong_csrf_token_is_403(client, admin_accounts):
    login(client)
    for data in ({}, {"csrf_token": "not-the-token"}):
        resp = client.post("/admin/logout", data=data, follow_redirects=False)
        assert resp.status_code == 403
        assert "보안 확인" in resp.json()["error"]["message"]
    assert client.get("/admin", follow_redirects=False).status_code == 200, "still logged in"


def test_token_endpoint_issues_bearer_tokens_and_refuses_bad_ones(client, admin_accounts):
    headers = bearer(client)
    assert client.get("/api/admin/topics", headers=headers).status_code == 200

    resp = client.post("/api/admin/token", data={"username": "kim", "password": "nope-nope-nope"})
    assert resp.status_code == 401 and "올바르지 않아요" in resp.json()["error"]["message"]
    resp = client.post("/api/admin/token", data={"username": "kim"})
    assert resp.status_code == 422

    for value in ("Bearer forged", "Bearer " + headers["Authorization"].split()[1][:-2] + "xx", "Basic a2ltOnB3"):
        resp = client.get("/api/admin/topics", headers={"Authorization": value})
        assert resp.status_code == 401, value
        assert resp.headers["www-authenticate"] == "Bearer"
        assert "토큰" in resp.json()["error"]["message"] or "인증" in resp.json()["error"]["message"]


def test_expired_token_is_401(client, admin_accounts, settings, monkeypatch):
    from web.admin import auth

    headers = bearer(client)
    monkeypatch.setattr(auth, "TOKEN_LIFETIME_S", -1)
    resp = client.get("/api/admin/topics", headers=headers)
    assert resp.status_code == 401 and "만료" in resp.json()["error"]["message"]


def test_viewer_reads_but_gets_403_on_writes(client, admin_accounts):
    headers = bearer(client, "viewer", admin_accounts["viewer"])
    assert client.get("/api/admin/proposals", headers=headers).status_code == 200
    for method, path in [("post", "/api/admin/recluster"), ("get", "/api/admin/export/proposals.csv"),
                         ("post", "/api/admin/proposals/1/answer")]:
        resp = client.request(method.upper(), path, headers=headers, json={"status": "reviewing"})
        assert resp.status_code == 403, path
        assert "권한" in resp.json()["error"]["message"]


def test_openapi_documents_the_password_flow(client):
    schema = client.get("/openapi.json").json()
    flows = schema["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]
    assert flows["password"]["tokenUrl"] == "/api/admin/token"
    assert "/api/admin/topics" in schema["paths"]
    assert not any(p.startswith("/admin") for p in schema["paths"]), "HTML pages stay out of the API schema"
