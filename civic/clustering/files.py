"""Cluster a CSV/TSV or JSON Lines file of proposals without touching the database (analysts, evaluation).

Each output record is {"id", "cluster", "label"}: the input's id column (or the record's line number in the file),
the cluster number (-1 unclustered) and its Korean label. A fresh embedder is fitted on the file itself (offline
backend) so nothing under var/ changes. Bad files raise `ClusterFileError` with a Korean message.
"""
from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from civic.clustering.algorithms import ClusterParams, cluster
from civic.clustering.labels import UNCLUSTERED_LABEL, format_label, topic_labels

TEXT_COLUMNS = ("text", "masked_text", "content", "body", "proposal", "제안", "내용", "본문", "제안내용", "민원내용",
                "title", "subject", "제목")
ID_COLUMNS = ("id", "ID", "Id", "receipt", "번호", "접수번호")
MAX_FILE_BYTES = 500 * 1024 * 1024
ProgressFn = Callable[[str], None]


class ClusterFileError(Exception):
    """The file cannot be clustered; the message is Korean and safe to show."""


@dataclass(frozen=True)
class Record:
    id: object
    text: str


@dataclass(frozen=True)
class FileResult:
    n_records: int
    n_clusters: int
    n_unclustered: int
    labels: dict[int, str]


def read_records(path: str | Path, text_column: str | None = None, id_column: str | None = None) -> list[Record]:
    path = Path(path)
    if not path.is_file():
        raise ClusterFileError(f"입력 파일을 찾을 수 없어요: {path}")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise ClusterFileError(f"입력 파일이 너무 커요 (최대 {MAX_FILE_BYTES // 1024 // 1024}MB).")
    raw = path.read_bytes()
    if not raw.strip():
        raise ClusterFileError("입력 파일이 비어 있어요.")
    text = _decode(raw)
    suffix = path.suffix.lower()
    if suffix in {".jsonl", ".ndjson", ".json"} or (suffix not in {".csv", ".tsv", ".txt"} and
                                                     text.lstrip().startswith("{")):
        records = _read_jsonl(text, text_column, id_column)
    else:
        records = _read_csv(text, text_column, id_column, delimiter="\t" if suffix == ".tsv" else None)
    if not any(r.text.strip() for r in records):
        raise ClusterFileError("입력 파일에 제안 내용이 하나도 없어요.")
    return records


def cluster_records(records: Sequence[Record], params: ClusterParams | None = None, backend: str = "offline",
                    model: str = "", analyzer: str | None = None,
                    progress: ProgressFn | None = None) -> tuple[np.ndarray, dict[int, list[str]]]:
    """(cluster per record, label words per cluster) for records, embedding with a fresh embedder."""
    texts = [r.text for r in records]
    say = progress or (lambda msg: None)
    say(f"{len(texts):,}건을 벡터로 바꾸고 있어요...")
    vectors = embed_texts(texts, backend, model, analyzer)
    say("비슷한 제안끼리 묶고 있어요...")
    labels = cluster(vectors, params or ClusterParams())
    labels[np.array([not t.strip() for t in texts], dtype=bool)] = -1  # empty lines are never a topic
    say("주제 이름을 붙이고 있어요...")
    return labels, topic_labels(texts, labels, analyzer=analyzer)


def embed_texts(texts: Sequence[str], backend: str = "offline", model: str = "", analyzer: str | None = None):
    from civic.embeddings.factory import get_embedder
    from civic.embeddings.offline import OfflineKoreanEmbedder

    if backend == "offline":
        return OfflineKoreanEmbedder(analyzer=analyzer).fit_embed(list(texts))
    return get_embedder(backend, model).embed(list(texts))


def write_results(path: str | Path, records: Sequence[Record], labels: np.ndarray,
                  words: dict[int, list[str]]) -> None:
    path = Path(path)
    if not path.parent.is_dir():
        raise ClusterFileError(f"출력 폴더가 없어요: {path.parent}")
    names = {c: format_label(w) for c, w in words.items()}
    rows = [{"id": r.id, "cluster": int(c), "label": names.get(int(c), "") if c >= 0 else UNCLUSTERED_LABEL}
            for r, c in zip(records, labels)]
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        if path.suffix.lower() == ".csv":  # UTF-8 with BOM: Excel opens Korean correctly
            with open(tmp, "w", encoding="utf-8-sig", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=["id", "cluster", "label"])
                writer.writeheader()
                writer.writerows(rows)
        else:
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
        tmp.replace(path)
    except OSError as exc:
        raise ClusterFileError(f"출력 파일을 쓸 수 없어요: {path} ({exc.strerror})") from exc
    finally:
        if tmp.exists():
            tmp.unlink()


def cluster_file(input_path: str | Path, output_path: str | Path, *, text_column: str | None = None,
                 id_column: str | None = None, params: ClusterParams | None = None, backend: str = "offline",
                 model: str = "", analyzer: str | None = None, progress: ProgressFn | None = None) -> FileResult:
    if Path(input_path).resolve() == Path(output_path).resolve():
        raise ClusterFileError("출력 파일이 입력 파일과 같아요. 다른 파일 이름을 지정해 주세요.")
    records = read_records(input_path, text_column, id_column)
    labels, words = cluster_records(records, params, backend, model, analyzer, progress)
    write_results(output_path, records, labels, words)
    return FileResult(n_records=len(records), n_clusters=len(words), n_unclustered=int((labels < 0).sum()),
                      labels={c: format_label(w) for c, w in words.items()})


# ------------------------------------------------------------------ readers
def _decode(raw: bytes) -> str:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ClusterFileError("파일 인코딩을 읽을 수 없어요. UTF-8 또는 CP949(EUC-KR)로 저장해 주세요.")


def _pick(columns: Sequence[str], wanted: str | None, candidates: Sequence[str], what: str) -> str | None:
    if wanted:
        if wanted not in columns:
            raise ClusterFileError(f"{what} 열 '{wanted}'이(가) 없어요. 있는 열: {', '.join(map(str, columns))}")
        return wanted
    lower = {str(c).lower(): c for c in columns}
    for name in candidates:
        if name.lower() in lower:
            return lower[name.lower()]
    return None


def _read_csv(text: str, text_column: str | None, id_column: str | None, delimiter: str | None) -> list[Record]:
    if delimiter is None:
        first = text.split("\n", 1)[0]
        delimiter = "\t" if first.count("\t") > first.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise ClusterFileError("CSV 머리글(열 이름)을 읽을 수 없어요.") from exc
    header = [h.strip() for h in header]
    text_col = _pick(header, text_column, TEXT_COLUMNS, "내용")
    if text_col is None:
        raise ClusterFileError("제안 내용 열을 찾을 수 없어요. --text-column 으로 열 이름을 알려 주세요 "
                               f"(있는 열: {', '.join(header)}).")
    id_col = _pick(header, id_column, ID_COLUMNS, "번호")
    t_idx, i_idx = header.index(text_col), (header.index(id_col) if id_col else None)
    records = []
    line = reader.line_num + 1
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                line = reader.line_num + 1
                continue
            text_value = row[t_idx] if t_idx < len(row) else ""
            rid = row[i_idx].strip() if i_idx is not None and i_idx < len(row) and row[i_idx].strip() else line
            records.append(Record(rid, text_value))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise ClusterFileError(f"CSV {line}번째 줄을 읽을 수 없어요: 따옴표나 구분자를 확인해 주세요.") from exc
    if not records:
        raise ClusterFileError("CSV 파일에 머리글 말고는 행이 없어요.")
    return records


def _read_jsonl(text: str, text_column: str | None, id_column: str | None) -> list[Record]:
    records = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ClusterFileError(f"JSONL {number}번째 줄이 올바른 JSON이 아니에요.") from exc
        if not isinstance(obj, dict):
            raise ClusterFileError(f"JSONL {number}번째 줄은 {{...}} 형태의 객체여야 해요.")
        text_col = _pick(list(obj), text_column, TEXT_COLUMNS, "내용")
        if text_col is None:
            raise ClusterFileError(f"JSONL {number}번째 줄에 제안 내용 필드가 없어요. --text-column 으로 알려 주세요.")
        value = obj.get(text_col)
        id_col = _pick(list(obj), id_column, ID_COLUMNS, "번호")
        rid = obj.get(id_col) if id_col and obj.get(id_col) not in (None, "") else number
        records.append(Record(rid, value if isinstance(value, str) else ("" if value is None else str(value))))
    return records
