"""Editing the knowledge base from the admin dashboard: one entry at a time, validated, grounded, never lost.

The dashboard's form gives plain strings (one alias per line, one figure per row); this module turns them into an
entry, checks it with the same rules as a hand edit (knowledge.base.validate_entries) plus the grounding rule (each
new or changed figure's quote must be word for word in its seed article), refuses an edit made on a version of the
file that someone has since changed, and replaces the file atomically. The assistant's search reloads the file when
it changes, so the edit reaches citizens without retraining Rasa.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from knowledge.base import (
    Entry,
    KnowledgeBaseError,
    KnowledgeData,
    read_entries,
    save_entries,
    to_document,
    ungrounded_figures,
    validate_entries,
)

MAX_FIELD_CHARS = 5000  # a whole field of the form; the answer itself is bounded by validate_entries
MAX_LINES = 200
RESERVED_IDS = {"new"}  # /admin/knowledge/new is the form for a new entry
CONFLICT_MESSAGE = ("그사이 다른 관리자가 지식베이스를 수정했어요. 지금 내용을 새로 불러온 뒤 다시 고쳐 주세요. "
                    "(입력하신 내용은 아래에 그대로 남겨 두었어요.)")


class EditError(ValueError):
    """The edit was refused; `errors` are Korean messages for the editor. Nothing was written."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


class EditConflict(EditError):
    """The file changed after the form was opened: saving would silently undo someone else's edit."""

    def __init__(self) -> None:
        super().__init__([CONFLICT_MESSAGE])


class EntryNotFound(LookupError):
    pass


@dataclass
class EntryForm:
    """The form's fields as typed by an editor (all strings; lists one item per line)."""

    id: str = ""
    title: str = ""
    answer: str = ""
    aliases: str = ""
    questions: str = ""
    unknowns: str = ""
    note: str = ""
    sources: list[str] = field(default_factory=list)
    # Figures as parallel columns of the form's rows; a row with all three cells empty is ignored.
    figure_values: list[str] = field(default_factory=list)
    figure_quotes: list[str] = field(default_factory=list)
    figure_sources: list[str] = field(default_factory=list)
    button_titles: list[str] = field(default_factory=list)
    button_payloads: list[str] = field(default_factory=list)

    @classmethod
    def from_entry(cls, entry: Entry) -> EntryForm:
        return cls(id=entry.id, title=entry.title, answer=entry.answer, aliases="\n".join(entry.aliases),
                   questions="\n".join(entry.questions), unknowns="\n".join(entry.unknowns), note=entry.note,
                   sources=list(entry.sources),
                   figure_values=[f.value for f in entry.figures], figure_quotes=[f.quote for f in entry.figures],
                   figure_sources=[f.source for f in entry.figures],
                   button_titles=[b.title for b in entry.buttons], button_payloads=[b.payload for b in entry.buttons])

    def figures(self) -> list[dict[str, str]]:
        rows = _rows(self.figure_values, self.figure_quotes, self.figure_sources)
        return [{"value": v, "quote": q, "source": s} for v, q, s in rows]

    def buttons(self) -> list[dict[str, str]]:
        return [{"title": t, "payload": p} for t, p in _rows(self.button_titles, self.button_payloads)]

    def to_raw(self) -> dict[str, Any]:
        """The entry as it would be written in entries.yml (validated later, with the whole file)."""
        raw: dict[str, Any] = {"id": self.id.strip(), "title": self.title.strip(), "answer": self.answer.strip(),
                               "figures": self.figures(), "aliases": _lines(self.aliases),
                               "questions": _lines(self.questions), "sources": [s.strip() for s in self.sources
                                                                                if s.strip()]}
        if buttons := self.buttons():
            raw["buttons"] = buttons
        if unknowns := _lines(self.unknowns):
            raw["unknowns"] = unknowns
        if self.note.strip():
            raw["note"] = self.note.strip()
        return raw

    def problems(self) -> list[str]:
        """Size limits of the form itself (a pasted article, thousands of lines), before any parsing."""
        out = []
        if self.id.strip() in RESERVED_IDS:
            out.append(f"id '{self.id.strip()}'은(는) 관리 화면 주소에 쓰여서 쓸 수 없어요. 다른 id를 써 주세요.")
        texts = [self.id, self.title, self.answer, self.aliases, self.questions, self.unknowns, self.note,
                 *self.sources, *self.figure_values, *self.figure_quotes, *self.figure_sources, *self.button_titles,
                 *self.button_payloads]
        if any(len(t) > MAX_FIELD_CHARS for t in texts):
            out.append(f"한 칸에 {MAX_FIELD_CHARS:,}자까지 쓸 수 있어요.")
        if any(len(_lines(t)) > MAX_LINES for t in (self.aliases, self.questions, self.unknowns)) or \
                len(self.figure_values) > MAX_LINES:
            out.append(f"목록은 {MAX_LINES}줄까지 쓸 수 있어요.")
        return out


def _lines(text: str) -> list[str]:
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


def _rows(*columns: list[str]) -> list[tuple[str, ...]]:
    width = max((len(c) for c in columns), default=0)
    padded = [list(c) + [""] * (width - len(c)) for c in columns]
    rows = [tuple(cell.strip() for cell in row) for row in zip(*padded)]
    return [row for row in rows if any(row)]


def fingerprint(raw: bytes) -> str:
    """A short fingerprint of the file's bytes: the form carries it, the save compares it."""
    return hashlib.sha256(raw).hexdigest()[:16]


def file_version(path: str | os.PathLike) -> str:
    return fingerprint(Path(path).read_bytes())


def read_versioned(path: str | os.PathLike) -> tuple[KnowledgeData, str]:
    """The entries and the version of the same read (two reads could straddle another editor's save)."""
    data, raw = read_entries(path)
    return data, fingerprint(raw)


@contextmanager
def _editing(path: Path, expected_version: str) -> Iterator[KnowledgeData]:
    """Check the version and write under one lock (also across app processes): two saves made on the same version
    cannot both pass the check, so the second is a conflict instead of silently undoing the first."""
    with open(path.parent / f".{path.name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            data, version = read_versioned(path)
            if version != expected_version:
                raise EditConflict()
            yield data
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def save_entry(path: str | os.PathLike, form: EntryForm, *, original_id: str | None, expected_version: str,
               seeds_dir: str | os.PathLike) -> Entry:
    """Create (original_id None) or replace one entry; raise EditError (Korean) and write nothing on any problem."""
    path = Path(path)
    if problems := form.problems():
        raise EditError(problems)
    with _editing(path, expected_version) as data:
        return _save_entry(path, data, form, original_id, seeds_dir)


def _save_entry(path: Path, data: KnowledgeData, form: EntryForm, original_id: str | None,
                seeds_dir: str | os.PathLike) -> Entry:
    doc = to_document(data)
    raw = form.to_raw()
    ids = [e["id"] for e in doc["entries"]]
    if original_id is None:
        if raw["id"] in ids:
            raise EditError([f"id '{raw['id']}'은(는) 이미 있어요. 다른 id를 써 주세요."])
        doc["entries"].append(raw)
    else:
        if original_id not in ids:
            raise EntryNotFound(original_id)
        if raw["id"] != original_id and raw["id"] in ids:
            raise EditError([f"id '{raw['id']}'은(는) 이미 있어요. 다른 id를 써 주세요."])
        doc["entries"][ids.index(original_id)] = raw
    try:
        checked = validate_entries(doc)
    except KnowledgeBaseError as exc:
        raise EditError(exc.errors) from exc
    entry = checked.by_id[raw["id"]]
    # Only figures this edit adds or changes need their article: an unchanged one was checked when it was written.
    before = set(data.by_id[original_id].figures) if original_id else set()
    new_figures = tuple(f for f in entry.figures if f not in before)
    if new_figures and (problems := ungrounded_figures(checked, seeds_dir, [replace(entry, figures=new_figures)])):
        raise EditError(problems)
    save_entries(path, checked)
    return entry


def delete_entry(path: str | os.PathLike, entry_id: str, *, expected_version: str) -> Entry:
    path = Path(path)
    with _editing(path, expected_version) as data:
        if entry_id not in data.by_id:
            raise EntryNotFound(entry_id)
        if len(data.entries) == 1:
            raise EditError(["마지막 남은 항목은 지울 수 없어요. 지식베이스가 비면 챗봇이 답할 수 없어요."])
        save_entries(path, KnowledgeData(entries=[e for e in data.entries if e.id != entry_id],
                                         sources=data.sources, version=data.version))
        return data.by_id[entry_id]
