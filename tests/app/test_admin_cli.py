"""`civic admin create-user` / `list-users` / `disable-user`: password from a pipe, Korean errors, exit codes."""
# ruff: noqa: F811  (pytest fixtures imported from admin_support)
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from civic.admin import users
from civic.cli import app
from civic.db import open_migrated
from civic.settings import PROJECT_ROOT, get_settings
from tests.app.admin_support import PASSWORD, fast_hasher  # noqa: F401


@pytest.fixture
def db_path(tmp_path, monkeypatch, fast_hasher):
    path = tmp_path / "civic.db"
    monkeypatch.setenv("DB_PATH", str(path))
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_create_user_reads_the_password_from_a_real_pipe(tmp_path):
    """The console script in a subprocess, stdin a pipe (not a terminal), real argon2 cost."""
    env = {**os.environ, "DB_PATH": str(tmp_path / "civic.db"), "PYTHONPATH": str(PROJECT_ROOT)}
    proc = subprocess.run([sys.executable, "-c", "from civic.cli import main; main()", "admin", "create-user",
                           "kim"], input=PASSWORD + "\n", env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    assert "만들었어요: kim (admin)" in proc.stdout and PASSWORD not in proc.stdout + proc.stderr
    db = open_migrated(tmp_path / "civic.db")
    assert users.authenticate(db, "kim", PASSWORD, "127.0.0.1").role == "admin"


def test_viewer_role_list_and_disable(db_path):
    runner = CliRunner()
    assert runner.invoke(app, ["admin", "list-users"]).stdout.startswith("관리자 계정이 없어요")
    result = runner.invoke(app, ["admin", "create-user", "Park", "--role", "viewer"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    listing = runner.invoke(app, ["admin", "list-users"]).stdout
    assert "park\tviewer\t사용" in listing and "$argon2" not in listing
    assert runner.invoke(app, ["admin", "disable-user", "park"]).exit_code == 0
    assert "park\tviewer\t중지" in runner.invoke(app, ["admin", "list-users"]).stdout


@pytest.mark.parametrize("args, password, message", [
    (["admin", "create-user", "kim"], "short\n", "10자 이상"),
    (["admin", "create-user", "kim"], "\n", "10자 이상"),
    (["admin", "create-user", "김관리"], PASSWORD + "\n", "영문"),
    (["admin", "create-user", "kim", "--role", "root"], PASSWORD + "\n", "역할"),
    (["admin", "disable-user", "nobody"], "", "없는 아이디"),
])
def test_bad_input_exits_non_zero_with_a_korean_message(db_path, args, password, message):
    result = CliRunner().invoke(app, args, input=password)
    assert result.exit_code == 1
    assert message in result.output


def test_duplicate_user_is_refused(db_path):
    runner = CliRunner()
    assert runner.invoke(app, ["admin", "create-user", "kim"], input=PASSWORD + "\n").exit_code == 0
    result = runner.invoke(app, ["admin", "create-user", "kim"], input="another-password-1\n")
    assert result.exit_code == 1 and "이미 있는 아이디" in result.output


def test_set_password_replaces_the_hash(db_path):
    runner = CliRunner()
    assert runner.invoke(app, ["admin", "create-user", "kim"], input=PASSWORD + "\n").exit_code == 0
    result = runner.invoke(app, ["admin", "set-password", "kim"], input="brand-new-password\n")
    assert result.exit_code == 0 and "바꿨어요" in result.output
    db = open_migrated(db_path)
    assert users.authenticate(db, "kim", "brand-new-password", "127.0.0.1").username == "kim"
    with pytest.raises(users.InvalidCredentials):
        users.authenticate(db, "kim", PASSWORD, "127.0.0.1")
    assert runner.invoke(app, ["admin", "set-password", "kim"], input="short\n").exit_code == 1
