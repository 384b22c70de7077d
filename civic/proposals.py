"""The proposal service: validate, store idempotently with a receipt, support once, status and official answers.

Used by the Rasa actions (citizens) and by the admin dashboard (officials). Plain functions over a sqlite-utils
`Database` (open one with `civic.db.open_migrated`); every write is one BEGIN IMMEDIATE transaction, and a function
returns only after its transaction committed, so a receipt shown to a citizen always refers to a stored row.

Privacy: the `Proposal` value carries the masked text only. The original text is read with `original_text()`, for
the processing of that proposal; contacts are read with `contact_for()`. Neither is ever logged.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
import sqlite3
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Literal

import numpy as np
from sqlite_utils import Database

from civic import categories, pii
from civic.channels import channel_of
from civic.db import immediate
from civic.validation import check_text, clean_text

log = logging.getLogger(__name__)

STATUSES: tuple[str, ...] = ("received", "reviewing", "answered", "rejected")
STATUS_LABELS = {"received": "접수", "reviewing": "검토중", "answered": "답변완료", "rejected": "반려"}
# Statuses whose change must carry an official answer (the reason, for a rejection).
ANSWER_REQUIRED = {"answered", "rejected"}
MAX_ANSWER_CHARS = 5000
KST = timezone(timedelta(hours=9))  # Korea has no daylight saving time
DEDUP_WINDOW = timedelta(seconds=60)
RECEIPT_RE = re.compile(r"gj\s*[-_.]?\s*(\d{4})\s*[-_.]?\s*(\d{1,6})(?!\d)", re.IGNORECASE)


# ---------------------------------------------------------------------------------------------- errors
class ProposalError(Exception):
    """Base class: `message` is polite Korean for the person who caused it, `code` is stable for programs."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code)
        self.code = code
        self.message = message


class InvalidProposal(ProposalError):
    pass


class ProposalNotFound(ProposalError):
    def __init__(self, ref: object) -> None:
        super().__init__("not_found", "해당 제안을 찾을 수 없어요. 접수번호를 다시 확인해 주세요.")
        self.ref = ref


class InvalidStatusChange(ProposalError):
    pass


class StoreUnavailable(ProposalError):
    """The database cannot take the write (disk full, read-only, locked too long): nothing was stored."""

    def __init__(self, reason: str) -> None:
        super().__init__("store_unavailable", "지금은 데이터베이스에 저장할 수 없어요(저장 공간 부족 등). 입력하신 "
                                              "내용은 저장되지 않았으니 잠시 후 다시 시도해 주세요.")
        self.reason = reason


# ---------------------------------------------------------------------------------------------- values
@dataclass(frozen=True)
class ProposalDraft:
    text: str
    category: str | None = None
    district: str | None = None
    place: str | None = None
    contact: pii.Contact | None = None


@dataclass(frozen=True)
class Proposal:
    id: int
    receipt: str
    masked_text: str
    category: str | None
    district: str | None
    place: str | None
    channel: str
    source: str
    status: str
    answer: str | None
    answered_at: str | None
    support_count: int
    created_at: str
    updated_at: str
    topic_id: int | None
    embedding_version: str | None
    pii_kinds: tuple[str, ...] = field(default=())

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def location(self) -> str:
        return " ".join(p for p in (self.district, self.place) if p) or "장소 미상"

    def snippet(self, max_chars: int = 60) -> str:
        text = re.sub(r"\s+", " ", self.masked_text).strip()
        return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


@dataclass(frozen=True)
class CreateResult:
    proposal: Proposal
    created: bool  # False: the same sender sent the same text within a minute; this is the first one


@dataclass(frozen=True)
class SupportResult:
    outcome: Literal["added", "already", "own"]
    proposal: Proposal


@dataclass(frozen=True)
class StatusEntry:
    status: str
    previous_status: str | None
    answer: str | None
    actor: str
    at: str

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)


@dataclass(frozen=True)
class StatusView:
    proposal: Proposal
    own: bool  # the asking citizen filed it: they may see the text snippet, others only status and answer


# ---------------------------------------------------------------------------------------------- helpers
@contextmanager
def _writing(db: Database) -> Iterator[Database]:
    """`immediate(db)`, with SQLite's "disk full" / "read-only" / "locked" failures raised as StoreUnavailable.
    A failed COMMIT can leave the transaction open: it is rolled back so the connection stays usable."""
    try:
        with immediate(db):
            yield db
    except sqlite3.OperationalError as exc:
        if db.conn.in_transaction:
            db.conn.rollback()
        log.error("proposal store write failed: %s", exc)
        raise StoreUnavailable(str(exc)) from exc


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def iso(moment: datetime) -> str:
    # Fixed width, UTC: string order is time order in SQL (same format as civic.admin).
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def text_hash(text: str) -> str:
    norm = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def normalize_receipt(text: str | None) -> str | None:
    """"GJ-2026-000123", "gj 2026 000123", "GJ2026000123", "GJ-2026-123" -> "GJ-2026-000123"; else None."""
    m = RECEIPT_RE.search(text or "")
    if not m:
        return None
    return f"GJ-{m.group(1)}-{int(m.group(2)):06d}"


def format_receipt(year: int, number: int) -> str:
    return f"GJ-{year:04d}-{number:06d}"


_salts: dict[str, str] = {}


def sender_hash(db: Database, sender_id: str) -> str:
    """Salted HMAC of the namespaced sender id: lets a citizen find their own proposals without storing the raw
    Kakao/web id. The salt is generated once per database (civic_meta)."""
    key = _db_key(db)
    salt = _salts.get(key)
    if salt is None:
        row = db.execute("SELECT value FROM civic_meta WHERE key = 'sender_salt'").fetchone()
        salt = row[0]
        if key != ":memory:":
            _salts[key] = salt
    return hmac.new(salt.encode(), sender_id.encode("utf-8"), hashlib.sha256).hexdigest()[:40]


def _db_key(db: Database) -> str:
    row = db.execute("PRAGMA database_list").fetchone()
    return row[2] if row and row[2] else ":memory:"


_COLUMNS = ("id, receipt, masked_text, category, district, place, channel, source, status, answer, answered_at, "
            "support_count, created_at, updated_at, topic_id, embedding_version, pii_kinds")


def _row_to_proposal(row: dict[str, Any]) -> Proposal:
    kinds = tuple(json.loads(row["pii_kinds"])) if row.get("pii_kinds") else ()
    return Proposal(
        id=row["id"], receipt=row["receipt"], masked_text=row["masked_text"], category=row["category"],
        district=row["district"], place=row["place"], channel=row["channel"], source=row["source"],
        status=row["status"], answer=row["answer"], answered_at=row["answered_at"],
        support_count=row["support_count"], created_at=row["created_at"], updated_at=row["updated_at"],
        topic_id=row["topic_id"], embedding_version=row["embedding_version"], pii_kinds=kinds,
    )


def _one(db: Database, where: str, params: Sequence[Any]) -> Proposal | None:
    rows = list(db.query(f"SELECT {_COLUMNS} FROM proposals WHERE {where} LIMIT 1", params))
    return _row_to_proposal(rows[0]) if rows else None


def _clip(value: str | None, limit: int) -> str | None:
    value = clean_text(value)  # the same cleaning as the text: no NUL, control or bidi-override characters
    return value[:limit] if value else None


# ---------------------------------------------------------------------------------------------- create
def embed_text(embedder: Any, masked_text: str) -> tuple[bytes, str] | None:
    """(float32 bytes, version) of the masked text, or None when the embedder fails (the proposal is kept)."""
    if embedder is None:
        return None
    try:
        vector = np.asarray(embedder.embed([masked_text]), dtype=np.float32)[0]
        return vector.tobytes(), embedder.version
    except Exception as exc:  # noqa: BLE001
        # never lose a proposal because of the embedding stage
        log.warning("embedding failed, storing the proposal without a vector: %s", type(exc).__name__)
        return None


def create_proposal(
    db: Database,
    draft: ProposalDraft,
    *,
    sender_id: str | None = None,
    source: str = "chat",
    embedder: Any = None,
    embedding: tuple[bytes, str] | None = None,
    now: datetime | None = None,
    retention_days: int | None = None,
    max_chars: int | None = None,
    assign_topic: bool = True,
) -> CreateResult:
    """Validate and store a proposal; returns after the commit. Raises InvalidProposal for bad text.

    The same sender sending the same text within a minute gets the first proposal back (created=False).
    """
    check = check_text(draft.text, max_chars or _setting("max_proposal_chars", 5000))
    if not check.ok:
        raise InvalidProposal(check.code or "invalid", check.message)
    text = check.text
    masked = pii.mask(text)
    category = draft.category if draft.category in categories.CATEGORIES else None
    suggested = categories.suggest(masked.text).category
    if embedding is None:
        embedding = embed_text(embedder, masked.text)
    now = now or utcnow()
    channel = channel_of(sender_id) if source == "chat" else source
    s_hash = sender_hash(db, sender_id) if sender_id else None
    t_hash = text_hash(text)

    with _writing(db):
        if s_hash:
            dup = _one(db, "sender_hash = ? AND text_hash = ? AND created_at >= ? ORDER BY id DESC",
                       [s_hash, t_hash, iso(now - DEDUP_WINDOW)])
            if dup:
                return CreateResult(dup, created=False)
        receipt = _next_receipt(db, now)
        row = {
            "receipt": receipt, "text": text, "masked_text": masked.text, "text_hash": t_hash,
            "pii_kinds": json.dumps(masked.kinds) if masked.kinds else None,
            "category": category or suggested, "category_suggested": suggested,
            "district": _clip(draft.district, 20), "place": _clip(draft.place, 200),
            "channel": channel, "sender_hash": s_hash, "source": source, "status": "received",
            "support_count": 0, "created_at": iso(now), "updated_at": iso(now),
            "embedding": embedding[0] if embedding else None,
            "embedding_version": embedding[1] if embedding else None,
        }
        proposal_id = db["proposals"].insert(row).last_pk
        db["status_history"].insert({"proposal_id": proposal_id, "status": "received", "previous_status": None,
                                     "answer": None, "actor": "system", "at": iso(now)})
        if draft.contact:
            days = retention_days if retention_days is not None else _setting("contact_retention_days", 180)
            db["contacts"].insert({"proposal_id": proposal_id, "kind": draft.contact.kind,
                                   "value": draft.contact.value, "consent_at": iso(now),
                                   "expires_at": iso(now + timedelta(days=days))})
    proposal = get_proposal(db, proposal_id)
    log.info("proposal stored: %s (channel %s, category %s)", receipt, channel, proposal.category)
    _after_commit(db, proposal, embedding, assign_topic, now)
    return CreateResult(get_proposal(db, proposal_id) if assign_topic else proposal, created=True)


def _after_commit(db: Database, proposal: Proposal, embedding: tuple[bytes, str] | None, assign: bool,
                  now: datetime) -> None:
    """Follow-ups of a committed proposal; none of them may fail the request (the receipt stands)."""
    from civic.retention import purge_expired_contacts
    from civic.similar import note_stored

    try:
        purge_expired_contacts(db, now)
    except Exception as exc:  # noqa: BLE001
        log.warning("contact purge failed: %s", type(exc).__name__)
    if embedding:
        note_stored(db, proposal, np.frombuffer(embedding[0], dtype=np.float32))
    if assign:  # without a vector the topic assignment embeds it itself, or leaves it to the next re-cluster
        _assign_topic(db, proposal.id)


def _next_receipt(db: Database, now: datetime) -> str:
    """Must run inside `immediate(db)`: the counter row is read and bumped under the write lock."""
    year = now.astimezone(KST).year
    db.execute("INSERT INTO receipt_counters (year, last) VALUES (?, 1) "
               "ON CONFLICT(year) DO UPDATE SET last = last + 1", [year])
    number = db.execute("SELECT last FROM receipt_counters WHERE year = ?", [year]).fetchone()[0]
    return format_receipt(year, number)


def _assign_topic(db: Database, proposal_id: int) -> None:
    try:
        from civic.clustering.assign import assign_topic
    except ModuleNotFoundError as exc:
        if exc.name in {"civic.clustering", "civic.clustering.assign"}:
            return
        log.warning("topic assignment unavailable: %s", type(exc).__name__)
        return
    try:
        assign_topic(db, proposal_id)
    except Exception as exc:
        # the proposal is committed; a topic can be assigned by the next re-cluster
        log.warning("topic assignment failed for proposal id %s: %s", proposal_id, type(exc).__name__)
        log.debug("topic assignment failure", exc_info=True)


def _setting(name: str, default: Any) -> Any:
    try:
        from civic.settings import get_settings

        return getattr(get_settings(), name, default)
    except Exception:  # noqa: BLE001
        # settings must not be required by unit tests of the store
        return default


# ---------------------------------------------------------------------------------------------- read
def get_proposal(db: Database, proposal_id: int) -> Proposal:
    proposal = _one(db, "id = ?", [proposal_id])
    if proposal is None:
        raise ProposalNotFound(proposal_id)
    return proposal


def get_by_receipt(db: Database, receipt: str) -> Proposal | None:
    normalized = normalize_receipt(receipt)
    return _one(db, "receipt = ?", [normalized]) if normalized else None


def find(db: Database, ref: int | str) -> Proposal:
    """By id (int) or receipt (str); raises ProposalNotFound."""
    proposal = get_proposal(db, ref) if isinstance(ref, int) else get_by_receipt(db, ref)
    if proposal is None:
        raise ProposalNotFound(ref)
    return proposal


def original_text(db: Database, proposal_id: int) -> str:
    """The text exactly as the citizen wrote it: for processing this proposal only (see docs/privacy.md)."""
    row = db.execute("SELECT text FROM proposals WHERE id = ?", [proposal_id]).fetchone()
    if row is None:
        raise ProposalNotFound(proposal_id)
    return row[0]


def contact_for(db: Database, proposal_id: int, now: datetime | None = None) -> pii.Contact | None:
    """The citizen's contact for the result notice, if consented and not yet expired."""
    row = db.execute("SELECT kind, value FROM contacts WHERE proposal_id = ? AND expires_at > ?",
                     [proposal_id, iso(now or utcnow())]).fetchone()
    return pii.Contact(row[0], row[1]) if row else None


def _filters(status: str | None, category: str | None, topic_id: int | None,
             query: str | None) -> tuple[str, list[Any]]:
    where, params = [], []
    if status:
        where.append("status = ?")
        params.append(status)
    if category:
        where.append("category = ?")
        params.append(category)
    if topic_id is not None:
        where.append("topic_id = ?")
        params.append(topic_id)
    if query:
        where.append("(masked_text LIKE ? ESCAPE '\\' OR receipt = ?)")
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params += [f"%{escaped}%", normalize_receipt(query) or query]
    return (" AND ".join(where) or "1 = 1"), params


_ORDERS = {"new": "id DESC", "old": "id ASC", "support": "support_count DESC, id DESC",
           "updated": "updated_at DESC, id DESC"}


def list_proposals(db: Database, *, status: str | None = None, category: str | None = None,
                   topic_id: int | None = None, query: str | None = None, order: str = "new",
                   limit: int = 50, offset: int = 0) -> list[Proposal]:
    where, params = _filters(status, category, topic_id, query)
    sql = (f"SELECT {_COLUMNS} FROM proposals WHERE {where} ORDER BY {_ORDERS.get(order, _ORDERS['new'])} "
           f"LIMIT ? OFFSET ?")
    return [_row_to_proposal(r) for r in db.query(sql, [*params, max(0, limit), max(0, offset)])]


def count_proposals(db: Database, *, status: str | None = None, category: str | None = None,
                    topic_id: int | None = None, query: str | None = None) -> int:
    where, params = _filters(status, category, topic_id, query)
    return db.execute(f"SELECT count(*) FROM proposals WHERE {where}", params).fetchone()[0]


def proposals_of_sender(db: Database, sender_id: str, limit: int = 5) -> list[Proposal]:
    """The citizen's own proposals on this channel (the sender id is channel-namespaced), newest first."""
    rows = db.query(f"SELECT {_COLUMNS} FROM proposals WHERE sender_hash = ? ORDER BY id DESC LIMIT ?",
                    [sender_hash(db, sender_id), limit])
    return [_row_to_proposal(r) for r in rows]


def lookup_status(db: Database, receipt: str, sender_id: str | None = None) -> StatusView | None:
    proposal = get_by_receipt(db, receipt)
    if proposal is None:
        return None
    own = False
    if sender_id:
        row = db.execute("SELECT sender_hash FROM proposals WHERE id = ?", [proposal.id]).fetchone()
        own = row[0] is not None and hmac.compare_digest(row[0], sender_hash(db, sender_id))
    return StatusView(proposal, own)


def history(db: Database, proposal_id: int) -> list[StatusEntry]:
    rows = db.query("SELECT status, previous_status, answer, actor, at FROM status_history "
                    "WHERE proposal_id = ? ORDER BY id", [proposal_id])
    return [StatusEntry(**r) for r in rows]


# ---------------------------------------------------------------------------------------------- support
def add_support(db: Database, ref: int | str, sender_id: str, now: datetime | None = None) -> SupportResult:
    """One citizen (sender id) supports a proposal at most once; the author cannot support their own.

    Raises ProposalNotFound for an unknown id/receipt.
    """
    now = now or utcnow()
    s_hash = sender_hash(db, sender_id)
    with _writing(db):
        proposal = find(db, ref)
        author = db.execute("SELECT sender_hash FROM proposals WHERE id = ?", [proposal.id]).fetchone()[0]
        if author and hmac.compare_digest(author, s_hash):
            return SupportResult("own", proposal)
        cursor = db.execute(
            "INSERT INTO supports (proposal_id, sender_hash, channel, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(proposal_id, sender_hash) DO NOTHING",
            [proposal.id, s_hash, channel_of(sender_id), iso(now)],
        )
        if cursor.rowcount == 0:
            return SupportResult("already", proposal)
        db.execute("UPDATE proposals SET support_count = support_count + 1 WHERE id = ?", [proposal.id])
    return SupportResult("added", get_proposal(db, proposal.id))


def has_supported(db: Database, proposal_id: int, sender_id: str) -> bool:
    row = db.execute("SELECT 1 FROM supports WHERE proposal_id = ? AND sender_hash = ?",
                     [proposal_id, sender_hash(db, sender_id)]).fetchone()
    return row is not None


# ---------------------------------------------------------------------------------------------- officials
def change_status(db: Database, proposal_id: int, status: str, *, actor: str, answer: str | None = None,
                  now: datetime | None = None) -> Proposal:
    """Set the status (and the official answer); every change is kept in status_history.

    'answered' and 'rejected' need an answer (the reason, for a rejection). Raises InvalidStatusChange.
    """
    if status not in STATUSES:
        raise InvalidStatusChange("unknown_status", f"알 수 없는 상태예요: {status}")
    actor = (actor or "").strip()
    if not actor:
        raise InvalidStatusChange("actor_required", "처리자를 알 수 없어요.")
    answer = (answer or "").strip() or None
    if answer and len(answer) > MAX_ANSWER_CHARS:
        raise InvalidStatusChange("answer_too_long", f"답변은 {MAX_ANSWER_CHARS:,}자까지 쓸 수 있어요.")
    if status in ANSWER_REQUIRED and not answer:
        reason = "반려 사유" if status == "rejected" else "답변 내용"
        raise InvalidStatusChange("answer_required", f"{STATUS_LABELS[status]}으로 바꾸려면 {reason}을 적어 주세요.")
    now = now or utcnow()
    with _writing(db):
        current = get_proposal(db, proposal_id)
        if current.status == status and not answer:
            return current
        updates: dict[str, Any] = {"status": status, "updated_at": iso(now)}
        if answer:
            updates.update(answer=answer, answered_at=iso(now))
        db["proposals"].update(proposal_id, updates)
        db["status_history"].insert({"proposal_id": proposal_id, "status": status,
                                     "previous_status": current.status, "answer": answer,
                                     "actor": actor[:64], "at": iso(now)})
    log.info("proposal %s status %s -> %s by %s", current.receipt, current.status, status, actor[:64])
    return get_proposal(db, proposal_id)


def embeddings(db: Database, version: str) -> tuple[np.ndarray, np.ndarray]:
    """(ids, float32 matrix) of every stored vector of one embedding version (for similarity and clustering)."""
    rows = db.execute("SELECT id, embedding FROM proposals WHERE embedding_version = ? AND embedding IS NOT NULL "
                      "ORDER BY id", [version]).fetchall()
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 0), dtype=np.float32)
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    matrix = np.vstack([np.frombuffer(r[1], dtype=np.float32) for r in rows])
    return ids, matrix
