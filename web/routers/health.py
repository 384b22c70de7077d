"""`GET /healthz`: 200 only when the app, Rasa and the action server all answer."""
from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from web.deps import RasaDep

router = APIRouter(tags=["health"])


@router.get("/healthz", responses={503: {"description": "a part is down"}})
async def healthz(rasa: RasaDep):
    instances, actions_ok = await asyncio.gather(rasa.rasa_instances_alive(), rasa.actions_alive())
    rasa_ok = all(instances)
    parts = {"app": "ok", "rasa": "ok" if rasa_ok else "down", "actions": "ok" if actions_ok else "down"}
    if not rasa_ok and len(instances) > 1:
        # Several Rasa processes (RASA_INSTANCES): name the ones that are down, as the supervisor names them.
        parts["rasa_down"] = [("rasa" if i == 0 else f"rasa-{i + 1}") for i, ok in enumerate(instances) if not ok]
    healthy = rasa_ok and actions_ok
    return JSONResponse({"status": "ok" if healthy else "degraded", **parts}, status_code=200 if healthy else 503)
