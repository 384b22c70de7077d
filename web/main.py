"""The public door: one FastAPI app with a router per surface (chat, kakao, admin, pages)."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles

from civic.settings import Settings, get_settings
from web import errors
from web.middleware import BodySizeLimit
from web.rasa_client import RasaClient
from web.ratelimit import RateLimit
from web.routers import admin, chat, health, kakao, pages

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        try:
            yield
        finally:
            skill = getattr(app.state, "kakao_skill", None)
            if skill is not None:
                await skill.drain()  # pending Kakao callbacks are delivered before shutdown
            await app.state.rasa.aclose()

    app = FastAPI(title="광주 AI 중심도시 시민 도우미", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    # Created here, not in the lifespan, so the app also works under clients that skip lifespan events.
    app.state.rasa = RasaClient.from_settings(settings)
    errors.install(app)
    # Starlette runs the last added middleware first: size check, then rate limit, then the routes.
    app.add_middleware(RateLimit, settings=settings)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes,
                       prefix_limits={"/admin": settings.max_admin_body_bytes,
                                      "/api/admin": settings.max_admin_body_bytes})
    if settings.widget_origins:
        # The widget embedded on the city's own sites calls /api/chat across origins; nothing else is shared.
        app.add_middleware(CORSMiddleware, allow_origins=settings.widget_origins, allow_methods=["POST"],
                           allow_headers=["content-type"], allow_credentials=False)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (health, chat, kakao, admin, pages):
        app.include_router(module.router)
    return app


def app_factory() -> FastAPI:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # httpx logs every request URL at INFO; Kakao callback URLs carry one-time tokens.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return create_app()
