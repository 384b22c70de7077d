"""The one SQLite database (sqlite-utils, WAL): opening it and applying every package's versioned migrations.

Each package owns its tables through a sqlite-utils `Migrations` group in its own `schema` module; `migrate` applies
them in a fixed order. Modules that do not exist yet are skipped, so the store works before every part is written.
Nothing here runs at import time.
"""
from __future__ import annotations

import fcntl
import importlib
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

log = logging.getLogger(__name__)

MIGRATION_MODULES: tuple[str, ...] = ("civic.schema", "civic.clustering.schema", "civic.admin.schema")
BUSY_TIMEOUT_S = 10.0

_migrated: set[str] = set()
_migrated_lock = threading.Lock()


def open_db(path: str | Path | None = None, *, timeout_s: float = BUSY_TIMEOUT_S) -> Database:
    """A new connection (one per thread or request) in WAL mode with a busy timeout and foreign keys on.

    `path=None` uses settings.db_path; ":memory:" gives a private in-memory database (tests).
    """
    if path is None:
        from civic.settings import get_settings

        path = get_settings().db_path
    memory = str(path) == ":memory:"
    if not memory:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread=False: FastAPI may create a dependency in one worker thread and use it in another;
    # a connection is still never used by two threads at once.
    conn = sqlite3.connect(str(path), timeout=timeout_s, check_same_thread=False)
    db = Database(conn)
    try:
        db.execute(f"PRAGMA busy_timeout = {int(timeout_s * 1000)}")
        db.execute("PRAGMA foreign_keys = ON")
        if not memory:
            db.enable_wal()
    except sqlite3.Error:
        conn.close()  # a full or read-only disk: do not hold the file open until garbage collection
        raise
    return db


def migrate(db: Database) -> list[str]:
    """Apply pending migrations of every schema module; returns the names applied (empty when up to date).

    A lock file next to the database serialises processes that start together (app and action server).
    """
    applied: list[str] = []
    with _migration_lock(db):
        for name in MIGRATION_MODULES:
            module = _optional_module(name)
            if module is None:
                continue
            migrations = module.migrations
            pending = [m.name for m in migrations.pending(db)]
            if pending:
                migrations.apply(db)
                applied += [f"{migrations.name}:{p}" for p in pending]
    if applied:
        log.info("database migrated: %s", ", ".join(applied))
    return applied


def open_migrated(path: str | Path | None = None) -> Database:
    """`open_db` + `migrate` once per process and path: what actions and services call per request."""
    db = open_db(path)
    key = _db_file(db) or ":memory:"
    with _migrated_lock:
        # The table check catches a database file deleted and recreated while the process runs.
        if key not in _migrated or key == ":memory:" or not db["proposals"].exists():
            migrate(db)
            _migrated.add(key)
    return db


@contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """A write transaction that takes the write lock at BEGIN (BEGIN IMMEDIATE), so read-then-write sequences
    such as "next receipt number" cannot interleave between processes. Commits on success, rolls back on error."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.rollback()
        raise
    else:
        db.execute("COMMIT")


def _optional_module(name: str):
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        # Only "this schema module (or its package) does not exist yet" is acceptable; a missing import
        # *inside* an existing module is a real error.
        if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
            log.debug("no schema module %s yet", name)
            return None
        raise


def _db_file(db: Database) -> str | None:
    row = db.execute("PRAGMA database_list").fetchone()
    return row[2] if row and row[2] else None


@contextmanager
def _migration_lock(db: Database) -> Iterator[None]:
    path = _db_file(db)
    if not path:
        yield
        return
    with open(path + ".migrate.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
