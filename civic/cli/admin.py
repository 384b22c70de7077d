"""`civic admin create-user NAME` and `civic admin list-users` (registered by civic/cli/__init__.py)."""
from __future__ import annotations

import getpass
import sys

import typer

from civic.admin import users

admin_app = typer.Typer(help="관리자 계정 관리", no_args_is_help=True)


def _db():
    from civic.db import migrate, open_db
    from civic.settings import get_settings

    db = open_db(get_settings().db_path)
    migrate(db)
    return db


def _read_password() -> str:
    if not sys.stdin.isatty():
        # Scripts pipe the password in: first line only, without its newline.
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("비밀번호: ")
    if first != getpass.getpass("비밀번호 확인: "):
        typer.echo("두 비밀번호가 달라요. 다시 실행해 주세요.", err=True)
        raise typer.Exit(1)
    return first


@admin_app.command("create-user")
def create_user(
    name: str = typer.Argument(..., help="아이디 (영문 소문자·숫자·_.-, 3~32자)"),
    role: str = typer.Option("admin", help="admin(모든 권한) 또는 viewer(읽기 전용)"),
) -> None:
    """관리자 계정을 만들어요. 비밀번호는 표준 입력(파이프) 또는 프롬프트로 받아요."""
    password = _read_password()
    db = _db()
    try:
        user = users.create_user(db, name, password, role=role)
    except users.UserError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    finally:
        db.close()
    typer.echo(f"관리자 계정을 만들었어요: {user.username} ({user.role})")


@admin_app.command("list-users")
def list_users() -> None:
    """관리자 계정 목록을 보여 줘요 (비밀번호 해시는 보여 주지 않아요)."""
    db = _db()
    try:
        rows = users.list_users(db)
    finally:
        db.close()
    if not rows:
        typer.echo("관리자 계정이 없어요. `civic admin create-user 아이디`로 만들어 주세요.")
        return
    for u in rows:
        state = "사용" if u.active else "중지"
        typer.echo(f"{u.username}\t{u.role}\t{state}\t마지막 로그인: {u.last_login_at or '-'}")


@admin_app.command("set-password")
def set_password(name: str) -> None:
    """비밀번호를 바꾸고 그 계정의 열린 세션을 모두 끝내요. 새 비밀번호는 표준 입력 또는 프롬프트로 받아요."""
    password = _read_password()
    db = _db()
    try:
        users.set_password(db, name, password)
    except users.UserError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    finally:
        db.close()
    typer.echo(f"비밀번호를 바꿨어요: {users.normalize_username(name)}")


@admin_app.command("disable-user")
def disable_user(name: str) -> None:
    """계정을 사용 중지하고 열린 세션을 모두 끝내요."""
    _set_active(name, False)
    typer.echo(f"계정을 사용 중지했어요: {name}")


@admin_app.command("enable-user")
def enable_user(name: str) -> None:
    """사용 중지한 계정을 다시 사용하게 해요."""
    _set_active(name, True)
    typer.echo(f"계정을 다시 사용하게 했어요: {name}")


def _set_active(name: str, active: bool) -> None:
    db = _db()
    try:
        users.set_active(db, name, active)
    except users.UserError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(1) from None
    finally:
        db.close()


def register(app: typer.Typer) -> None:
    app.add_typer(admin_app, name="admin")
