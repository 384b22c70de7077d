"""Fixtures for the application environment: temporary settings and database, a really running Rasa stack."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from civic.settings import PROJECT_ROOT, Settings
from civic.supervisor import build_services, isolated_settings, running

MODEL = PROJECT_ROOT / "models" / "gwangju.tar.gz"


def pytest_addoption(parser):
    parser.addoption("--skip-e2e", action="store_true",
                     help="skip tests that start a real Rasa server (reported as skipped with this reason)")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--skip-e2e"):
        skip = pytest.mark.skip(reason="e2e skipped on request: --skip-e2e was given")
        for item in items:
            if "e2e" in item.keywords:
                item.add_marker(skip)


def make_settings(tmp: Path, **overrides) -> Settings:
    # Generous rate limits: conversations in tests send turns back to back; test_ratelimit sets its own.
    return isolated_settings(tmp, **{"rasa_token": "test-token", "kakao_skill_secret": "test-skill-secret",
                                     "session_secret": "test-session-secret", "rate_limit_chat": "1000/second",
                                     "rate_limit_kakao": "1000/second", **overrides})


@pytest.fixture
def settings(tmp_path) -> Settings:
    """Settings pointing at a temporary database and at ports where nothing listens (Rasa 'down')."""
    return make_settings(tmp_path)


@pytest.fixture
def client(settings):
    from web.main import create_app

    with TestClient(create_app(settings)) as c:
        yield c


@pytest.fixture(scope="session")
def rasa_stack(tmp_path_factory):
    """A real action server and Rasa server on free loopback ports, shared by the e2e tests of one run."""
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make test` (it trains) or `make train`")
    var = tmp_path_factory.mktemp("stack")
    # A copy of the knowledge base: the dashboard e2e test edits it while the stack runs.
    shutil.copy(PROJECT_ROOT / "knowledge" / "entries.yml", var / "entries.yml")
    settings = make_settings(var, knowledge_path=var / "entries.yml")
    services = [s for s in build_services(settings, MODEL) if s.name != "app"]
    with running(services, timeout_s=240):
        yield settings


@pytest.fixture
def e2e_client(rasa_stack):
    from web.main import create_app

    with TestClient(create_app(rasa_stack)) as c:
        yield c
