"""Tables of the proposal store (versioned with sqlite-utils Migrations; never edit an applied migration, add one).

- proposals: the text as written (kept as the citizen's own complaint record) and its masked copy, which is the
  only text administrators see and embeddings use; sender_hash is a salted hash, never the raw channel user id.
- supports: one row per (proposal, citizen); the unique index makes "support once" hold under concurrency.
- status_history: every status change with the official answer, who and when.
- contacts: phone/e-mail kept apart from the text, with consent time and expiry (deleted after retention).
- receipt_counters: the last receipt number per year, incremented inside BEGIN IMMEDIATE.
- civic_meta: small key/value settings of the store (the sender-hash salt).
"""
from __future__ import annotations

import secrets

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

migrations = Migrations("civic.proposals")


@migrations()
def m001_proposal_tables(db: Database) -> None:
    db["civic_meta"].create({"key": str, "value": str}, pk="key", not_null={"value"})
    db["civic_meta"].insert({"key": "sender_salt", "value": secrets.token_hex(32)})

    db["receipt_counters"].create({"year": int, "last": int}, pk="year", not_null={"last"})

    db["proposals"].create(
        {
            "id": int, "receipt": str, "text": str, "masked_text": str, "text_hash": str, "pii_kinds": str,
            "category": str, "category_suggested": str, "district": str, "place": str, "channel": str,
            "sender_hash": str, "source": str, "status": str, "answer": str, "answered_at": str,
            "support_count": int, "created_at": str, "updated_at": str,
            "embedding": bytes, "embedding_version": str, "topic_id": int,
        },
        pk="id",
        not_null={"receipt", "text", "masked_text", "text_hash", "status", "support_count", "created_at",
                  "updated_at", "source", "channel"},
        defaults={"status": "received", "support_count": 0, "source": "chat", "channel": "unknown"},
    )
    db["proposals"].create_index(["receipt"], unique=True)
    db["proposals"].create_index(["sender_hash", "text_hash", "created_at"])
    db["proposals"].create_index(["status", "created_at"])
    db["proposals"].create_index(["category"])
    db["proposals"].create_index(["topic_id"])
    db["proposals"].create_index(["embedding_version", "id"])
    db["proposals"].create_index(["created_at"])

    db["supports"].create(
        {"id": int, "proposal_id": int, "sender_hash": str, "channel": str, "created_at": str},
        pk="id", not_null={"proposal_id", "sender_hash", "created_at"},
        foreign_keys=[("proposal_id", "proposals", "id")],
    )
    db["supports"].create_index(["proposal_id", "sender_hash"], unique=True)
    db["supports"].create_index(["sender_hash"])

    db["status_history"].create(
        {"id": int, "proposal_id": int, "status": str, "previous_status": str, "answer": str, "actor": str,
         "at": str},
        pk="id", not_null={"proposal_id", "status", "actor", "at"},
        foreign_keys=[("proposal_id", "proposals", "id")],
    )
    db["status_history"].create_index(["proposal_id", "id"])

    db["contacts"].create(
        {"id": int, "proposal_id": int, "kind": str, "value": str, "consent_at": str, "expires_at": str},
        pk="id", not_null={"proposal_id", "kind", "value", "consent_at", "expires_at"},
        foreign_keys=[("proposal_id", "proposals", "id")],
    )
    db["contacts"].create_index(["proposal_id"], unique=True)
    db["contacts"].create_index(["expires_at"])
