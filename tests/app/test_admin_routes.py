"""Every admin route, enumerated from the app itself, refuses requests without the right credentials.

A route added later is covered automatically: only the three login routes below may answer anonymously.
"""
# ruff: noqa: F811  (pytest fixtures imported from admin_support)
import re

import pytest
from fastapi.routing import APIRoute, iter_route_contexts

from tests.app.admin_support import admin_accounts, bearer, fast_hasher, login, page_csrf  # noqa: F401
from web.main import create_app

PUBLIC = {("GET", "/admin/login"), ("POST", "/admin/login"), ("POST", "/api/admin/token")}
SAMPLE_PARAMS = {"kind": "proposals", "fmt": "csv"}


def _admin_routes():
    out = []
    # FastAPI 0.165 keeps included routers nested: iter_route_contexts flattens them with their full paths.
    for route in iter_route_contexts(create_app().routes):
        if not isinstance(route.original_route, APIRoute):
            continue
        if not (route.path == "/admin" or route.path.startswith(("/admin/", "/api/admin"))):
            continue
        for method in sorted(route.methods - {"HEAD"}):
            path = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE_PARAMS.get(m.group(1), "1"), route.path)
            out.append((method, route.path, path))
    return out


ROUTES = _admin_routes()
PROTECTED = [r for r in ROUTES if (r[0], r[1]) not in PUBLIC]
_ids = [f"{m} {p}" for m, p, _ in PROTECTED]


def test_the_enumeration_sees_the_whole_admin_surface():
    declared = {(m, p) for m, p, _ in ROUTES}
    assert PUBLIC <= declared
    assert {("GET", "/admin"), ("GET", "/api/admin/topics"), ("POST", "/api/admin/proposals/{proposal_id}/answer"),
            ("POST", "/admin/recluster"), ("GET", "/api/admin/export/{kind}.{fmt}")} <= declared
    assert len(PROTECTED) >= 20


@pytest.mark.parametrize("method, template, path", PROTECTED, ids=_ids)
def test_anonymous_requests_are_refused(client, method, template, path):
    resp = client.request(method, path, follow_redirects=False, data={"csrf_token": "x"})
    if template.startswith("/api/admin"):
        assert resp.status_code == 401
        assert resp.headers["www-authenticate"] == "Bearer"
        assert "인증" in resp.json()["error"]["message"]
    else:
        assert resp.status_code == 303
        assert resp.headers["location"].startswith("/admin/login?next=")


@pytest.mark.parametrize("method, template, path", PROTECTED, ids=_ids)
def test_credentials_of_the_other_surface_do_not_count(client, admin_accounts, method, template, path):
    """A dashboard session cookie opens no API route; an API token opens no page."""
    login(client)
    headers = {} if template.startswith("/api/admin") else bearer(client)
    if not headers:
        resp = client.request(method, path, follow_redirects=False, json={"status": "reviewing"})
        assert resp.status_code == 401
    else:
        client.cookies.clear()
        resp = client.request(method, path, headers=headers, follow_redirects=False)
        assert resp.status_code == 303


POSTS = [r for r in PROTECTED if r[0] == "POST" and r[1].startswith("/admin")]


@pytest.mark.parametrize("method, template, path", POSTS, ids=[f"{m} {p}" for m, p, _ in POSTS])
def test_every_dashboard_post_needs_the_csrf_token(client, admin_accounts, method, template, path):
    login(client)
    resp = client.post(path, data={"status": "reviewing", "note": "메모"}, follow_redirects=False)
    assert resp.status_code == 403
    assert "보안 확인" in resp.json()["error"]["message"]


WRITES = [r for r in PROTECTED if (r[0] == "POST" and r[1] != "/admin/logout") or "/export/" in r[1]]


@pytest.mark.parametrize("method, template, path", WRITES, ids=[f"{m} {p}" for m, p, _ in WRITES])
def test_read_only_accounts_get_403_on_every_write(client, admin_accounts, method, template, path):
    if template.startswith("/api/admin"):
        headers = bearer(client, "viewer", admin_accounts["viewer"])
        resp = client.request(method, path, headers=headers, json={"status": "reviewing"})
    else:
        login(client, "viewer", admin_accounts["viewer"])
        resp = client.request(method, path, data={"csrf_token": page_csrf(client), "status": "reviewing"},
                              follow_redirects=False)
    assert resp.status_code == 403
    assert "권한" in resp.json()["error"]["message"]
