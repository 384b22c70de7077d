"""Annotated dependencies of the admin surface: database, settings, HTML session (+CSRF), API bearer user."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Form, HTTPException, Path, Request
from fastapi.security import OAuth2PasswordBearer
from sqlite_utils import Database

from civic.admin import sessions, users
from civic.db import open_migrated
from civic.settings import Settings
from web.admin import auth

LOGIN_PATH = "/admin/login"
FORBIDDEN = "이 작업을 할 권한이 없어요. 읽기 전용 계정이에요."
CSRF_FAILED = "보안 확인에 실패했어요. 페이지를 새로 고친 뒤 다시 시도해 주세요."

def app_settings(request: Request) -> Settings:
    # The app's own settings (tests build apps with temporary ones), not the process-wide default.
    return request.app.state.settings


AppSettings = Annotated[Settings, Depends(app_settings)]

# Ids in URLs: SQLite integers are 64-bit, so a longer number is refused (422) instead of overflowing the driver.
RowId = Annotated[int, Path(ge=-(2**63), le=2**63 - 1)]


def get_db(settings: AppSettings) -> Iterator[Database]:
    """One connection per request (the schema is migrated once per process and database file)."""
    db = open_migrated(settings.db_path)
    try:
        yield db
    finally:
        db.close()


DbDep = Annotated[Database, Depends(get_db)]


def client_ip(request: Request, settings: Settings) -> str:
    # Same rule as web/ratelimit.py: trust X-Forwarded-For only when configured to sit behind a proxy.
    if settings.trust_proxy_headers:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[-1].strip()[:64]  # the hop our proxy appended, not the client's claim
    return request.client.host if request.client else "unknown"


# ------------------------------------------------------------------ HTML pages: session cookie
def _login_redirect(request: Request) -> HTTPException:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return HTTPException(303, "로그인이 필요해요.", headers={"Location": f"{LOGIN_PATH}?next={quote(target)}"})


def optional_session(request: Request, db: DbDep, settings: AppSettings) -> sessions.Session | None:
    token = auth.session_token(settings, request.cookies.get(auth.SESSION_COOKIE))
    return sessions.get_session(db, token) if token else None


OptionalSession = Annotated[sessions.Session | None, Depends(optional_session)]


def current_session(request: Request, session: OptionalSession) -> sessions.Session:
    if session is None:
        raise _login_redirect(request)
    return session


AdminSession = Annotated[sessions.Session, Depends(current_session)]


def csrf_session(session: AdminSession, csrf_token: Annotated[str | None, Form()] = None) -> sessions.Session:
    """For every HTML POST: the form must carry this session's CSRF token."""
    if not auth.csrf_ok(session.csrf_token, csrf_token):
        raise HTTPException(403, CSRF_FAILED)
    return session


CsrfSession = Annotated[sessions.Session, Depends(csrf_session)]


def writer_session(session: CsrfSession) -> sessions.Session:
    if not session.user.can_write:
        raise HTTPException(403, FORBIDDEN)
    return session


WriterSession = Annotated[sessions.Session, Depends(writer_session)]


def export_session(session: AdminSession) -> sessions.Session:
    # Exports are GET downloads (no CSRF token), read-only, but still restricted to full administrators.
    if not session.user.can_write:
        raise HTTPException(403, FORBIDDEN)
    return session


ExportSession = Annotated[sessions.Session, Depends(export_session)]


# ------------------------------------------------------------------ JSON API: OAuth2 bearer token
oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/admin/token", auto_error=False,
                                     description="관리자 아이디와 비밀번호로 토큰을 받아요 (1시간 유효).")


def api_user(token: Annotated[str | None, Depends(oauth2_scheme)], db: DbDep,
             settings: AppSettings) -> users.AdminUser:
    user_id = auth.token_user_id(settings, token)
    user = users.get_user(db, user_id) if user_id is not None else None
    if user is None or not user.active:
        message = "인증이 필요해요. 토큰을 받아 Authorization: Bearer 헤더로 보내 주세요." if not token \
            else "토큰이 올바르지 않거나 만료됐어요. 다시 로그인해 주세요."
        raise HTTPException(401, message, headers={"WWW-Authenticate": "Bearer"})
    return user


ApiAdmin = Annotated[users.AdminUser, Depends(api_user)]


def api_writer(user: ApiAdmin) -> users.AdminUser:
    if not user.can_write:
        raise HTTPException(403, FORBIDDEN)
    return user


ApiWriter = Annotated[users.AdminUser, Depends(api_writer)]
