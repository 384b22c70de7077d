"""Fixtures for the Rasa environment: the trained project model (models/gwangju.tar.gz, trained by `make test`)."""
from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "gwangju.tar.gz"


@pytest.fixture(scope="session")
def model_path() -> Path:
    if not MODEL.exists():
        pytest.fail(f"no trained model at {MODEL}: run `make test` (it trains first) or `make train`")
    return MODEL


@pytest.fixture(scope="session")
def agent(model_path):
    """The trained model loaded in-process once per session (NLU and dialogue, no servers)."""
    from rasa.core.agent import Agent

    return Agent.load(str(model_path))


@pytest.fixture(scope="session")
def parse(agent):
    loop = asyncio.new_event_loop()

    def _parse(text: str) -> dict:
        return loop.run_until_complete(agent.parse_message(text))

    yield _parse
    loop.close()
