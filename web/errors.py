"""Every error a user can meet is a short Korean JSON message with a 4xx/5xx status, never a stack trace."""
from __future__ import annotations

import logging
import sqlite3

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from civic.proposals import StoreUnavailable

log = logging.getLogger(__name__)

MESSAGES = {
    400: "요청 형식이 올바르지 않아요.",
    401: "인증이 필요해요.",
    403: "접근 권한이 없어요.",
    404: "요청하신 주소를 찾을 수 없어요.",
    405: "허용되지 않은 요청 방식이에요.",
    413: "보내신 내용이 너무 커요.",
    415: "JSON 형식으로 보내 주세요.",
    422: "입력값을 확인해 주세요.",
    429: "요청이 너무 많아요. 잠시 후 다시 시도해 주세요.",
    500: "일시적인 오류가 발생했어요. 잠시 후 다시 시도해 주세요.",
    503: "지금은 상담 서비스에 연결할 수 없어요. 잠시 후 다시 시도해 주세요.",
}

_FIELD_NAMES = {"sender": "보낸 사람 ID", "message": "메시지"}

# The database cannot be written (disk full, read-only file system) or not even opened: a 503 that says so.
STORAGE_MESSAGE = ("지금은 데이터베이스에 저장할 수 없어요(저장 공간이 부족하거나 읽기 전용이에요). "
                   "방금 입력하신 내용은 저장되지 않았어요. 잠시 후 다시 시도해 주세요.")
_STORAGE_PAGE = ('<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>저장할 수 없어요</title>'
                 '<link rel="stylesheet" href="/static/admin/admin.css"></head><body><main><h1>저장할 수 없어요</h1>'
                 f'<p>{STORAGE_MESSAGE}</p><p><a href="/admin">관리자 화면으로 돌아가기</a></p></main></body></html>')


class ErrorInfo(BaseModel):
    model_config = ConfigDict(extra="allow")  # some errors add a field, e.g. `part` on the chat's 503

    status: int
    message: str = Field(description="사용자에게 보여 줄 한국어 안내")


class ErrorResponse(BaseModel):
    """The body of every error answer (declared in the OpenAPI schema, checked by tests/app/test_schemathesis.py)."""

    error: ErrorInfo


def error_responses(described: dict[int, str]) -> dict[int | str, dict]:
    """`responses=` of a route: {422: "잘못된 입력"} -> {422: {"model": ErrorResponse, "description": ...}}."""
    return {code: {"model": ErrorResponse, "description": text} for code, text in described.items()}


def error_body(status: int, detail: str | None = None, **extra) -> dict:
    return {"error": {"status": status, "message": detail or MESSAGES.get(status, MESSAGES[500]), **extra}}


def _validation_message(exc: RequestValidationError) -> str:
    for err in exc.errors():
        kind = err.get("type", "")
        loc = [str(p) for p in err.get("loc", ()) if p != "body"]
        field = _FIELD_NAMES.get(loc[-1], loc[-1]) if loc else ""
        if kind == "json_invalid":
            return "JSON 형식이 올바르지 않아요."
        if kind == "missing":
            return f"{field} 항목이 필요해요." if field else "필요한 항목이 빠졌어요."
        if kind in {"string_too_short", "value_error"} and "message" in loc:
            return err.get("ctx", {}).get("error", None) and str(err["ctx"]["error"]) or "메시지를 입력해 주세요."
        if kind == "string_too_long":
            limit = err.get("ctx", {}).get("max_length")
            return f"{field}은(는) {limit}자 이내로 보내 주세요." if limit else f"{field}이(가) 너무 길어요."
        if field:
            return f"{field} 값을 확인해 주세요."
    return MESSAGES[422]


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse(error_body(422, _validation_message(exc)), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, str) and not exc.detail.isascii() else None
        return JSONResponse(error_body(exc.status_code, detail), status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(sqlite3.OperationalError)
    @app.exception_handler(StoreUnavailable)
    async def _storage(request: Request, exc: Exception) -> HTMLResponse | JSONResponse:
        # SQLite's own text ("database or disk is full") names the cause for the operator and carries no user data.
        log.error("database unavailable on %s %s: %s", request.method, request.url.path,
                  getattr(exc, "reason", exc))
        headers = {"Retry-After": "60", "Cache-Control": "no-store"}
        if request.url.path.startswith("/admin"):  # the dashboard's HTML pages
            headers.update({"Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
                            "X-Content-Type-Options": "nosniff"})
            return HTMLResponse(_STORAGE_PAGE, status_code=503, headers=headers)
        return JSONResponse(error_body(503, STORAGE_MESSAGE), status_code=503, headers=headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body(500), status_code=500)
