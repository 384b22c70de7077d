"""Administrator accounts: argon2id hashes, validation, throttling per account and per IP, lockout expiry."""
# ruff: noqa: F811  (pytest fixtures imported from admin_support)
from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from civic.admin import users
from civic.admin.users import InvalidCredentials, LoginLimits, LoginLocked, UserError
from tests.app.admin_support import PASSWORD, admin_db, fast_hasher  # noqa: F401  (fixtures)


def test_password_is_stored_as_argon2id_and_verifies(admin_db):
    user = users.create_user(admin_db, "Kim.Admin", PASSWORD)
    stored = admin_db["admin_users"].get(user.id)["password_hash"]
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert user.username == "kim.admin" and user.can_write
    assert users.authenticate(admin_db, "KIM.ADMIN ", PASSWORD, "10.0.0.1").id == user.id


def test_production_hasher_uses_rfc9106_default_cost():
    # No fast_hasher fixture here: this is the module's real hasher.
    assert isinstance(users.password_hasher, PasswordHasher)
    assert users.password_hasher.memory_cost >= 65536 and users.password_hasher.time_cost >= 3


@pytest.mark.parametrize("name, password, role, fragment", [
    ("ab", PASSWORD, "admin", "3~32자"),
    ("관리자", PASSWORD, "admin", "영문"),
    ("good_name", "short", "admin", "10자 이상"),
    ("good_name", " " + PASSWORD, "admin", "공백"),
    ("good_name", "x" * 300, "admin", "256자"),
    ("good_name", PASSWORD, "root", "역할"),
])
def test_bad_account_data_is_refused_in_korean(admin_db, name, password, role, fragment):
    with pytest.raises(UserError, match=fragment):
        users.create_user(admin_db, name, password, role=role)
    assert admin_db["admin_users"].count == 0


def test_duplicate_username_is_refused(admin_db):
    users.create_user(admin_db, "kim", PASSWORD)
    with pytest.raises(UserError, match="이미 있는"):
        users.create_user(admin_db, "KIM", PASSWORD)


def test_wrong_password_unknown_user_and_disabled_user_look_the_same(admin_db):
    users.create_user(admin_db, "kim", PASSWORD)
    users.create_user(admin_db, "lee", PASSWORD)
    users.set_active(admin_db, "lee", False)
    messages = set()
    for name, password in [("kim", "wrong-password"), ("nobody", PASSWORD), ("lee", PASSWORD), ("kim", "")]:
        with pytest.raises(InvalidCredentials) as info:
            users.authenticate(admin_db, name, password, "10.0.0.1")
        messages.add(info.value.message)
    assert messages == {"아이디 또는 비밀번호가 올바르지 않아요."}


def test_account_locks_after_five_failures_even_with_the_right_password_then_unlocks(admin_db):
    users.create_user(admin_db, "kim", PASSWORD)
    now = users.utcnow()
    for i in range(4):
        with pytest.raises(InvalidCredentials):
            users.authenticate(admin_db, "kim", f"wrong-{i}", f"10.0.0.{i}", now=now)
    with pytest.raises(LoginLocked) as info:
        users.authenticate(admin_db, "kim", "wrong-5", "10.0.0.9", now=now)
    assert "15분 후에" in info.value.message and info.value.status_code == 429
    with pytest.raises(LoginLocked):  # the right password does not help while locked, from any IP
        users.authenticate(admin_db, "kim", PASSWORD, "10.9.9.9", now=now + timedelta(minutes=14))
    later = now + timedelta(minutes=15, seconds=1)
    assert users.authenticate(admin_db, "kim", PASSWORD, "10.9.9.9", now=later).username == "kim"


def test_unknown_names_lock_too_so_a_lockout_reveals_nothing(admin_db):
    for _ in range(4):
        with pytest.raises(InvalidCredentials):
            users.authenticate(admin_db, "ghost", "whatever-pw", "10.0.0.1")
    with pytest.raises(LoginLocked):
        users.authenticate(admin_db, "ghost", "whatever-pw", "10.0.0.1")


def test_ip_is_locked_after_many_failures_across_names(admin_db):
    users.create_user(admin_db, "kim", PASSWORD)
    limits = LoginLimits(ip_max_failures=6)
    now = users.utcnow()
    for i in range(5):
        with pytest.raises(InvalidCredentials):
            users.authenticate(admin_db, f"name{i}", "wrong-pass", "192.0.2.7", now=now, limits=limits)
    with pytest.raises(LoginLocked):
        users.authenticate(admin_db, "name9", "wrong-pass", "192.0.2.7", now=now, limits=limits)
    with pytest.raises(LoginLocked):
        users.authenticate(admin_db, "kim", PASSWORD, "192.0.2.7", now=now, limits=limits)
    assert users.authenticate(admin_db, "kim", PASSWORD, "192.0.2.8", now=now, limits=limits)


def test_success_resets_the_account_counter(admin_db):
    users.create_user(admin_db, "kim", PASSWORD)
    for _ in range(3):
        for i in range(4):
            with pytest.raises(InvalidCredentials):
                users.authenticate(admin_db, "kim", f"wrong-{i}", "10.0.0.1")
        users.authenticate(admin_db, "kim", PASSWORD, "10.0.0.1")
    assert admin_db["admin_users"].get(1)["last_login_at"]
