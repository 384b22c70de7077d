"""Exports of proposals and topics as CSV (UTF-8 with BOM, CRLF: Excel opens Korean correctly) and JSON.

Only the masked text leaves the database. Cells that a spreadsheet would read as a formula are defused.
"""
from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone

from sqlite_utils import Database

from civic.admin import dashboard
from civic.proposals import STATUS_LABELS

KINDS = ("proposals", "topics")
FORMATS = ("csv", "json")

PROPOSAL_COLUMNS = [
    ("receipt", "접수번호"), ("created_at", "접수일시(UTC)"), ("status_label", "상태"), ("category", "분류"),
    ("district", "자치구"), ("place", "장소"), ("channel", "채널"), ("supports", "공감 수"),
    ("topic_id", "주제 번호"), ("topic_label", "주제"), ("masked_text", "내용(개인정보 가림)"),
    ("answer", "공식 답변"),
]
TOPIC_COLUMNS = [
    ("id", "주제 번호"), ("label", "주제"), ("size", "제안 수"), ("supports", "공감 수"),
    ("growth", "증감(4주)"), ("districts", "자치구별"),
]
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value: object) -> object:
    """OWASP CSV injection guard: a text cell starting with = + - @ (or tab/CR) gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: list[dict], columns: list[tuple[str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow([title for _, title in columns])
    for row in rows:
        writer.writerow([defuse("" if row.get(key) is None else row.get(key)) for key, _ in columns])
    return buffer.getvalue().encode("utf-8-sig")


def proposal_rows(db: Database) -> list[dict]:
    """Every proposal, oldest first: masked text only (one query; the export of 100,000 rows stays quick)."""
    join = "LEFT JOIN topics t ON t.id = p.topic_id" if db["topics"].exists() else ""
    label = "t.label" if join else "NULL"
    rows = db.query(
        f"SELECT p.id, p.receipt, p.created_at, p.status, p.category, p.district, p.place, p.channel, "
        f"p.support_count AS supports, p.topic_id, {label} AS topic_label, p.masked_text, p.answer "
        f"FROM proposals p {join} ORDER BY p.id")
    return [{**r, "status_label": STATUS_LABELS.get(r["status"], r["status"])} for r in rows]


def topic_rows(db: Database) -> list[dict]:
    rows = []
    for t in dashboard.list_topics(db, "size"):
        row = t.model_dump(exclude={"trend"})
        row["districts"] = "; ".join(f"{d['label']} {d['count']}" for d in row["districts"])
        rows.append(row)
    return rows


def build(db: Database, kind: str, fmt: str) -> tuple[bytes, int]:
    """(file bytes, number of rows)"""
    rows = proposal_rows(db) if kind == "proposals" else topic_rows(db)
    if fmt == "csv":
        return to_csv(rows, PROPOSAL_COLUMNS if kind == "proposals" else TOPIC_COLUMNS), len(rows)
    payload = {"exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"), "kind": kind,
               "count": len(rows), "items": rows}
    return json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8"), len(rows)
