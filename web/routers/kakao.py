"""KakaoTalk: `POST /kakao/skill`, the Kakao i Open Builder skill webhook (skill response format version "2.0")."""
from __future__ import annotations

import hmac
import json
import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse

from web import kakao
from web.deps import SettingsDep
from web.errors import error_body, error_responses
from web.kakao_callback import KakaoSkill
from web.rasa_client import INTERNAL_COMMAND_TEXT, is_silent_command

log = logging.getLogger(__name__)
router = APIRouter(tags=["kakao"])

NO_SECRET = "스킬 시크릿이 설정되지 않았어요. 운영자가 KAKAO_SKILL_SECRET을 설정해야 해요."
BAD_SECRET = "스킬 인증에 실패했어요. X-Skill-Secret 헤더를 확인해 주세요."
BAD_JSON = "JSON 형식이 올바르지 않아요."


def kakao_skill(request: Request) -> KakaoSkill:
    """One KakaoSkill per app: it holds in-flight turns (retry coalescing) and pending callbacks."""
    skill = getattr(request.app.state, "kakao_skill", None)
    if skill is None or skill.rasa is not request.app.state.rasa:
        skill = request.app.state.kakao_skill = KakaoSkill(request.app.state.rasa, request.app.state.settings)
    return skill


KakaoSkillDep = Annotated[KakaoSkill, Depends(kakao_skill)]


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse(error_body(status, message), status_code=status)


@router.post(
    "/kakao/skill",
    summary="카카오 i 오픈빌더 스킬",
    responses={
        200: {"description": "스킬 응답 (version 2.0): simpleText/listCard + quickReplies, 또는 useCallback"},
        **error_responses({400: "JSON이 아님", 401: "X-Skill-Secret 불일치", 413: "본문이 너무 큼",
                           422: "필수 항목 누락", 503: "스킬 시크릿 미설정"}),
    },
)
async def skill(
    request: Request,
    settings: SettingsDep,
    service: KakaoSkillDep,
    x_skill_secret: Annotated[str | None, Header(description="오픈빌더 스킬 헤더에 넣은 공유 비밀값")] = None,
):
    secret = settings.kakao_skill_secret
    if not secret:
        return _error(503, NO_SECRET)
    if not x_skill_secret or not hmac.compare_digest(x_skill_secret.encode(), secret.encode()):
        return _error(401, BAD_SECRET)
    try:
        data = json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        return _error(400, BAD_JSON)
    try:
        req = kakao.parse_request(data)
    except ValueError as exc:
        return _error(422, str(exc))
    if not req.utterance:
        return kakao.text_response(kakao.EMPTY_UTTERANCE_TEXT)
    if is_silent_command(kakao.rasa_text(req)):
        return kakao.text_response(INTERNAL_COMMAND_TEXT)
    if len(req.utterance) > settings.max_message_chars:
        return kakao.text_response(f"메시지는 {settings.max_message_chars}자 이내로 보내 주세요.")
    return await service.answer(req)
