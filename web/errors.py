"""Every error a user can meet is a short Korean JSON message with a 4xx/5xx status, never a stack trace."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

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

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body(500), status_code=500)
