"""rasa_ext.tracker_store.LocalSQLTrackerStore: SQLite tuning and the tracker cache's safety rules.

Every check compares the cached store with what Rasa's own SQLTrackerStore reads back from the same file.
"""
from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
from pathlib import Path

from rasa.core.tracker_store import SQLTrackerStore, create_tracker_store
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, SlotSet, UserUttered
from rasa.utils.endpoints import read_endpoint_config

from rasa_ext.tracker_store import LocalSQLTrackerStore

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = Domain.from_dict({"slots": {"place": {"type": "text", "mappings": [{"type": "custom"}]}}})


def run(coro):
    return asyncio.new_event_loop().run_until_complete(coro)


def make_store(db: Path, **kwargs) -> LocalSQLTrackerStore:
    return LocalSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db), **kwargs)


def stock_events(db: Path, sender: str) -> list[dict]:
    """What Rasa's own SQL tracker store reads for `sender` (latest session)."""
    tracker = run(SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db)).retrieve(sender))
    return [e.as_dict() for e in tracker.events] if tracker else []


def rows(db: Path, sender: str | None = None) -> int:
    with sqlite3.connect(db) as conn:
        if sender is None:
            return conn.execute("select count(*) from events").fetchone()[0]
        return conn.execute("select count(*) from events where sender_id=?", [sender]).fetchone()[0]


def turn(tracker, text: str, ts: float | None = None) -> None:
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}, timestamp=ts))
    tracker.update(SlotSet("place", text, timestamp=ts))
    tracker.update(BotUttered(f"answer to {text}", timestamp=ts))
    tracker.update(ActionExecuted("action_listen", timestamp=ts))


def new_conversation(store, sender: str, ts: float | None = None):
    tracker = run(store.get_or_create_tracker(sender, append_action_listen=False))
    tracker.update(ActionExecuted("action_session_start", timestamp=ts - 0.1 if ts else None))  # as in Rasa: earlier
    tracker.update(SessionStarted(timestamp=ts))
    tracker.update(ActionExecuted("action_listen", timestamp=ts))
    return tracker


def cached_conversation(store, sender: str):
    """A conversation past its first message, saved and checked back into the cache."""
    tracker = new_conversation(store, sender)
    turn(tracker, "first")
    run(store.save(tracker))
    tracker = run(store.retrieve(sender))  # read back from the rows once (see the test below)
    turn(tracker, "a")
    run(store.save(tracker))
    assert store._entries[sender].tracker is tracker and not store._entries[sender].checked_out
    return tracker


def test_sqlite_connections_use_wal_normal_and_busy_timeout(tmp_path):
    store = make_store(tmp_path / "t.db", busy_timeout_ms=4321)
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("pragma synchronous").scalar() == 1  # NORMAL
        assert conn.exec_driver_sql("pragma busy_timeout").scalar() == 4321


def test_endpoints_yml_loads_this_store_not_the_in_memory_fallback(tmp_path, monkeypatch):
    # Rasa silently falls back to InMemoryTrackerStore when `type:` cannot be imported: conversations would not
    # survive a restart. This loads bot/endpoints.yml exactly as `rasa run` does.
    monkeypatch.setenv("TRACKER_DB_PATH", str(tmp_path / "tracker.db"))
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:1/webhook")
    config = read_endpoint_config(str(ROOT / "bot" / "endpoints.yml"), "tracker_store")
    assert config.type == "rasa_ext.tracker_store.LocalSQLTrackerStore"
    store = create_tracker_store(config, DOMAIN)
    assert isinstance(store, LocalSQLTrackerStore)
    assert store.cache_size > 0


def test_conversation_is_cached_and_stored_exactly_like_the_stock_store(tmp_path):
    db = tmp_path / "t.db"
    store = make_store(db)
    tracker = new_conversation(store, "u1")
    turn(tracker, "first")
    run(store.save(tracker))
    # The first message's tracker starts with action_session_start, which the rows of the session do not return.
    tracker = run(store.retrieve("u1"))
    assert [e.as_dict() for e in tracker.events] == stock_events(db, "u1")
    for i in range(5):
        turn(tracker, f"message {i}")
        run(store.save(tracker))
        again = run(store.retrieve("u1"))
        assert again is tracker  # a cache hit hands out the same object (checked out)
        assert [e.as_dict() for e in again.events] == stock_events(db, "u1")
    assert store.stats["hits"] == 5
    # Every event stored once: the session's events and nothing twice.
    assert rows(db, "u1") == len(tracker.events) + 1 == 3 + 6 * 4


def test_a_checked_out_tracker_is_not_handed_out_twice(tmp_path):
    db = tmp_path / "t.db"
    store = make_store(db)
    tracker = cached_conversation(store, "u1")
    first = run(store.retrieve("u1"))
    second = run(store.retrieve("u1"))  # e.g. GET /conversations/<id>/tracker while a message is handled
    assert first is tracker and second is not tracker
    turn(first, "b")
    run(store.save(first))  # not the checked-out object any more: Rasa's own path, no duplicate rows
    assert [e.as_dict() for e in first.events] == stock_events(db, "u1")
    assert rows(db, "u1") == len(first.events) + 1  # + the first message's action_session_start


def test_a_tracker_changed_after_its_save_is_read_again_from_the_database(tmp_path):
    db = tmp_path / "t.db"
    store = make_store(db)
    tracker = cached_conversation(store, "u1")
    turn(tracker, "never saved")  # e.g. the processor failed half-way through a message after saving
    again = run(store.retrieve("u1"))
    assert again is not tracker
    assert [e.as_dict() for e in again.events] == stock_events(db, "u1")
    assert "never saved" not in str([e.as_dict() for e in again.events])


def test_another_writer_invalidates_the_cached_tracker(tmp_path):
    """A restart (or a second process) writes the same sender: the old cache must not serve or overwrite it."""
    db = tmp_path / "t.db"
    old = make_store(db)
    tracker = cached_conversation(old, "u1")
    other = make_store(db)
    theirs = run(other.retrieve("u1"))
    turn(theirs, "from the other process")
    run(other.save(theirs))
    mine = run(old.retrieve("u1"))
    assert mine is not tracker and old.stats["stale"] == 1
    assert [e.as_dict() for e in mine.events] == stock_events(db, "u1")
    turn(mine, "b")
    run(old.save(mine))
    assert rows(db, "u1") == len(mine.events) + 1


def purge(db: Path) -> int:
    """The real civic.retention.purge_old_conversations, run like `civic contacts-purge` (app env, another process)."""
    script = ("import sys; from pathlib import Path; from civic.retention import purge_old_conversations; "
              "print(purge_old_conversations(Path(sys.argv[1]), days=180))")
    out = subprocess.run([str(ROOT / ".venv" / "bin" / "python"), "-c", script, str(db)], capture_output=True,
                         text=True, check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return int(out.stdout.strip())


def old_then_recent(store, db: Path):
    """A conversation (one session) that began long ago with a phone number, and goes on today."""
    tracker = new_conversation(store, "u1", ts=1_000.0)
    turn(tracker, "first", ts=1_000.0)
    run(store.save(tracker))
    tracker = run(store.retrieve("u1"))
    turn(tracker, "old phone 010-0000-0000", ts=1_000.0)
    run(store.save(tracker))
    turn(tracker, "recent")
    run(store.save(tracker))
    with sqlite3.connect(db) as conn:
        old_rows = conn.execute("select count(*) from events where timestamp < 2000").fetchone()[0]
    return tracker, old_rows


def phone_rows(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return conn.execute("select count(*) from events where data like '%010-0000-0000%'").fetchone()[0]


def test_retention_purge_under_a_cached_tracker_drops_it(tmp_path):
    db = tmp_path / "t.db"
    store = make_store(db)
    tracker, old_rows = old_then_recent(store, db)
    assert store._entries["u1"].tracker is tracker  # cached, idle
    before = rows(db, "u1")
    assert purge(db) == old_rows == 11
    again = run(store.retrieve("u1"))
    assert again is not tracker and store.stats["stale"] == 1
    assert "010-0000-0000" not in str([e.as_dict() for e in again.events])
    turn(again, "after purge")
    run(store.save(again))
    assert rows(db, "u1") == before - old_rows + 4 and phone_rows(db) == 0


def test_retention_purge_during_a_message_is_not_undone_by_its_save(tmp_path):
    db = tmp_path / "t.db"
    store = make_store(db)
    tracker, old_rows = old_then_recent(store, db)
    in_flight = run(store.retrieve("u1"))
    assert in_flight is tracker  # checked out: a message is being handled
    before = rows(db, "u1")
    assert purge(db) == old_rows
    turn(in_flight, "during the purge")
    run(store.save(in_flight))
    # Only the new turn is written; Rasa's own rule (count the session's rows) would have written 11 old events back.
    assert rows(db, "u1") == before - old_rows + 4 and phone_rows(db) == 0
    assert run(store.retrieve("u1")) is not in_flight  # not cached: the rows changed under it


def test_a_new_session_in_memory_is_not_cached_and_not_duplicated(tmp_path):
    db = tmp_path / "t.db"
    store = make_store(db)
    cached_conversation(store, "u1")
    tracker = run(store.retrieve("u1"))
    tracker.update(ActionExecuted("action_session_start"))  # the session expired: Rasa starts a new one
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    turn(tracker, "b")
    run(store.save(tracker))
    again = run(store.retrieve("u1"))
    assert again is not tracker  # the database returns only the latest session
    assert [e.as_dict() for e in again.events] == stock_events(db, "u1")
    assert rows(db, "u1") == len(tracker.events) + 1  # both sessions, each event once (+ action_session_start)
    turn(again, "c")
    run(store.save(again))
    assert rows(db, "u1") == len(tracker.events) + 1 + 4


def test_lru_bound_ttl_and_switch_off(tmp_path, monkeypatch):
    db = tmp_path / "t.db"
    store = make_store(db, cache_size=2, cache_ttl_s=300)
    trackers = {}
    for sender in ("a", "b", "c"):
        trackers[sender] = cached_conversation(store, sender)
    assert list(store._entries) == ["b", "c"]  # "a" was the least recently used
    assert run(store.retrieve("a")) is not trackers["a"]
    store._entries["c"].last_used -= 301  # idle longer than the TTL
    assert run(store.retrieve("c")) is not trackers["c"]
    monkeypatch.setenv("TRACKER_CACHE_SIZE", "0")
    off = make_store(db)
    tracker = run(off.retrieve("b"))
    turn(tracker, "y")
    run(off.save(tracker))
    assert not off._entries and run(off.retrieve("b")) is not tracker
    assert [e.as_dict() for e in run(off.retrieve("b")).events] == stock_events(db, "b")


def test_the_trained_bot_behaves_the_same_with_the_cache(agent, tmp_path):
    """The project model, one conversation, twice: with Rasa's SQL store and with this store (cache hits)."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    texts = ["안녕하세요", "뭐 할 수 있어요?", "생활 불편 제안하기", "고마워요", "AI 사관학교는 어떤 곳이에요?", "안녕하세요"]
    stores = {"stock": SQLTrackerStore(domain=agent.domain, dialect="sqlite", db=str(tmp_path / "stock.db")),
              "local": LocalSQLTrackerStore(domain=agent.domain, dialect="sqlite", db=str(tmp_path / "local.db"))}
    saved = agent.tracker_store, agent.processor.tracker_store
    answers, events = {}, {}
    loop = asyncio.new_event_loop()
    try:
        for name, store in stores.items():
            agent.tracker_store = agent.processor.tracker_store = store
            answers[name] = []
            for text in texts:
                out = CollectingOutputChannel()
                loop.run_until_complete(agent.handle_message(UserMessage(text, out, sender_id="web:same")))
                answers[name].append([(m.get("text"), [b.get("payload") for b in m.get("buttons") or []])
                                      for m in out.messages])
            db = tmp_path / f"{name}.db"
            tracker = loop.run_until_complete(
                SQLTrackerStore(domain=agent.domain, dialect="sqlite", db=str(db)).retrieve("web:same"))
            events[name] = [(e.type_name, getattr(e, "action_name", None), getattr(e, "text", None))
                            for e in tracker.events]
    finally:
        agent.tracker_store, agent.processor.tracker_store = saved
        loop.close()
    assert stores["local"].stats["hits"] >= len(texts) - 2  # the first two messages read the rows
    assert answers["local"] == answers["stock"]
    assert events["local"] == events["stock"]
