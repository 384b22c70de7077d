"""Consistent backups of the SQLite database while the app runs (SQLite's online backup API), and checked restores."""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path


class BackupError(Exception):
    """A backup file that must not be restored; the message is Korean and shown to the operator."""


@dataclass
class BackupReport:
    path: Path
    tables: dict[str, int]
    integrity: str


def default_backup_path(db_path: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%d-%H%M%S")
    return db_path.parent / "backups" / f"{db_path.stem}-{stamp}.db"


def backup(db_path: Path, target: Path) -> BackupReport:
    if not db_path.exists():
        raise BackupError(f"데이터베이스 파일이 없어요: {db_path}")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        raise BackupError(f"이미 같은 이름의 파일이 있어요: {target}")
    src = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(target)
    try:
        # pages=-1 copies in one step under a read lock: a consistent snapshot even while writers are active (WAL).
        src.backup(dst, pages=-1)
    finally:
        dst.close()
        src.close()
    return check(target)


def check(path: Path) -> BackupReport:
    if not path.exists():
        raise BackupError(f"백업 파일이 없어요: {path}")
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
            names = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
            tables = {n: db.execute(f'select count(*) from "{n}"').fetchone()[0] for n in names}
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"SQLite 데이터베이스 파일이 아니거나 손상됐어요: {exc}") from exc
    if integrity != "ok":
        raise BackupError(f"무결성 검사에 실패했어요: {integrity}")
    if "_sqlite_migrations" not in tables:
        raise BackupError("이 프로젝트의 데이터베이스 백업이 아니에요 (마이그레이션 기록이 없어요).")
    return BackupReport(path, tables, integrity)


def restore(backup_path: Path, db_path: Path) -> BackupReport:
    """Check the backup, then copy it over the live database through the backup API (takes SQLite's locks)."""
    report = check(backup_path)
    db_path.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{backup_path}?mode=ro", uri=True)
    dst = sqlite3.connect(db_path, timeout=30)
    try:
        src.backup(dst, pages=-1)
    finally:
        dst.close()
        src.close()
    check(db_path)
    return report
