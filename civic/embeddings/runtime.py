"""The embedder every process uses: configured backend, fitted state shared through var/, cached per process.

The offline backend is fitted on a corpus, so its state lives in `<var_dir>/embedder/offline.joblib`. The first
process that needs it and finds none fits it on the stored proposals' masked text plus a built-in set of civic
sentences (so similarity works even on an empty database) and saves it. A full re-cluster refits it on all stored
proposals (`refit`). Every process notices a newer state file by its modification time and reloads, so the app and
the action server never embed with different versions for long; stored vectors carry their version anyway.
"""
from __future__ import annotations

import fcntl
import logging
import sqlite3
import threading
from collections.abc import Sequence
from contextlib import contextmanager
from pathlib import Path

from civic.embeddings.base import Embedder
from civic.embeddings.factory import get_embedder
from civic.embeddings.offline import STATE_FILE, OfflineKoreanEmbedder

log = logging.getLogger(__name__)

SEED_CORPUS = Path(__file__).with_name("seed_corpus.txt")
OFFLINE_ALIASES = {"offline"}
# The first fit happens inside whichever request needs it first: bounded to a few seconds. The re-cluster job
# refits on everything.
FIRST_FIT_LIMIT = 20_000
_lock = threading.Lock()
_cache: dict[tuple, tuple[int, Embedder]] = {}


def seed_texts() -> list[str]:
    lines = SEED_CORPUS.read_text(encoding="utf-8").splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def state_dir(settings) -> Path:
    return Path(settings.var_dir) / "embedder"


def _settings(settings):
    if settings is None:
        from civic.settings import get_settings

        settings = get_settings()
    return settings


def current_embedder(settings=None) -> Embedder:
    """A ready embedder of the configured backend (see the module docstring)."""
    settings = _settings(settings)
    backend = settings.embedder_backend.lower()
    if backend not in OFFLINE_ALIASES:
        key = (backend, settings.embedder_model)
        with _lock:
            if key not in _cache:
                _cache[key] = (0, get_embedder(backend, settings.embedder_model))
            return _cache[key][1]
    directory = state_dir(settings)
    path = directory / STATE_FILE
    key = ("offline", str(path))
    with _lock:
        mtime = _mtime(path)
        cached = _cache.get(key)
        if cached and mtime and cached[0] == mtime:
            return cached[1]
        if not mtime:
            with _file_lock(directory):
                mtime = _mtime(path)  # another process may have fitted it while we waited
                if not mtime:
                    texts = stored_texts(settings.db_path)
                    log.info("fitting the offline embedder on %d stored proposals + %d built-in sentences",
                             len(texts), len(seed_texts()))
                    _new_offline(settings).fit(texts + seed_texts()).save(directory)
                    mtime = _mtime(path)
        embedder = OfflineKoreanEmbedder.load(directory)
        _cache[key] = (mtime, embedder)
        return embedder


def refit(texts: Sequence[str], settings=None, make_current: bool = True) -> tuple[Embedder, object | None]:
    """Fit a fresh embedder for a full re-cluster; returns (embedder, vectors of `texts` or None).

    Pretrained backends have nothing to fit: they return the current embedder and None (embed yourself).
    With make_current=False the caller saves it later with `activate` (after storing the vectors it made), so other
    processes never embed in a space the stored vectors are not in yet.
    """
    settings = _settings(settings)
    if settings.embedder_backend.lower() not in OFFLINE_ALIASES:
        return current_embedder(settings), None
    texts = list(texts)
    embedder = _new_offline(settings)
    # The seed sentences keep common civic words in the vocabulary while few proposals are stored.
    vectors = embedder.fit_embed(texts + seed_texts())[: len(texts)]
    if make_current:
        activate(embedder, settings)
    return embedder, vectors


def activate(embedder: Embedder, settings=None) -> None:
    """Make a freshly fitted offline embedder the current one for every process (atomic file replace)."""
    settings = _settings(settings)
    if not isinstance(embedder, OfflineKoreanEmbedder):
        return
    directory = state_dir(settings)
    with _file_lock(directory):
        path = embedder.save(directory)
    with _lock:
        _cache[("offline", str(path))] = (_mtime(path), embedder)


def describe(settings=None) -> dict:
    """What the dashboard shows: active backend, model and vector-space version."""
    embedder = current_embedder(settings)
    if hasattr(embedder, "describe"):
        return embedder.describe()
    return {"backend": embedder.name, "version": embedder.version}


def reset_cache() -> None:
    with _lock:
        _cache.clear()


def stored_texts(db_path, limit: int = FIRST_FIT_LIMIT) -> list[str]:
    """Masked texts of the most recent stored proposals, read-only (never creates the database)."""
    db_path = Path(db_path)
    if not db_path.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True) as conn:
            cols = {r[1] for r in conn.execute("PRAGMA table_info(proposals)")}
            if not cols:
                return []
            col = "masked_text" if "masked_text" in cols else "text"
            return [r[0] for r in conn.execute(f"SELECT {col} FROM proposals WHERE {col} IS NOT NULL "
                                               "ORDER BY id DESC LIMIT ?", [limit])]
    except sqlite3.Error as exc:
        log.warning("could not read stored proposals to fit the embedder: %s", exc)
        return []


def _new_offline(settings) -> OfflineKoreanEmbedder:
    return OfflineKoreanEmbedder(analyzer=settings.analyzer)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except FileNotFoundError:
        return 0


@contextmanager
def _file_lock(directory: Path):
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".fit.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


__all__ = ["activate", "current_embedder", "describe", "refit", "reset_cache", "seed_texts", "stored_texts"]
