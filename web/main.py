"""The public door: one FastAPI app with a router per surface (chat, kakao, admin, pages)."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from civic.settings import Settings, get_settings
from web import errors
from web.middleware import BodySizeLimit
from web.ratelimit import RateLimit
from web.rasa_client import RasaClient
from web.routers import admin, chat, health, kakao, pages

STATIC_DIR = Path(__file__).parent / "static"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.rasa = RasaClient(settings.rasa_url, settings.action_url, settings.rasa_timeout_s,
                                    settings.rasa_token)
        try:
            yield
        finally:
            await app.state.rasa.aclose()

    app = FastAPI(title="광주 AI 중심도시 시민 도우미", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    errors.install(app)
    # Starlette runs the last added middleware first: size check, then rate limit, then the routes.
    app.add_middleware(RateLimit, settings=settings)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    for module in (health, chat, kakao, admin, pages):
        app.include_router(module.router)
    return app


def app_factory() -> FastAPI:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return create_app()
