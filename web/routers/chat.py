"""Web chat: `POST /api/chat` relays a citizen's message to Rasa's REST channel."""
from __future__ import annotations

import logging
import re

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, field_validator

from web.deps import RasaDep, SettingsDep
from web.errors import error_body, error_responses
from web.rasa_client import INTERNAL_COMMAND_TEXT, RasaUnavailable, is_silent_command

log = logging.getLogger(__name__)
router = APIRouter(tags=["chat"])

SENDER_PATTERN = r"^[A-Za-z0-9_\-:.]{1,128}$"
APOLOGY = "죄송해요, 지금 상담 서비스에 잠시 문제가 있어요. 잠시 후 다시 말씀해 주세요."


class ChatRequest(BaseModel):
    sender: str = Field(..., pattern=SENDER_PATTERN, description="browser-generated conversation id")
    message: str = Field(..., min_length=1, max_length=2000)

    @field_validator("message")
    @classmethod
    def not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("메시지를 입력해 주세요.")
        if is_silent_command(value):
            raise ValueError(INTERNAL_COMMAND_TEXT)
        return value


class ChatButton(BaseModel):
    title: str
    payload: str


class ChatMessage(BaseModel):
    text: str = ""
    buttons: list[ChatButton] = []
    image: str | None = None
    custom: dict | None = None


class ChatResponse(BaseModel):
    messages: list[ChatMessage]


def rasa_sender(channel: str, sender: str) -> str:
    """Rasa sender ids are namespaced by channel so a web id can never collide with a Kakao id."""
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", sender)
    return f"{channel}:{safe}"[:160]


@router.post(
    "/api/chat",
    response_model=ChatResponse,
    responses=error_responses({400: "본문을 읽을 수 없음", 413: "본문이 너무 큼", 422: "잘못된 입력",
                               429: "요청이 너무 많음", 503: "Rasa 또는 액션 서버 중단"}),
)
async def chat(body: ChatRequest, rasa: RasaDep, settings: SettingsDep):
    try:
        messages = await rasa.send(rasa_sender("web", body.sender), body.message, {"channel": "web"})
    except RasaUnavailable as exc:
        log.warning("chat unavailable: %s", exc)
        return JSONResponse(
            {**error_body(503, APOLOGY, part=exc.part), "messages": [{"text": APOLOGY, "buttons": []}]},
            status_code=503,
        )
    return ChatResponse(messages=[ChatMessage(**m.as_dict()) for m in messages])
