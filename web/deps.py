"""FastAPI dependency aliases (FastAPI full-stack template style)."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from civic.settings import Settings, get_settings
from web.rasa_client import RasaClient


def get_rasa(request: Request) -> RasaClient:
    return request.app.state.rasa


def app_settings(request: Request) -> Settings:
    """The settings the app was created with (tests pass their own), else the process-wide ones."""
    return getattr(request.app.state, "settings", None) or get_settings()


SettingsDep = Annotated[Settings, Depends(app_settings)]
RasaDep = Annotated[RasaClient, Depends(get_rasa)]
