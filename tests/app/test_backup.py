"""`civic backup` / `civic restore`: a consistent online copy while writers run, and a checked restore."""
import os
import subprocess
import sys
import threading

import pytest

from civic import backup as backups
from civic.db import open_migrated
from civic.proposals import ProposalDraft, create_proposal
from civic.settings import PROJECT_ROOT


def _file(db_path, n, prefix):
    db = open_migrated(db_path)
    try:
        for i in range(n):
            create_proposal(db, ProposalDraft(text=f"{prefix} {i}번째 골목 가로등이 고장났어요"),
                            sender_id=f"web:{prefix}-{i}", assign_topic=False)
    finally:
        db.close()


def test_backup_while_writing_is_consistent_and_restores(tmp_path):
    db_path = tmp_path / "civic.db"
    _file(db_path, 5, "초기")
    writer = threading.Thread(target=_file, args=(db_path, 40, "동시"))
    writer.start()
    report = backups.backup(db_path, tmp_path / "b.db")
    writer.join()
    assert report.integrity == "ok"
    copied = report.tables["proposals"]
    assert 5 <= copied <= 45
    # every proposal row in the copy is complete (receipt and text), none half-written
    import sqlite3

    with sqlite3.connect(tmp_path / "b.db") as conn:
        assert conn.execute("select count(*) from proposals where receipt is null or text is null").fetchone()[0] == 0

    restored = tmp_path / "restored.db"
    backups.restore(tmp_path / "b.db", restored)
    assert backups.check(restored).tables["proposals"] == copied


def test_restore_refuses_a_broken_or_foreign_file(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    with pytest.raises(backups.BackupError, match="손상"):
        backups.check(junk)
    import sqlite3

    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table t (x)").connection.close()
    with pytest.raises(backups.BackupError, match="이 프로젝트의"):
        backups.check(other)
    with pytest.raises(backups.BackupError, match="없어요"):
        backups.check(tmp_path / "missing.db")


def test_cli_round_trip(tmp_path):
    db_path = tmp_path / "civic.db"
    _file(db_path, 3, "CLI")
    env = dict(os.environ, DB_PATH=str(db_path), VAR_DIR=str(tmp_path))
    civic = [sys.executable, "-m", "civic.cli"]
    out = subprocess.run(civic + ["backup", "--output", str(tmp_path / "b.db")], env=env, cwd=PROJECT_ROOT,
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert "백업 완료" in out.stdout and "제안 3건" in out.stdout
    _file(db_path, 2, "이후")  # changes after the backup are rolled back by the restore
    out = subprocess.run(civic + ["restore", str(tmp_path / "b.db"), "--yes"], env=env, cwd=PROJECT_ROOT,
                         capture_output=True, text=True, timeout=120, check=False)
    assert out.returncode == 0, out.stderr
    assert backups.check(db_path).tables["proposals"] == 3
    bad = subprocess.run(civic + ["restore", str(tmp_path / "nope.db"), "--yes"], env=env, cwd=PROJECT_ROOT,
                         capture_output=True, text=True, timeout=120, check=False)
    assert bad.returncode == 1 and "복원할 수 없어요" in bad.stderr
