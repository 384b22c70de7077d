"""FastAPI dependency aliases (FastAPI full-stack template style)."""
from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from civic.settings import Settings, get_settings
from web.rasa_client import RasaClient


def get_rasa(request: Request) -> RasaClient:
    return request.app.state.rasa


SettingsDep = Annotated[Settings, Depends(get_settings)]
RasaDep = Annotated[RasaClient, Depends(get_rasa)]
