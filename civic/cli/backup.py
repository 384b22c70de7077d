"""`civic backup` and `civic restore`: thin CLI over civic.backup."""
from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from civic import backup as backups
from civic.settings import get_settings


def register(app: typer.Typer) -> None:
    @app.command("backup")
    def backup_cmd(output: Annotated[Path | None, typer.Option("--output", "-o", help="백업 파일 경로")] = None) -> None:
        """운영 중에도 일관된 데이터베이스 백업을 만들어요 (SQLite backup API)."""
        db_path = get_settings().db_path
        target = output or backups.default_backup_path(db_path)
        try:
            report = backups.backup(db_path, target)
        except backups.BackupError as exc:
            typer.echo(f"백업 실패: {exc}", err=True)
            raise typer.Exit(1)
        typer.echo(f"백업 완료: {report.path} (무결성 {report.integrity}, 제안 {report.tables.get('proposals', 0)}건)")

    @app.command("restore")
    def restore_cmd(
        path: Path,
        check_only: bool = typer.Option(False, "--check-only", help="검사만 하고 복원하지 않아요"),
        yes: bool = typer.Option(False, "--yes", help="확인 질문 없이 복원해요"),
    ) -> None:
        """백업 파일을 검사하고 현재 데이터베이스로 복원해요."""
        try:
            report = backups.check(path)
        except backups.BackupError as exc:
            typer.echo(f"복원할 수 없어요: {exc}", err=True)
            raise typer.Exit(1)
        typer.echo(f"백업 검사 통과: 무결성 {report.integrity}, 제안 {report.tables.get('proposals', 0)}건")
        if check_only:
            return
        db_path = get_settings().db_path
        if not yes and not typer.confirm(f"{db_path} 의 현재 데이터를 이 백업으로 바꿀까요?"):
            raise typer.Exit(1)
        backups.restore(path, db_path)
        typer.echo(f"복원 완료: {db_path}")
