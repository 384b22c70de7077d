"""Administrator accounts: argon2id password hashes, roles, and login throttling (per IP and per account).

Failed logins are counted per IP and per *typed* user name (existing or not, so a lockout never reveals whether an
account exists). Past the limit the key is locked for a while; attempts while locked are refused without checking
the password and do not extend the lock.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlite_utils import Database

ROLES = ("admin", "viewer")  # viewer: reads everything, changes nothing (403 on writes)
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,31}$")
MIN_PASSWORD_CHARS = 10
MAX_PASSWORD_CHARS = 256  # bounded so a huge password cannot make hashing a denial of service

# Tests swap in cheaper parameters (tests/app/admin_support.py); production uses the RFC 9106 defaults.
password_hasher = PasswordHasher()


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    # Fixed width (microseconds, +00:00) so that string order is time order in SQL comparisons.
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class AdminUser:
    id: int
    username: str
    role: str
    active: bool
    created_at: str
    last_login_at: str | None = None

    @property
    def can_write(self) -> bool:
        return self.active and self.role == "admin"


@dataclass(frozen=True)
class LoginLimits:
    user_max_failures: int = 5
    ip_max_failures: int = 20
    window: timedelta = timedelta(minutes=15)
    lock_for: timedelta = timedelta(minutes=15)
    keep_attempts: timedelta = timedelta(days=30)


DEFAULT_LIMITS = LoginLimits()


class UserError(ValueError):
    """Invalid account data; the message is Korean and safe to show."""


class LoginError(Exception):
    status_code = 401

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidCredentials(LoginError):
    def __init__(self) -> None:
        super().__init__("아이디 또는 비밀번호가 올바르지 않아요.")


class LoginLocked(LoginError):
    status_code = 429

    def __init__(self, retry_after_s: int) -> None:
        minutes = max(1, math.ceil(retry_after_s / 60))
        super().__init__(f"로그인 시도가 너무 많아 잠시 잠겼어요. {minutes}분 후에 다시 시도해 주세요.")
        self.retry_after_s = retry_after_s


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()


def _row_to_user(row: dict) -> AdminUser:
    return AdminUser(id=row["id"], username=row["username"], role=row["role"], active=bool(row["active"]),
                     created_at=row["created_at"], last_login_at=row.get("last_login_at"))


def validate_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_CHARS:
        raise UserError(f"비밀번호는 {MIN_PASSWORD_CHARS}자 이상이어야 해요.")
    if len(password) > MAX_PASSWORD_CHARS:
        raise UserError(f"비밀번호는 {MAX_PASSWORD_CHARS}자 이하로 정해 주세요.")
    if password.strip() != password or not password.strip():
        raise UserError("비밀번호 앞뒤에 공백을 넣을 수 없어요.")


def create_user(db: Database, username: str, password: str, role: str = "admin",
                now: datetime | None = None) -> AdminUser:
    name = normalize_username(username)
    if not USERNAME_RE.match(name):
        raise UserError("아이디는 영문 소문자·숫자·_.- 로 3~32자여야 해요.")
    if role not in ROLES:
        raise UserError(f"역할은 {', '.join(ROLES)} 중 하나여야 해요.")
    validate_password(password)
    if get_user_by_name(db, name) is not None:
        raise UserError(f"이미 있는 아이디예요: {name}")
    row = {"username": name, "password_hash": password_hasher.hash(password), "role": role, "active": 1,
           "created_at": iso(now or utcnow()), "last_login_at": None}
    table = db["admin_users"]
    table.insert(row)
    return _row_to_user({**row, "id": table.last_pk})


def get_user(db: Database, user_id: int) -> AdminUser | None:
    rows = list(db["admin_users"].rows_where("id = ?", [user_id]))
    return _row_to_user(rows[0]) if rows else None


def get_user_by_name(db: Database, username: str) -> AdminUser | None:
    rows = list(db["admin_users"].rows_where("username = ?", [normalize_username(username)]))
    return _row_to_user(rows[0]) if rows else None


def list_users(db: Database) -> list[AdminUser]:
    return [_row_to_user(r) for r in db["admin_users"].rows_where(order_by="username")]


def set_active(db: Database, username: str, active: bool) -> None:
    user = get_user_by_name(db, username)
    if user is None:
        raise UserError(f"없는 아이디예요: {normalize_username(username)}")
    with db.atomic():
        db["admin_users"].update(user.id, {"active": int(active)})
        if not active:
            db.execute("DELETE FROM admin_sessions WHERE user_id = ?", [user.id])


def set_password(db: Database, username: str, password: str) -> None:
    """Replace the password and end the account's open sessions."""
    user = get_user_by_name(db, username)
    if user is None:
        raise UserError(f"없는 아이디예요: {normalize_username(username)}")
    validate_password(password)
    with db.atomic():
        db["admin_users"].update(user.id, {"password_hash": password_hasher.hash(password)})
        db.execute("DELETE FROM admin_sessions WHERE user_id = ?", [user.id])


_dummy_hash: str | None = None


def _burn_time(password: str) -> None:
    """Verify against a throw-away hash so unknown accounts answer as slowly as known ones."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = password_hasher.hash("not-a-real-password")
    try:
        password_hasher.verify(_dummy_hash, password)
    except VerificationError:
        pass


def lock_remaining_s(db: Database, username: str, ip: str, now: datetime | None = None) -> int:
    """Seconds until both the account name and the IP may try again (0 when neither is locked)."""
    now_s = iso(now or utcnow())
    keys = [f"user:{normalize_username(username)[:64]}", f"ip:{ip}"]
    rows = db.execute(
        "SELECT max(locked_until) FROM login_lockouts WHERE key IN (?, ?) AND locked_until > ?", [*keys, now_s]
    ).fetchone()
    if not rows or rows[0] is None:
        return 0
    until = datetime.fromisoformat(rows[0])
    return max(1, math.ceil((until - (now or utcnow())).total_seconds()))


def _failures_since(db: Database, column: str, value: str, since: str) -> int:
    return db.execute(
        f"SELECT count(*) FROM login_attempts WHERE {column} = ? AND success = 0 AND at > ?", [value, since]
    ).fetchone()[0]


def _last(db: Database, sql: str, params: list) -> str:
    row = db.execute(sql, params).fetchone()
    return row[0] if row and row[0] else ""


def _record_failure(db: Database, name: str, ip: str, now: datetime, limits: LoginLimits) -> None:
    now_s = iso(now)
    window_start = iso(now - limits.window)
    with db.atomic():
        db["login_attempts"].insert({"at": now_s, "ip": ip, "username": name, "success": 0})
        user_key, ip_key = f"user:{name}", f"ip:{ip}"
        # Count only failures after the last success and after the last lock, so an expired lock starts afresh.
        since_user = max(window_start,
                         _last(db, "SELECT max(at) FROM login_attempts WHERE username = ? AND success = 1", [name]),
                         _last(db, "SELECT locked_at FROM login_lockouts WHERE key = ?", [user_key]))
        since_ip = max(window_start, _last(db, "SELECT locked_at FROM login_lockouts WHERE key = ?", [ip_key]))
        until = iso(now + limits.lock_for)
        if _failures_since(db, "username", name, since_user) >= limits.user_max_failures:
            db["login_lockouts"].upsert({"key": user_key, "locked_at": now_s, "locked_until": until}, pk="key")
        if _failures_since(db, "ip", ip, since_ip) >= limits.ip_max_failures:
            db["login_lockouts"].upsert({"key": ip_key, "locked_at": now_s, "locked_until": until}, pk="key")


def authenticate(db: Database, username: str, password: str, ip: str, *, now: datetime | None = None,
                 limits: LoginLimits = DEFAULT_LIMITS) -> AdminUser:
    """Return the active user, or raise InvalidCredentials / LoginLocked (with a Korean message)."""
    now = now or utcnow()
    name = normalize_username(username)[:64]
    ip = (ip or "unknown")[:64]
    remaining = lock_remaining_s(db, name, ip, now)
    if remaining:
        raise LoginLocked(remaining)

    rows = list(db["admin_users"].rows_where("username = ?", [name]))
    row = rows[0] if rows else None
    ok = False
    if row is None or not row["active"] or not password or len(password) > MAX_PASSWORD_CHARS:
        if password and len(password) <= MAX_PASSWORD_CHARS:
            _burn_time(password)
    else:
        try:
            ok = password_hasher.verify(row["password_hash"], password)
        except (VerificationError, InvalidHashError):
            ok = False

    if not ok:
        _record_failure(db, name, ip, now, limits)
        remaining = lock_remaining_s(db, name, ip, now)
        if remaining:
            raise LoginLocked(remaining)
        raise InvalidCredentials()

    updates = {"last_login_at": iso(now)}
    if password_hasher.check_needs_rehash(row["password_hash"]):
        updates["password_hash"] = password_hasher.hash(password)
    with db.atomic():
        db["login_attempts"].insert({"at": iso(now), "ip": ip, "username": name, "success": 1})
        db["admin_users"].update(row["id"], updates)
        db.execute("DELETE FROM login_attempts WHERE at < ?", [iso(now - limits.keep_attempts)])
        db.execute("DELETE FROM login_lockouts WHERE locked_until < ?", [iso(now)])
    return _row_to_user({**row, **updates})
