"""Rasa's SQL tracker store, tuned for the single-machine setup (bot/endpoints.yml).

Two changes over `SQLTrackerStore`, both measured (docs/reliability.md, "Tracker store"):

1. SQLite connections use WAL with `synchronous=NORMAL` and a busy timeout, from a small connection pool (SQLAlchemy
   1.4 opens a new SQLite connection per session by default). A power cut may lose the last committed conversation
   events; a process crash (kill -9) loses nothing. Proposals live in civic.db and are not affected.
2. A bounded in-process cache of trackers, so a message does not re-read and re-deserialise its whole conversation.
   It is valid only because one Rasa process with the in-memory lock store is the only writer of its senders
   (not for endpoints.multi.yml). Safety rules:
   - ownership transfer: `retrieve` checks a cached tracker out (nobody else gets that object); `save` of that same
     object writes only the events after the ones already stored and checks it back in. Any other object, or a
     tracker that was changed after its last save, goes through Rasa's own code path.
   - every cache hit and every save compares the sender's (row count, highest row id) in the database with the
     values recorded at the last save. Anything else that wrote or deleted rows of that sender (the retention purge in
     civic/retention.py, a restore, another process) drops the cached tracker, so purged events are never served
     from memory nor written back.
   - LRU bound and an idle TTL; a tracker is cached only if it equals what the database returns (the latest session
     only), so a conversation's first message is read back from the rows once.
"""
from __future__ import annotations

import json
import logging
import os
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

log = logging.getLogger(__name__)

Version = tuple[int, int]  # (number of rows of the sender, highest row id)


@dataclass
class _Entry:
    tracker: DialogueStateTracker
    persisted: int  # how many of tracker.events are stored
    version: Version  # the sender's rows right after that
    last_used: float
    checked_out: bool = False


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else int(default)


class LocalSQLTrackerStore(SQLTrackerStore):
    """`tracker_store: type: rasa_ext.tracker_store.LocalSQLTrackerStore` (SQLite, one Rasa process per sender)."""

    def __init__(
        self,
        domain=None,
        cache_size: int = 1000,
        cache_ttl_s: float = 300,
        busy_timeout_ms: int = 5000,
        **kwargs: Any,
    ) -> None:
        super().__init__(domain=domain, **kwargs)
        # Environment overrides (TRACKER_CACHE_SIZE=0 turns the cache off), so operators need not edit endpoints.yml.
        self.cache_size = max(0, _env_int("TRACKER_CACHE_SIZE", cache_size))
        self.cache_ttl_s = float(_env_int("TRACKER_CACHE_TTL_S", int(cache_ttl_s)))
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self.stats = {"hits": 0, "misses": 0, "stale": 0}
        if self.engine.dialect.name == "sqlite":
            self._use_tuned_sqlite_engine(int(busy_timeout_ms))

    # -- SQLite connections ------------------------------------------------------------------------------------------

    def _use_tuned_sqlite_engine(self, busy_timeout_ms: int) -> None:
        url = self.engine.url
        self.engine.dispose()
        # Rasa runs the store on its event loop thread; the pool keeps connections (and their pragmas) alive.
        self.engine = sa.create_engine(
            url,
            poolclass=sa.pool.QueuePool,
            pool_size=2,
            max_overflow=4,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_ms / 1000},
        )

        def on_connect(dbapi_conn, _record) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
            cursor.close()

        sa.event.listen(self.engine, "connect", on_connect)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    # -- cache -------------------------------------------------------------------------------------------------------

    def _version(self, session, sender_id: str) -> Version:
        count, max_id = session.execute(
            sa.text("SELECT count(*), max(id) FROM events WHERE sender_id = :s"), {"s": sender_id}
        ).one()
        return int(count), int(max_id or 0)

    def _drop(self, sender_id: str) -> None:
        self._entries.pop(sender_id, None)

    def _evict(self, now: float) -> None:
        while self._entries:
            entry = next(iter(self._entries.values()))
            if len(self._entries) > self.cache_size or now - entry.last_used > self.cache_ttl_s:
                self._entries.popitem(last=False)
            else:
                break

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        now = time.monotonic()
        entry = self._entries.get(sender_id)
        if entry is not None and not entry.checked_out and now - entry.last_used <= self.cache_ttl_s:
            with self.session_scope() as session:
                current = self._version(session, sender_id)
            # Events added to the object after its last save were never stored: such a tracker is not trusted.
            if current == entry.version and len(entry.tracker.events) == entry.persisted:
                entry.checked_out = True
                entry.last_used = now
                self._entries.move_to_end(sender_id)
                self.stats["hits"] += 1
                return entry.tracker
            self.stats["stale"] += 1
        self._drop(sender_id)
        self.stats["misses"] += 1
        with self.session_scope() as session:
            version = self._version(session, sender_id)
        tracker = await super().retrieve(sender_id)
        if tracker is not None and self.cache_size:
            # Checked out from the start, so its save writes only the new events (if the rows are still `version`).
            self._entries[sender_id] = _Entry(tracker, len(tracker.events), version, now, checked_out=True)
            self._evict(now)
        return tracker

    async def create_tracker(self, sender_id: str, append_action_listen: bool = True) -> DialogueStateTracker:
        tracker = await super().create_tracker(sender_id, append_action_listen)
        entry = self._entries.get(sender_id)
        if entry is not None and entry.tracker is tracker:
            entry.checked_out = True  # saved, but the caller (get_or_create_tracker) goes on with it
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        sender_id = tracker.sender_id
        entry = self._entries.get(sender_id)
        if not self.cache_size or self.event_broker is not None:
            self._drop(sender_id)
            await super().save(tracker)
            return
        # Ours: the object this store handed out (or created) and last stored `persisted` events of.
        owned = entry is not None and entry.tracker is tracker and entry.persisted <= len(tracker.events)
        self._drop(sender_id)
        events = list(tracker.events)
        with self.session_scope() as session:
            before = self._version(session, sender_id)
            if owned:
                # Exactly what this object gained since it was loaded or saved: rows deleted meanwhile (the
                # retention purge) are never written back, unlike Rasa's rule of counting the session's rows.
                new_events = events[entry.persisted:]
            else:
                new_events = list(self._additional_events(session, tracker))
            if new_events:
                rows = [self._row(sender_id, e) for e in new_events]
                session.execute(self.SQLEvent.__table__.insert(), rows)
            after = self._version(session, sender_id)
            session.commit()
        unchanged = owned and before == entry.version  # nobody else wrote or deleted this sender's rows
        fresh = entry is None and before == (0, 0)  # create_tracker of a new sender
        if (unchanged or fresh) and self._cacheable(tracker, events):
            self._entries[sender_id] = _Entry(tracker, len(events), after, time.monotonic())
            self._evict(time.monotonic())

    @staticmethod
    def _cacheable(tracker: DialogueStateTracker, events: list) -> bool:
        if tracker.events.maxlen is not None:  # a bounded history drops events: counts would not match the rows
            return False
        # The database returns the events from the latest SessionStarted on: a tracker that holds anything before
        # it (a new conversation's action_session_start, an expired session) is read back from the rows next time.
        return not any(isinstance(e, SessionStarted) for e in events[1:])

    @staticmethod
    def _row(sender_id: str, event) -> dict:
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }
