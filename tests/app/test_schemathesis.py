"""Schemathesis against the app's own OpenAPI schema: no 500, no response outside the declared contract.

Every operation of /openapi.json is fuzzed twice: without valid credentials (every other request carries forged
ones: a bearer token signed with another secret and a wrong skill secret) and as an administrator (a real bearer
token from POST /api/admin/token plus the Kakao skill secret). The HTML routes (chat page, dashboard) are hidden from /openapi.json; they get their
own schema, built from the same routes with `include_in_schema` forced on, and are fuzzed anonymously and with a
real session cookie and CSRF token. Their answers are HTML pages and redirects that the generated schema does not
describe, so for them only "no 5xx" and "errors are Korean JSON" are checked.

The full runs use the app with Rasa down (settings point at ports where nothing listens): the routes that reach
Rasa are relays, Rasa's own answers add nothing to the app's input handling, and thousands of inputs through a
real Rasa would not fit the 3-minute budget on 2 cores. Their documented 503 is the one 5xx allowed there. The
routes that reach Rasa (/api/chat, /kakao/skill, /healthz) are fuzzed once more against the real running stack
(marked e2e, fewer examples), where no 5xx at all is allowed and Rasa's real answers must fit the response schema.
Measured figures: docs/security.md.
"""
# ruff: noqa: F811  (pytest fixtures imported from admin_support)
from __future__ import annotations

import re
from collections import Counter

import pytest
import schemathesis
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup, ServerError
from schemathesis.openapi.checks import UndefinedStatusCode

from civic.admin import users
from civic.db import open_migrated
from tests.app.admin_support import PASSWORD, SAMPLE_PROPOSALS, csrf_of, fast_hasher, login, seed  # noqa: F401
from tests.app.conftest import make_settings
from web.main import create_app

MAX_EXAMPLES = 30
# Positive and negative data; the examples, coverage (boundary values) and fuzzing phases; no stateful phase.
CONFIG = schemathesis.Config.from_dict({"generation": {"mode": "all"}, "phases": {"stateful": {"enabled": False}}})
# Reproducible and bounded. One app (one temporary database) serves all examples of one operation on purpose,
# hence the function-scoped-fixture health check is off.
BOUNDED = settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                          HealthCheck.filter_too_much, HealthCheck.data_too_large])
# With Rasa down these answer their documented 503 (the apology / "degraded"): the promised answer, not a fault.
RASA_DOWN_503 = {"POST /api/chat", "GET /healthz"}
HANGUL = re.compile(r"[\uac00-\ud7a3]")
SENT: dict[str, Counter] = {}  # status codes per test function, printed at the end of the module (see with -s)


@pytest.fixture(scope="module", autouse=True)
def report_counts():
    yield
    for name, codes in SENT.items():
        print(f"\nschemathesis {name}: {sum(codes.values())} requests, by status {dict(sorted(codes.items()))}")


def send(case, name: str, **kwargs) -> None:
    response = case.call_and_validate(**kwargs)
    SENT.setdefault(name, Counter())[response.status_code] += 1


# ---------------------------------------------------------------------------------------------- checks
def no_server_error(ctx, response, case):
    """schemathesis' not_a_server_error, except the documented 503 of the routes that need Rasa."""
    if response.status_code == 503 and case.operation.label in RASA_DOWN_503:
        return None
    return not_a_server_error(ctx, response, case)


def korean_error(ctx, response, case):
    """Every 4xx/5xx is a JSON body {"error": {"message": <Korean>}} or a Korean HTML page, never a trace."""
    if response.status_code < 400 or case.operation.path == "/healthz":
        return
    ctype = (response.headers.get("content-type") or [""])[0]
    if ctype.startswith("application/json"):
        message = response.json()["error"]["message"]
        assert HANGUL.search(message), f"error message is not Korean: {message!r}"
    else:
        assert ctype.startswith("text/html"), f"error answered as {ctype!r}"
        assert HANGUL.search(response.text) and "Traceback" not in response.text


API_CHECKS = [no_server_error, korean_error, *(getattr(schemathesis.checks, name) for name in (
    "status_code_conformance", "content_type_conformance", "response_schema_conformance",
    "response_headers_conformance"))]
HTML_CHECKS = [no_server_error, korean_error]


# ---------------------------------------------------------------------------------------------- the app
@pytest.fixture
def fuzz_settings(tmp_path):
    # A fuzzer is one client sending thousands of requests; the limits are tested in test_ratelimit.py.
    return make_settings(tmp_path, rate_limit_login="100000/second", rate_limit_chat="100000/second",
                         rate_limit_kakao="100000/second")


@pytest.fixture
def fuzz_app(fuzz_settings, fast_hasher):
    db = open_migrated(fuzz_settings.db_path)
    try:
        users.create_user(db, "kim", PASSWORD, role="admin")
    finally:
        db.close()
    seed(fuzz_settings, SAMPLE_PROPOSALS, embed=False)  # ids 1..6 exist: details and answers reach real rows
    return create_app(fuzz_settings)


@pytest.fixture
def bearer_headers(fuzz_app, fuzz_settings):
    # No `with`: the lifespan (which closes the Rasa client at shutdown) belongs to schemathesis' calls.
    client = TestClient(fuzz_app)
    token = client.post("/api/admin/token", data={"username": "kim", "password": PASSWORD}).json()["access_token"]
    return {"Authorization": f"Bearer {token}", "X-Skill-Secret": fuzz_settings.kakao_skill_secret}


# Well-formed but signed with another secret (itsdangerous format: payload.timestamp.signature).
FORGED = {"Authorization": "Bearer eyJ1aWQiOjF9.Z0Xy1A.bm90LXRoZS1yaWdodC1zaWduYXR1cmU",
          "X-Skill-Secret": "not-the-secret"}


@pytest.fixture
def session(fuzz_app):
    """A dashboard session cookie and its CSRF token, from the real login form."""
    client = TestClient(fuzz_app)
    assert login(client).status_code == 303
    return {"cookies": dict(client.cookies), "csrf": csrf_of(client.get("/admin").text)}


# ---------------------------------------------------------------------------------------------- schemas
class _Shown(RouteContext):
    include_in_schema = True  # shadows the route's own flag for get_openapi only


def html_routes_schema() -> dict:
    app = create_app()
    hidden = [_Shown(c.route, c._route_context) for c in iter_route_contexts(app.routes)
              if isinstance(c.original_route, APIRoute) and not c.include_in_schema]
    return get_openapi(title="hidden HTML routes", version=app.version, routes=hidden)


# The schemas do not depend on settings; each test sends its cases to its own app (`app=`) and temporary DB.
api = schemathesis.openapi.from_dict(create_app().openapi(), config=CONFIG)
html = schemathesis.openapi.from_dict(html_routes_schema(), config=CONFIG)


def test_the_schemas_cover_every_route():
    app = create_app()
    routes = {(m, c.path) for c in iter_route_contexts(app.routes) if isinstance(c.original_route, APIRoute)
              for m in c.methods - {"HEAD"}}
    fuzzed = {(op.method.upper(), op.path) for schema in (api, html)
              for op in (r.ok() for r in schema.get_all_operations())}
    assert routes == fuzzed
    assert len(fuzzed) >= 25


@api.parametrize()
@BOUNDED
def test_api_anonymous(case, fuzz_app):
    forged = sum(SENT.get("api anonymous", {}).values()) % 2
    send(case, "api anonymous", app=fuzz_app, headers=FORGED if forged else None, checks=API_CHECKS)


@api.parametrize()
@BOUNDED
def test_api_as_administrator(case, fuzz_app, bearer_headers):
    send(case, "api administrator", app=fuzz_app, headers=bearer_headers, checks=API_CHECKS)


@html.parametrize()
@BOUNDED
def test_html_anonymous(case, fuzz_app):
    send(case, "html anonymous", app=fuzz_app, checks=HTML_CHECKS, allow_redirects=False)


@html.parametrize()
@BOUNDED
def test_html_with_a_session(case, fuzz_app, session):
    if isinstance(case.body, dict) and "csrf_token" in case.body:
        case.body["csrf_token"] = session["csrf"]  # past the CSRF guard, into the form handling itself
    send(case, "html session", app=fuzz_app, cookies=session["cookies"], checks=HTML_CHECKS, allow_redirects=False)


# ---------------------------------------------------------------------------------------------- real Rasa
E2E_EXAMPLES = 15
E2E_CHECKS = [not_a_server_error, *API_CHECKS[1:]]


@pytest.fixture
def e2e_app(rasa_stack):
    return create_app(rasa_stack)


@pytest.mark.e2e
@api.include(path=["/api/chat", "/kakao/skill", "/healthz"]).parametrize()
@settings(BOUNDED, max_examples=E2E_EXAMPLES)
def test_rasa_routes_against_the_running_stack(case, e2e_app, rasa_stack):
    send(case, "e2e", app=e2e_app, headers={"X-Skill-Secret": rasa_stack.kakao_skill_secret}, checks=E2E_CHECKS)


# ---------------------------------------------------------------------------------------------- the harness
def test_the_checks_catch_a_500_and_an_undeclared_error():
    """The checks above are not decoration: a route that crashes, or answers an undeclared error, fails them."""
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import JSONResponse

    from web import errors

    app = FastAPI()
    errors.install(app)

    @app.get("/crash")
    def crash():
        # What errors.install answers for an unhandled exception (the test client would re-raise the exception).
        return JSONResponse(errors.error_body(500), status_code=500)

    @app.get("/teapot", responses=errors.error_responses({404: "없음"}))
    def teapot():
        raise HTTPException(418, "I'm a teapot")

    schema = schemathesis.openapi.from_dict(app.openapi(), config=CONFIG)
    for path, expected in (("/crash", ServerError), ("/teapot", UndefinedStatusCode)):
        with pytest.raises(FailureGroup) as failed:
            schema[path]["GET"].Case().call_and_validate(app=app, checks=API_CHECKS)
        assert any(isinstance(e, expected) for e in failed.value.exceptions), path
