"""Rate limits for the public entry points, in one place (ASGI middleware over the `limits` library).

Chat and admin login are keyed by client IP; the Kakao skill by the Kakao user id (all Kakao traffic comes from a
few Kakao servers, so an IP key would throttle every citizen at once).
"""
from __future__ import annotations

import hmac
import json
import math
import time

from limits import parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from web.errors import error_body

KAKAO_SLOW_DOWN = "메시지를 너무 빠르게 보내셨어요. 잠시 후 다시 말씀해 주세요."
LOGIN_SLOW_DOWN_PAGE = (
    '<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>잠시 후 다시 시도해 주세요</title>'
    '<link rel="stylesheet" href="/static/admin/admin.css"></head><body><main><h1>로그인 시도가 너무 많아요</h1>'
    '<p>보안을 위해 잠시 로그인을 막았어요. 잠시 후 다시 시도해 주세요.</p>'
    '<p><a href="/admin/login">로그인 화면으로 돌아가기</a></p></main></body></html>')


class RateLimit:
    def __init__(self, app, settings) -> None:
        self.app = app
        self.trust_proxy = settings.trust_proxy_headers
        self.skill_secret = settings.kakao_skill_secret.encode()
        self.limiter = MovingWindowRateLimiter(MemoryStorage())
        self.rules = {
            ("POST", "/api/chat"): ("chat", parse_many(settings.rate_limit_chat)),
            ("POST", "/kakao/skill"): ("kakao", parse_many(settings.rate_limit_kakao)),
            ("POST", "/admin/login"): ("login", parse_many(settings.rate_limit_login)),
            ("POST", "/api/admin/token"): ("login", parse_many(settings.rate_limit_login)),
        }

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        rule = self.rules.get((scope["method"], scope["path"].rstrip("/") or "/"))
        if rule is None:
            return await self.app(scope, receive, send)
        name, limits = rule
        if name == "kakao":
            body, receive = await _buffer(receive)
            # The user id in the body is trusted as a key only from a caller holding the skill secret; anyone else
            # is limited by IP, so they cannot use up a citizen's budget by naming their id.
            user = _kakao_user(body) if self._has_skill_secret(scope) else None
            key = f"user:{user}" if user else f"ip:{self._client_ip(scope)}"
        else:
            key = self._client_ip(scope)
        blocked = [lim for lim in limits if not self.limiter.hit(lim, name, key)]
        if not blocked:
            return await self.app(scope, receive, send)
        reset = max(self.limiter.get_window_stats(lim, name, key).reset_time for lim in blocked)
        retry_after = str(max(1, math.ceil(reset - time.time())))
        if name == "kakao":
            # Kakao shows only a valid skill response to the citizen, so the refusal is one.
            payload = {"version": "2.0", "template": {"outputs": [{"simpleText": {"text": KAKAO_SLOW_DOWN}}]}}
            return await _json(send, 200, payload, retry_after)
        if scope["path"].startswith("/admin"):
            # The dashboard's login form is a browser page: it gets a page, not JSON.
            return await _send(send, 429, LOGIN_SLOW_DOWN_PAGE.encode(), "text/html; charset=utf-8", retry_after)
        return await _json(send, 429, error_body(429), retry_after)

    def _has_skill_secret(self, scope) -> bool:
        given = next((v for k, v in scope.get("headers") or [] if k == b"x-skill-secret"), b"")
        return bool(self.skill_secret) and hmac.compare_digest(given, self.skill_secret)

    def _client_ip(self, scope) -> str:
        if self.trust_proxy:
            for name, value in scope.get("headers") or []:
                if name == b"x-forwarded-for":
                    # The last hop is the one our proxy appended; earlier ones are whatever the client sent.
                    return value.decode("latin-1").split(",")[-1].strip()
        client = scope.get("client")
        return client[0] if client else "unknown"


async def _buffer(receive):
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = b"".join(chunks)
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _kakao_user(body: bytes) -> str | None:
    try:
        user = json.loads(body)["userRequest"]["user"]["id"]
    except (ValueError, KeyError, TypeError):
        return None
    return str(user)[:128] if user else None


async def _json(send, status: int, payload: dict, retry_after: str) -> None:
    body = json.dumps(payload, ensure_ascii=False).encode()
    await _send(send, status, body, "application/json; charset=utf-8", retry_after)


async def _send(send, status: int, body: bytes, content_type: str, retry_after: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode()),
                            (b"content-length", str(len(body)).encode()),
                            (b"retry-after", retry_after.encode())]})
    await send({"type": "http.response.body", "body": body})
