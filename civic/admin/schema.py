"""Tables owned by the admin package, applied by `civic.db.migrate` with the other Migrations groups."""
from __future__ import annotations

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("civic.admin")


@migrations()
def m001_admin_tables(db: Database) -> None:
    db["admin_users"].create(
        {"id": int, "username": str, "password_hash": str, "role": str, "active": int,
         "created_at": str, "last_login_at": str},
        pk="id", not_null={"username", "password_hash", "role", "active", "created_at"},
        defaults={"role": "admin", "active": 1},
    )
    db["admin_users"].create_index(["username"], unique=True)

    # Server-side sessions: the cookie carries a signed random token, the table only its SHA-256,
    # so logout really ends a session and a leaked database does not yield live cookies.
    db["admin_sessions"].create(
        {"token_hash": str, "user_id": int, "csrf_token": str, "created_at": str, "expires_at": str},
        pk="token_hash", not_null={"user_id", "csrf_token", "created_at", "expires_at"},
        foreign_keys=[("user_id", "admin_users", "id")],
    )
    db["admin_sessions"].create_index(["user_id"])

    # Who did what to which id; `detail` holds small JSON of ids/statuses, never proposal text or contacts.
    db["audit_log"].create(
        {"id": int, "at": str, "actor": str, "action": str, "target_type": str, "target_id": str,
         "ip": str, "detail": str},
        pk="id", not_null={"at", "actor", "action"},
    )
    db["audit_log"].create_index(["at"])
    db["audit_log"].create_index(["target_type", "target_id"])

    # Every login attempt (kept for a limited time) and the lockouts it caused, keyed "ip:<addr>" / "user:<name>".
    db["login_attempts"].create(
        {"id": int, "at": str, "ip": str, "username": str, "success": int},
        pk="id", not_null={"at", "ip", "username", "success"},
    )
    db["login_attempts"].create_index(["username", "at"])
    db["login_attempts"].create_index(["ip", "at"])
    db["login_lockouts"].create({"key": str, "locked_at": str, "locked_until": str}, pk="key",
                                not_null={"locked_at", "locked_until"})

    # Administrators' notes on a topic; keyed by the topic id that re-clustering keeps stable.
    db["topic_notes"].create(
        {"id": int, "topic_id": int, "note": str, "author": str, "created_at": str},
        pk="id", not_null={"topic_id", "note", "author", "created_at"},
    )
    db["topic_notes"].create_index(["topic_id"])
