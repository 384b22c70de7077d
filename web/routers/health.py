"""`GET /healthz`: 200 only when the app, Rasa and the action server all answer."""
from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from web.deps import RasaDep

router = APIRouter(tags=["health"])


@router.get("/healthz", responses={503: {"description": "a part is down"}})
async def healthz(rasa: RasaDep):
    rasa_ok, actions_ok = await asyncio.gather(rasa.rasa_alive(), rasa.actions_alive())
    parts = {"app": "ok", "rasa": "ok" if rasa_ok else "down", "actions": "ok" if actions_ok else "down"}
    healthy = rasa_ok and actions_ok
    return JSONResponse({"status": "ok" if healthy else "degraded", **parts}, status_code=200 if healthy else 503)
