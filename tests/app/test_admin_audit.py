"""Audit log entries carry who/what/which id only, and sessions end on logout or when the account is disabled."""
# ruff: noqa: F811  (pytest fixtures imported from admin_support)
import pytest

from civic.admin import audit, sessions, users
from tests.app.admin_support import PASSWORD, admin_db, fast_hasher  # noqa: F401  (fixtures)


def test_audit_records_ids_and_refuses_free_text(admin_db):
    audit.record(admin_db, "kim", "answer", "proposal", 42, ip="10.0.0.1", status="답변완료")
    with pytest.raises(ValueError):
        audit.record(admin_db, "kim", "answer", "proposal", 42, text="시민이 쓴 내용")
    with pytest.raises(ValueError):
        audit.record(admin_db, "kim", "made_up_action")
    [entry] = audit.recent(admin_db, target_type="proposal", target_id=42)
    assert (entry.actor, entry.action, entry.target_id, entry.detail) == ("kim", "answer", "42", {"status": "답변완료"})
    assert entry.action_label == "답변 등록"


def test_session_roundtrip_logout_and_disabled_account(admin_db):
    user = users.create_user(admin_db, "kim", PASSWORD)
    token, session = sessions.create_session(admin_db, user)
    assert sessions.get_session(admin_db, token).csrf_token == session.csrf_token
    assert token not in str(list(admin_db["admin_sessions"].rows)), "only the token's hash is stored"
    sessions.end_session(admin_db, token)
    assert sessions.get_session(admin_db, token) is None

    token, _ = sessions.create_session(admin_db, user)
    users.set_active(admin_db, "kim", False)
    assert sessions.get_session(admin_db, token) is None


def test_expired_session_is_refused(admin_db):
    user = users.create_user(admin_db, "kim", PASSWORD)
    token, _ = sessions.create_session(admin_db, user)
    later = users.utcnow() + sessions.SESSION_LIFETIME
    assert sessions.get_session(admin_db, token, now=later) is None


def test_failed_login_keeps_the_typed_name_only_for_existing_accounts(admin_db):
    users.create_user(admin_db, "kim", PASSWORD)
    audit.record_failed_login(admin_db, "KIM", "10.0.0.1", locked=False)
    audit.record_failed_login(admin_db, "my-secret-password", "10.0.0.1", locked=True)
    entries = audit.recent(admin_db)
    assert [(e.actor, e.detail["reason"]) for e in entries] == [("-", "locked"), ("kim", "invalid")]
