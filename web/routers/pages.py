"""Web chat pages: `GET /` (the chat page) and `GET /widget.js` (the one-script-tag embed loader)."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

WEB_DIR = Path(__file__).resolve().parent.parent
templates = Jinja2Templates(directory=WEB_DIR / "templates")
WIDGET_JS = WEB_DIR / "static" / "widget.js"

router = APIRouter(tags=["pages"])


@router.get("/", response_class=HTMLResponse, include_in_schema=False)
async def index(request: Request):
    # A relative URL keeps the page working behind any proxy host or path.
    return templates.TemplateResponse(request, "index.html", {"widget_url": "/widget.js"})


@router.get("/widget.js", include_in_schema=False)
async def widget_js():
    # Short cache: embedding sites pick up a new widget within minutes.
    return FileResponse(WIDGET_JS, media_type="text/javascript; charset=utf-8",
                        headers={"Cache-Control": "public, max-age=300"})
