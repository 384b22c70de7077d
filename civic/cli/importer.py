"""`civic import FILE`: load existing proposals from CSV/TSV or JSON Lines; `civic contacts-purge`.

Good rows are imported, every refused row is reported with its line number and the reason (never its text), and
the command exits non-zero when nothing could be imported. Encodings: UTF-8 with or without BOM, CP949 (EUC-KR);
a file mixing them is read line by line and lines in neither encoding are refused.
"""
from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from sqlite_utils import Database

from civic import proposals as P
from civic.validation import MESSAGES, check_text

log = logging.getLogger(__name__)

TEXT_COLUMNS = ("text", "content", "body", "proposal", "description", "제안", "내용", "본문", "제안내용", "민원내용")
TITLE_COLUMNS = ("title", "subject", "제목", "제안제목")
CATEGORY_COLUMNS = ("category", "분야", "카테고리", "유형")
DISTRICT_COLUMNS = ("district", "구", "자치구")
PLACE_COLUMNS = ("place", "location", "장소", "위치", "주소")
CREATED_COLUMNS = ("created_at", "created", "date", "작성일", "등록일", "접수일", "begin")
EMBED_BATCH = 256
SHOW_REFUSED = 50


@dataclass(frozen=True)
class Refused:
    line: int
    reason: str


@dataclass
class ImportReport:
    encoding: str = "utf-8"
    imported: int = 0
    receipts: list[str] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    embedded: bool = False

    @property
    def summary(self) -> str:
        return f"{self.imported:,}건 가져옴, {len(self.refused):,}건 거부"


class ImportFileError(Exception):
    """The file as a whole cannot be imported (missing, unreadable, no text column)."""


@dataclass(frozen=True)
class _Row:
    line: int
    fields: dict[str, object] | None  # None: refused while reading, see `reason`
    reason: str = ""


# ---------------------------------------------------------------------------------------------- reading
def decode_lines(raw: bytes) -> tuple[str, list[str | None]]:
    """The file's encoding and its lines (None for a line in neither UTF-8 nor CP949)."""
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return ("utf-8" if encoding == "utf-8-sig" else encoding), raw.decode(encoding).splitlines()
        except UnicodeDecodeError:
            continue
    lines: list[str | None] = []
    for i, chunk in enumerate(raw.split(b"\n")):
        chunk = chunk.rstrip(b"\r")
        if i == 0 and chunk.startswith(b"\xef\xbb\xbf"):
            chunk = chunk[3:]
        for encoding in ("utf-8", "cp949"):
            try:
                lines.append(chunk.decode(encoding))
                break
            except UnicodeDecodeError:
                continue
        else:
            lines.append(None)
    if lines and lines[-1] == "":
        lines.pop()
    return "mixed", lines


def _detect_format(path: Path, lines: list[str | None]) -> str:
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix == ".tsv":
        return "tsv"
    if suffix == ".csv":
        return "csv"
    first = next((ln.strip() for ln in lines if ln and ln.strip()), "")
    return "jsonl" if first.startswith("{") else "csv"


def _pick(columns: dict[str, str], names: tuple[str, ...]) -> str | None:
    for name in names:
        if name in columns:
            return columns[name]
    return None


def _norm(name: object) -> str:
    return str(name or "").strip().lstrip("\ufeff").lower()


def _read_jsonl(lines: list[str | None]) -> Iterator[_Row]:
    for number, line in enumerate(lines, start=1):
        if line is None:
            yield _Row(number, None, "글자 인코딩을 읽을 수 없어요 (UTF-8/CP949가 아니에요)")
            continue
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError:
            yield _Row(number, None, "JSON 형식이 올바르지 않아요")
            continue
        if not isinstance(obj, dict):
            yield _Row(number, None, "한 줄에 JSON 객체 하나가 있어야 해요")
            continue
        yield _Row(number, {_norm(k): v for k, v in obj.items()})


def _read_csv(lines: list[str | None], delimiter: str) -> Iterator[_Row]:
    bad = {i + 1 for i, ln in enumerate(lines) if ln is None}
    # An undecodable line becomes an empty line: csv skips it and the other line numbers stay true.
    text = "\n".join("" if ln is None else ln for ln in lines)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    for record in reader:
        number = reader.line_num
        if not record or not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [_norm(h) for h in record]
            continue
        if len(record) > len(header):
            yield _Row(number, None, f"열 개수({len(record)})가 머리줄({len(header)})보다 많아요")
            continue
        yield _Row(number, dict(zip(header, record)))
    for number in sorted(bad):
        yield _Row(number, None, "글자 인코딩을 읽을 수 없어요 (UTF-8/CP949가 아니에요)")
    if header is None:
        raise ImportFileError("머리줄(열 이름)이 있는 CSV가 아니에요.")


def read_rows(path: Path) -> tuple[str, list[_Row]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ImportFileError(f"파일이 없어요: {path}") from None
    except OSError as exc:
        raise ImportFileError(f"파일을 읽을 수 없어요: {path} ({exc.strerror})") from None
    encoding, lines = decode_lines(raw)
    fmt = _detect_format(path, lines)
    rows = list(_read_jsonl(lines) if fmt == "jsonl" else _read_csv(lines, "\t" if fmt == "tsv" else ","))
    rows.sort(key=lambda r: r.line)
    return encoding, rows


# ---------------------------------------------------------------------------------------------- importing
def _text_of(fields: dict[str, object], columns: dict[str, str]) -> str:
    title = fields.get(columns.get("title", ""), None)
    body = fields.get(columns.get("text", ""), None)
    parts = [str(v).strip() for v in (title, body) if v is not None and str(v).strip()]
    return "\n".join(parts)


def _created(value: object) -> datetime | None:
    if not value:
        return None
    value = str(value).strip().replace("Z", "+00:00")
    if re.fullmatch(r"\d{4}[./]\d{1,2}[./]\d{1,2}", value):  # 2020.01.05, 2020/1/5
        value = "-".join(f"{int(p):02d}" for p in re.split(r"[./]", value))
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=P.KST)


def import_file(db: Database, path: Path, *, embedder=None, dry_run: bool = False) -> ImportReport:
    """Import proposals from `path`; raises ImportFileError when the file as a whole is unusable."""
    encoding, rows = read_rows(path)
    report = ImportReport(encoding=encoding)
    keys = {k for r in rows if r.fields for k in r.fields}
    lookup = {k: k for k in keys}
    columns = {name: col for name, col in {
        "text": _pick(lookup, TEXT_COLUMNS), "title": _pick(lookup, TITLE_COLUMNS),
        "category": _pick(lookup, CATEGORY_COLUMNS), "district": _pick(lookup, DISTRICT_COLUMNS),
        "place": _pick(lookup, PLACE_COLUMNS), "created": _pick(lookup, CREATED_COLUMNS),
    }.items() if col}
    if rows and keys and "text" not in columns and "title" not in columns:
        raise ImportFileError("제안 내용 열을 찾을 수 없어요. 열 이름은 text, content, title, 제안, 내용 중 하나여야 "
                              f"해요 (이 파일의 열: {', '.join(sorted(keys))[:200]}).")

    seen = {r["text_hash"] for r in db.query("SELECT text_hash FROM proposals WHERE source = 'import'")}
    accepted: list[tuple[int, dict[str, object], str]] = []
    for row in rows:
        if row.fields is None:
            report.refused.append(Refused(row.line, row.reason))
            continue
        text = _text_of(row.fields, columns)
        check = check_text(text)
        if not check.ok:
            reason = "내용이 비어 있어요" if check.code == "empty" else MESSAGES[check.code].split(".")[0]
            report.refused.append(Refused(row.line, reason.format(max_chars=5000)))
            continue
        digest = P.text_hash(check.text)
        if digest in seen:
            report.refused.append(Refused(row.line, "이미 가져온 제안과 내용이 같아요"))
            continue
        seen.add(digest)
        accepted.append((row.line, row.fields, check.text))

    vectors = _embed_all(embedder, [t for _, _, t in accepted]) if accepted and not dry_run else None
    report.embedded = vectors is not None
    for i, (line, fields, text) in enumerate(accepted):
        if dry_run:
            report.imported += 1
            continue
        draft = P.ProposalDraft(
            text=text,
            category=str(fields.get(columns.get("category", ""), "") or "").strip() or None,
            district=str(fields.get(columns.get("district", ""), "") or "").strip() or None,
            place=str(fields.get(columns.get("place", ""), "") or "").strip() or None,
        )
        embedding = (vectors[0][i].tobytes(), vectors[1]) if vectors else None
        try:
            result = P.create_proposal(db, draft, source="import", embedding=embedding,
                                       now=_created(fields.get(columns.get("created", ""))) or P.utcnow(),
                                       assign_topic=False)
        except P.InvalidProposal as exc:
            report.refused.append(Refused(line, exc.message))
            continue
        report.imported += 1
        report.receipts.append(result.proposal.receipt)
    report.refused.sort(key=lambda r: r.line)
    return report


def _embed_all(embedder, texts: list[str]):
    if embedder is None:
        return None
    from civic.pii import mask_text

    try:
        import numpy as np

        masked = [mask_text(t) for t in texts]
        parts = [embedder.embed(masked[i:i + EMBED_BATCH]) for i in range(0, len(masked), EMBED_BATCH)]
        return np.vstack(parts).astype(np.float32), embedder.version
    except Exception as exc:  # noqa: BLE001
        # import without vectors; `civic cluster` embeds everything again later
        log.warning("embedding during import failed, importing without vectors: %s", type(exc).__name__)
        return None


# ---------------------------------------------------------------------------------------------- commands
def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_cmd(
        file: Annotated[Path, typer.Argument(help="CSV/TSV(머리줄 필요) 또는 JSONL 파일")],
        dry_run: Annotated[bool, typer.Option("--dry-run", help="검사만 하고 저장하지 않아요")] = False,
        no_embed: Annotated[bool, typer.Option("--no-embed", help="임베딩 없이 가져와요 (나중에 civic cluster)")] = False,
    ) -> None:
        """기존 제안을 가져와요. 잘못된 줄은 줄 번호와 이유를 알려 주고 건너뛰어요."""
        from civic.db import open_migrated
        from civic.settings import get_settings

        settings = get_settings()
        db = open_migrated(settings.db_path)
        embedder = None
        if not (dry_run or no_embed):
            try:
                from civic.embeddings.runtime import current_embedder

                embedder = current_embedder(settings)
            except Exception as exc:  # noqa: BLE001
                typer.echo(f"임베딩 모델을 불러오지 못해 벡터 없이 가져와요 ({type(exc).__name__}).", err=True)
        try:
            report = import_file(db, file, embedder=embedder, dry_run=dry_run)
        except ImportFileError as exc:
            typer.echo(f"가져올 수 없어요: {exc}", err=True)
            raise typer.Exit(2) from None
        finally:
            db.close()
        for refused in report.refused[:SHOW_REFUSED]:
            typer.echo(f"  {refused.line}번째 줄 거부: {refused.reason}", err=True)
        if len(report.refused) > SHOW_REFUSED:
            typer.echo(f"  … 외 {len(report.refused) - SHOW_REFUSED:,}건 거부", err=True)
        note = " (검사만 했어요)" if dry_run else ""
        typer.echo(f"{report.summary}{note} — 인코딩 {report.encoding}")
        if report.receipts:
            typer.echo(f"접수번호 {report.receipts[0]} ~ {report.receipts[-1]}")
            if not report.embedded:
                typer.echo("벡터 없이 가져왔어요: 비슷한 제안 찾기와 주제 묶기에 쓰려면 `civic cluster`를 실행해 주세요.")
        if report.imported == 0:
            raise typer.Exit(1)

    @app.command("contacts-purge")
    def contacts_purge() -> None:
        """보관 기간이 지난 연락처와 대화 기록을 지워요 (매일 실행해도 안전해요)."""
        from civic.db import open_migrated
        from civic.retention import contacts_summary, purge_expired_contacts, purge_old_conversations
        from civic.settings import get_settings

        settings = get_settings()
        db = open_migrated(settings.db_path)
        try:
            deleted = purge_expired_contacts(db)
            left = contacts_summary(db)["kept"]
        finally:
            db.close()
        events = purge_old_conversations(settings.tracker_db_path, settings.contact_retention_days)
        typer.echo(f"보관 기간이 지난 연락처 {deleted:,}건을 지웠어요. 남은 연락처 {left:,}건.")
        typer.echo(f"{settings.contact_retention_days}일이 지난 대화 기록 {events:,}건을 지웠어요.")


__all__ = ["ImportFileError", "ImportReport", "Refused", "import_file", "read_rows", "register"]
