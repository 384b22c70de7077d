"""Contacts are kept only for the announced period (settings.contact_retention_days), then deleted.

`purge_expired_contacts` runs after every stored proposal (cheap: an indexed DELETE) and from the CLI
(`civic contacts-purge`, e.g. from a daily timer), so deletion never depends on one scheduler.
"""
from __future__ import annotations

import logging
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path

from sqlite_utils import Database

from civic.proposals import iso, utcnow

log = logging.getLogger(__name__)


def purge_expired_contacts(db: Database, now: datetime | None = None) -> int:
    """Delete every contact whose retention period has ended; returns how many were deleted."""
    cursor = db.execute("DELETE FROM contacts WHERE expires_at <= ?", [iso(now or utcnow())])
    if cursor.rowcount:
        log.info("deleted %d expired contacts", cursor.rowcount)
    return cursor.rowcount


def contacts_summary(db: Database, now: datetime | None = None) -> dict[str, int]:
    """Aggregate figures only (for operators): kept and overdue contacts."""
    moment = iso(now or utcnow())
    kept = db.execute("SELECT count(*) FROM contacts WHERE expires_at > ?", [moment]).fetchone()[0]
    overdue = db.execute("SELECT count(*) FROM contacts WHERE expires_at <= ?", [moment]).fetchone()[0]
    return {"kept": kept, "overdue": overdue}


def purge_old_conversations(tracker_db: Path, days: int, now: datetime | None = None) -> int:
    """Delete Rasa tracker events older than `days` (Rasa's SQL tracker store, table `events`).

    What the citizen typed (a phone number at the contact question, too) lives in those events; they follow the
    same retention as contacts. Returns the number of events deleted; a missing store is not an error.
    """
    if not tracker_db.exists():
        return 0
    cutoff = ((now or utcnow()) - timedelta(days=days)).timestamp()
    with sqlite3.connect(tracker_db, timeout=30) as conn:
        has_events = conn.execute("select 1 from sqlite_master where type='table' and name='events'").fetchone()
        if not has_events:
            return 0
        deleted = conn.execute("DELETE FROM events WHERE timestamp < ?", [cutoff]).rowcount
    if deleted:
        log.info("deleted %d conversation events older than %d days", deleted, days)
    return deleted
