"""Server-side admin sessions: a random token per login, stored as its SHA-256, with a per-session CSRF token."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlite_utils import Database

from civic.admin.users import AdminUser, get_user, iso, utcnow

SESSION_LIFETIME = timedelta(hours=8)


@dataclass(frozen=True)
class Session:
    user: AdminUser
    csrf_token: str
    expires_at: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(db: Database, user: AdminUser, now: datetime | None = None,
                   lifetime: timedelta = SESSION_LIFETIME) -> tuple[str, Session]:
    now = now or utcnow()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = iso(now + lifetime)
    with db.atomic():
        db.execute("DELETE FROM admin_sessions WHERE expires_at < ?", [iso(now)])
        db["admin_sessions"].insert({"token_hash": _hash(token), "user_id": user.id, "csrf_token": csrf,
                                     "created_at": iso(now), "expires_at": expires})
    return token, Session(user, csrf, expires)


def get_session(db: Database, token: str, now: datetime | None = None) -> Session | None:
    rows = list(db["admin_sessions"].rows_where("token_hash = ? AND expires_at > ?",
                                               [_hash(token), iso(now or utcnow())]))
    if not rows:
        return None
    user = get_user(db, rows[0]["user_id"])
    if user is None or not user.active:
        return None
    return Session(user, rows[0]["csrf_token"], rows[0]["expires_at"])


def end_session(db: Database, token: str) -> None:
    db.execute("DELETE FROM admin_sessions WHERE token_hash = ?", [_hash(token)])
