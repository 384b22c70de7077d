"""Signing for the admin surface (itsdangerous): session cookies, the login form's CSRF cookie, API bearer tokens.

Sessions live in the database (civic.admin.sessions); the cookie carries the session token signed and time-stamped,
so a forged or stale cookie is refused before any database lookup. Bearer tokens for /api/admin are self-contained
signed {"uid"} payloads with a one-hour expiry; every request still checks that the account is active.
"""
from __future__ import annotations

import hmac
import logging
import secrets
from functools import lru_cache

from fastapi import Response
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from civic.admin.sessions import SESSION_LIFETIME
from civic.settings import Settings

log = logging.getLogger(__name__)

SESSION_COOKIE = "gj_admin"
LOGIN_CSRF_COOKIE = "gj_admin_login"
CSRF_FIELD = "csrf_token"
TOKEN_LIFETIME_S = 3600
LOGIN_FORM_LIFETIME_S = 3600


@lru_cache
def _fallback_secret() -> str:
    log.warning("SESSION_SECRET is empty: using a random one for this process (admin sessions end at restart)")
    return secrets.token_urlsafe(32)


def _secret(settings: Settings) -> str:
    return settings.session_secret or _fallback_secret()


def _serializer(settings: Settings, purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(_secret(settings), salt=f"gwangju-admin-{purpose}")


def _loads(settings: Settings, purpose: str, value: str | None, max_age: int):
    if not value or len(value) > 512:
        return None
    try:
        return _serializer(settings, purpose).loads(value, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None


def _set_cookie(response: Response, settings: Settings, name: str, value: str, max_age: int, path: str,
                samesite: str = "lax") -> None:
    # Lax keeps links from e-mail into the dashboard working; every POST is CSRF-checked anyway.
    response.set_cookie(name, value, max_age=max_age, path=path, httponly=True, samesite=samesite,
                        secure=settings.secure_cookies)


# ------------------------------------------------------------------ session cookie (HTML pages)
def set_session_cookie(response: Response, settings: Settings, token: str) -> None:
    value = _serializer(settings, "session").dumps(token)
    _set_cookie(response, settings, SESSION_COOKIE, value, int(SESSION_LIFETIME.total_seconds()), "/admin")


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/admin", httponly=True, samesite="lax",
                           secure=settings.secure_cookies)


def session_token(settings: Settings, cookie: str | None) -> str | None:
    token = _loads(settings, "session", cookie, int(SESSION_LIFETIME.total_seconds()))
    return token if isinstance(token, str) else None


# ------------------------------------------------------------------ CSRF
def csrf_ok(expected: str | None, submitted: str | None) -> bool:
    return bool(expected and submitted) and hmac.compare_digest(expected.encode(), submitted.encode())


def set_login_csrf(response: Response, settings: Settings, token: str) -> None:
    """Double-submit token for the login form, which has no session yet (guards against login CSRF)."""
    _set_cookie(response, settings, LOGIN_CSRF_COOKIE, _serializer(settings, "login").dumps(token),
                LOGIN_FORM_LIFETIME_S, "/admin/login", samesite="strict")


def login_csrf(settings: Settings, cookie: str | None) -> str | None:
    token = _loads(settings, "login", cookie, LOGIN_FORM_LIFETIME_S)
    return token if isinstance(token, str) else None


# ------------------------------------------------------------------ bearer tokens (JSON API)
def issue_token(settings: Settings, user_id: int) -> str:
    return _serializer(settings, "api").dumps({"uid": user_id})


def token_user_id(settings: Settings, token: str | None) -> int | None:
    payload = _loads(settings, "api", token, TOKEN_LIFETIME_S)
    uid = payload.get("uid") if isinstance(payload, dict) else None
    return uid if isinstance(uid, int) else None
