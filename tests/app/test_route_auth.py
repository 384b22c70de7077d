"""Route auth: EVERY route of the app, enumerated from the app itself, is either listed public below or refuses
requests without valid credentials. A route added later is covered without editing this file; a new route that
is neither public nor protected fails `test_every_admin_route_refuses...`, and a new route outside the admin
prefixes must be added to PUBLIC (a conscious decision) or `test_every_route_is_classified` fails.

What "refused" means here:
- JSON API under /api/admin: 401 with `WWW-Authenticate: Bearer` and a Korean message, for no token, a junk
  token, a token signed with another secret, an expired token (older than one hour), a token of an unknown or
  disabled account, and a dashboard session cookie (the wrong surface).
- HTML dashboard under /admin (including its JSON job-progress route, which the page's script polls): a 303
  redirect to /admin/login?next=<path>, for no cookie, a forged cookie, an expired session, a disabled account and
  a bearer token (the wrong surface). A redirect, not a 401, because a person with a browser lands on the login
  form and comes back to the page they asked for.
"""
# ruff: noqa: F811  (pytest fixtures imported from admin_support)
from __future__ import annotations

import re
import time
from datetime import timedelta

import itsdangerous
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from civic.admin import sessions, users
from civic.db import open_migrated
from tests.app.admin_support import PASSWORD, admin_accounts, bearer, fast_hasher, login  # noqa: F401
from web.admin import auth
from web.main import create_app

ADMIN_PREFIXES = ("/admin", "/api/admin")
# Anonymous by design. Admin entries: the login form, its POST and the OAuth2 token endpoint.
PUBLIC = {
    ("GET", "/admin/login"), ("POST", "/admin/login"), ("POST", "/api/admin/token"),
    ("GET", "/"), ("GET", "/widget.js"), ("GET", "/healthz"), ("POST", "/api/chat"),
    ("POST", "/kakao/skill"),  # guarded by the X-Skill-Secret header (tests/app/test_kakao_input.py)
    ("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/docs/oauth2-redirect"), ("GET", "/redoc"),
    ("*", "/static"),
}
SAMPLE_PARAMS = {"kind": "proposals", "fmt": "csv"}


def all_routes(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path template) of every route, nested routers flattened; a mount counts as one route ("*")."""
    out = []
    for ctx in iter_route_contexts(app.routes):
        if isinstance(ctx.original_route, Mount):
            out.append(("*", ctx.path))
        else:
            out += [(m, ctx.path) for m in sorted((ctx.methods or {"GET"}) - {"HEAD"})]
    return out


def is_admin(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in ADMIN_PREFIXES)


def protected_routes(app: FastAPI) -> list[tuple[str, str]]:
    return [(m, p) for m, p in all_routes(app) if is_admin(p) and (m, p) not in PUBLIC]


def concrete(template: str) -> str:
    return re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE_PARAMS.get(m.group(1), "1"), template)


def refusal_problem(client: TestClient, method: str, template: str, **kwargs) -> str | None:
    """None when the route refuses the request as documented above, else what it did instead."""
    resp = client.request(method, concrete(template), follow_redirects=False, **kwargs)
    if template.startswith("/api/admin"):
        message = resp.json().get("error", {}).get("message", "") if resp.status_code == 401 else ""
        ok = (resp.status_code == 401 and resp.headers.get("www-authenticate") == "Bearer"
              and ("인증" in message or "토큰" in message))
    else:
        ok = resp.status_code == 303 and resp.headers["location"].startswith("/admin/login?next=")
    return None if ok else f"{method} {template} -> {resp.status_code}"


def unprotected(app: FastAPI, **kwargs) -> list[str]:
    with TestClient(app) as client:
        problems = [refusal_problem(client, m, p, **kwargs) for m, p in protected_routes(app)]
    return [p for p in problems if p]


# ---------------------------------------------------------------------------------------------- enumeration
def test_every_route_is_classified(settings):
    """A route outside /admin and /api/admin is public, so it must be listed on purpose."""
    routes = all_routes(create_app(settings))
    unlisted = [r for r in routes if not is_admin(r[1]) and r not in PUBLIC]
    assert not unlisted, f"new public route(s): add them to PUBLIC after a review: {unlisted}"
    assert PUBLIC <= set(routes), f"PUBLIC lists routes that no longer exist: {PUBLIC - set(routes)}"
    assert len(protected_routes(create_app(settings))) >= 20


def test_every_admin_route_refuses_anonymous_requests(settings):
    assert unprotected(create_app(settings)) == []


def test_the_check_catches_a_new_route_without_the_auth_dependency(settings):
    """Proof that the enumeration is live: a test-local app with leaky routes fails the check, by name."""
    app = create_app(settings)
    leak = APIRouter(prefix="/api/admin")
    leak.add_api_route("/leak", lambda: {"secret": "시민 제보 전체"}, methods=["GET"])
    app.include_router(leak)
    app.add_api_route("/admin/leak-page", lambda: {"secret": "관리자 화면"}, methods=["POST"])
    assert unprotected(app) == ["GET /api/admin/leak -> 200", "POST /admin/leak-page -> 200"]


# ---------------------------------------------------------------------------------------------- forged credentials
def _token(settings, uid: int, *, age_s: int = 0, secret: str | None = None) -> str:
    signer = auth._serializer(settings.model_copy(update={"session_secret": secret or settings.session_secret}),
                              "api")
    if not age_s:
        return signer.dumps({"uid": uid})
    real = itsdangerous.timed.TimestampSigner.get_timestamp
    itsdangerous.timed.TimestampSigner.get_timestamp = lambda self: int(time.time()) - age_s
    try:
        return signer.dumps({"uid": uid})
    finally:
        itsdangerous.timed.TimestampSigner.get_timestamp = real


@pytest.fixture
def kim_id(settings, admin_accounts) -> int:
    db = open_migrated(settings.db_path)
    try:
        return users.get_user_by_name(db, "kim").id
    finally:
        db.close()


def bad_tokens(settings, kim_id) -> dict[str, str]:
    return {
        "junk": "not-a-token",
        "other secret": _token(settings, kim_id, secret="someone-elses-secret"),
        "expired": _token(settings, kim_id, age_s=auth.TOKEN_LIFETIME_S + 60),
        "unknown account": _token(settings, 999_999),
        "tampered": _token(settings, kim_id)[:-2] + "xx",
    }


@pytest.mark.parametrize("kind", ["junk", "other secret", "expired", "unknown account", "tampered"])
def test_forged_or_expired_bearer_tokens_get_401_everywhere(settings, kim_id, kind):
    app = create_app(settings)
    token = bad_tokens(settings, kim_id)[kind]
    api_routes = [r for r in protected_routes(app) if r[1].startswith("/api/admin")]
    with TestClient(app) as client:
        problems = [refusal_problem(client, m, p, headers={"Authorization": f"Bearer {token}"}) for m, p in api_routes]
    assert [p for p in problems if p] == []
    assert len(api_routes) >= 7


def test_a_valid_token_of_a_disabled_account_gets_401(client, settings, kim_id):
    headers = bearer(client)
    assert client.get("/api/admin/topics", headers=headers).status_code == 200
    db = open_migrated(settings.db_path)
    users.set_active(db, "kim", False)
    db.close()
    assert client.get("/api/admin/topics", headers=headers).status_code == 401


def test_forged_and_expired_session_cookies_are_sent_to_the_login_page(settings, kim_id):
    app = create_app(settings)
    db = open_migrated(settings.db_path)
    expired, _ = sessions.create_session(db, users.get_user(db, kim_id),
                                         now=users.utcnow() - sessions.SESSION_LIFETIME - timedelta(minutes=1))
    db.close()
    valid_looking = auth._serializer(settings, "session").dumps(expired)
    foreign = auth._serializer(settings.model_copy(update={"session_secret": "x" * 32}), "session").dumps("abc")
    page_routes = [r for r in protected_routes(app) if not r[1].startswith("/api/admin")]
    for cookie in ("forged", foreign, valid_looking):
        with TestClient(app) as client:
            client.cookies.set(auth.SESSION_COOKIE, cookie, path="/admin")
            problems = [refusal_problem(client, m, p, data={"csrf_token": "x"}) for m, p in page_routes]
        assert [p for p in problems if p] == [], cookie


def test_each_surface_refuses_the_other_surfaces_credentials(client, settings, kim_id):
    """A bearer token opens no dashboard page; a dashboard session cookie opens no API route."""
    headers = bearer(client)
    app_routes = protected_routes(client.app)
    pages = [r for r in app_routes if not r[1].startswith("/api/admin")]
    assert [p for p in (refusal_problem(client, m, t, headers=headers) for m, t in pages) if p] == []
    assert login(client).status_code == 303
    api = [r for r in app_routes if r[1].startswith("/api/admin")]
    assert [p for p in (refusal_problem(client, m, t) for m, t in api) if p] == []
