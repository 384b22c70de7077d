"""Load, validate and save the knowledge base file (knowledge/entries.yml).

The admin dashboard edits the same file, so every problem is reported in Korean with the entry it concerns, and
a file is only ever replaced by a validated one (atomic write).
"""
from __future__ import annotations

import itertools
import os
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,47}$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Digits as written in Korean answers: 4,119 / 91.5 / 2020-02-07 (each part counted separately).
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A sentence ends with 요/다 (or ?, !) followed by a full stop-like mark; used only to bound the answer length.
SENTENCE_END = re.compile(r"[.?!](?=\s|$)")
MIN_SENTENCES, MAX_SENTENCES = 2, 5
MAX_ANSWER_CHARS = 700
# The articles give no phone number, web address or e-mail: an answer holding one was invented.
CONTACT = re.compile(r"https?://|www\.|\d{2,4}-\d{3,4}-\d{4}|[\w.+-]+@[\w-]+\.\w")
# A button sends either an intent ("/propose") or a question typed as the citizen would.
PAYLOAD = re.compile(r"^/[a-z][a-z_]{1,40}$|^[^/].*$")
UNDATED = "날짜 미표기"

HEADER = (
    "# 인공지능 중심도시 광주 지식베이스 (knowledge base): saved by knowledge.base.save_entries.\n"
    "# Every figure must come from the seed articles; see docs/knowledge.md for the rules.\n"
)


class DuplicateKeyError(yaml.constructor.ConstructorError):
    """A key written twice in one mapping: YAML keeps the last silently, so a hand edit would lose the first."""

    def __init__(self, key: Any, mark: Any) -> None:
        super().__init__(None, None, f"'{key}'이(가) 같은 자리에 두 번 나와요", mark)
        self.key = key


class UniqueKeyLoader(yaml.SafeLoader):
    """yaml.SafeLoader that refuses duplicate keys (knowledge/entries.yml and knowledge/lexicon.yml are hand-edited)."""

    def construct_mapping(self, node: Any, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise DuplicateKeyError(key, key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=UniqueKeyLoader)  # safe: UniqueKeyLoader is a yaml.SafeLoader


def read_yaml_file(path: Path, error: type[Exception]) -> Any:
    """An editable data file (lexicon, fact kinds), every problem raised as `error` with a Korean message an editor
    can act on: unreadable, a key written twice (with its line), broken YAML."""
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise error(f"{path.name}: 파일을 읽을 수 없어요 ({exc.strerror})") from exc
    except DuplicateKeyError as exc:
        raise error(f"{path.name}: {exc.problem} ({exc.problem_mark.line + 1}번째 줄): 한 줄로 합쳐 주세요") from exc
    except yaml.YAMLError as exc:
        raise error(f"{path.name}: YAML 문법 오류가 있어요") from exc


class KnowledgeBaseError(ValueError):
    """The file cannot be used; `errors` lists every problem in Korean."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("지식베이스 파일에 문제가 있어요:\n- " + "\n- ".join(self.errors))


@dataclass(frozen=True)
class Source:
    id: str
    file: str
    label: str
    date: str | None = None

    def citation(self) -> str:
        return f"{self.label}({self.date or UNDATED})"


@dataclass(frozen=True)
class Figure:
    value: str
    quote: str
    source: str


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    answer: str
    sources: tuple[str, ...]
    figures: tuple[Figure, ...] = ()
    aliases: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    buttons: tuple[Button, ...] = ()
    # Details citizens ask about this topic that the articles do not give (달성 of a target, 통과 of a review):
    # a question naming one is told honestly that the sources do not say, even if the word occurs in the answer.
    unknowns: tuple[str, ...] = ()
    # The editors' note (why an unknown is listed, which article disagrees): kept in the file, never shown to citizens.
    note: str = ""


@dataclass
class KnowledgeData:
    entries: list[Entry]
    sources: dict[str, Source]
    version: int = 1
    by_id: dict[str, Entry] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.by_id = {e.id: e for e in self.entries}

    def source_line(self, entry: Entry) -> str:
        """"출처: 광주광역시 보도자료(2020-02-07) · 아시아경제 보도(날짜 미표기)" for an entry."""
        cites = [self.sources[s].citation() for s in entry.sources if s in self.sources]
        return "출처: " + " · ".join(dict.fromkeys(cites))


def numbers_in(text: str) -> set[float]:
    """Numbers written in a text: "4,119억" -> 4119, "2020-02-07" -> 2020, 2, 7."""
    out = set()
    for token in NUMBER.findall(text):
        token = token.replace(",", "")
        try:
            out.add(float(token))
        except ValueError:  # "1.2.3": count each part
            out.update(float(p) for p in token.split(".") if p)
    return out


def _strings(value: Any, where: str, errors: list[str]) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        errors.append(f"{where}: 비어 있지 않은 문자열 목록이어야 해요.")
        return ()
    return tuple(v.strip() for v in value)


def _parse_sources(raw: Any, errors: list[str]) -> dict[str, Source]:
    if not isinstance(raw, dict) or not raw:
        errors.append("'sources' 항목(출처 목록)이 없거나 비어 있어요.")
        return {}
    out = {}
    for sid, body in raw.items():
        where = f"출처 '{sid}'"
        if not isinstance(body, dict):
            errors.append(f"{where}: file, label, date 항목을 가진 사전이어야 해요.")
            continue
        file, label, date = body.get("file"), body.get("label"), body.get("date")
        if not isinstance(file, str) or not file.strip():
            errors.append(f"{where}: 원문 파일 이름(file)이 없어요.")
        if not isinstance(label, str) or not label.strip():
            errors.append(f"{where}: 출처 이름(label)이 없어요.")
        if date is not None and not (isinstance(date, str) and DATE_PATTERN.match(date)):
            errors.append(f"{where}: 날짜(date)는 \"2020-02-07\" 형식의 문자열이거나 null이어야 해요.")
            date = None
        out[str(sid)] = Source(str(sid), str(file or ""), str(label or "").strip(), date)
    return out


def _parse_entry(raw: Any, index: int, sources: dict[str, Source], errors: list[str]) -> Entry | None:
    if not isinstance(raw, dict):
        errors.append(f"{index + 1}번째 항목: 사전(키: 값) 형식이어야 해요.")
        return None
    eid = raw.get("id")
    where = f"항목 '{eid}'" if eid else f"{index + 1}번째 항목"
    before = len(errors)
    if not isinstance(eid, str) or not ID_PATTERN.match(eid):
        errors.append(f"{where}: id는 영어 소문자로 시작하고 소문자·숫자·밑줄만 쓴 2~48자여야 해요.")
    title, answer = raw.get("title"), raw.get("answer")
    if not isinstance(title, str) or not title.strip():
        errors.append(f"{where}: 제목(title)이 없어요.")
    if not isinstance(answer, str) or not answer.strip():
        errors.append(f"{where}: 답변(answer)이 없어요.")
        answer = ""
    answer = " ".join(answer.split())
    if answer:
        n = len(SENTENCE_END.findall(answer))
        if not MIN_SENTENCES <= n <= MAX_SENTENCES:
            errors.append(f"{where}: 답변은 {MIN_SENTENCES}~{MAX_SENTENCES}문장이어야 해요(지금 {n}문장).")
        if len(answer) > MAX_ANSWER_CHARS:
            errors.append(f"{where}: 답변이 너무 길어요({len(answer)}자, 최대 {MAX_ANSWER_CHARS}자).")
        if CONTACT.search(answer):
            errors.append(f"{where}: 답변에 전화번호, 인터넷 주소, 이메일을 쓸 수 없어요. 기사에 나온 연락처가 없어요.")
    entry_sources = _strings(raw.get("sources"), f"{where}의 sources", errors)
    if not entry_sources:
        errors.append(f"{where}: 출처(sources)를 하나 이상 적어 주세요.")
    for sid in entry_sources:
        if sid not in sources:
            errors.append(f"{where}: 출처 '{sid}'가 sources 목록에 없어요.")
    figures = []
    raw_figures = raw.get("figures") or []
    if not isinstance(raw_figures, list):
        errors.append(f"{where}: figures는 목록이어야 해요.")
        raw_figures = []
    for fig in raw_figures:
        if not isinstance(fig, dict) or not all(isinstance(fig.get(k), str) and fig[k].strip()
                                                for k in ("value", "quote", "source")):
            errors.append(f"{where}: 주요 수치(figures)마다 value, quote, source가 있어야 해요.")
            continue
        if fig["source"] not in entry_sources:
            errors.append(f"{where}: 수치 '{fig['value']}'의 출처 '{fig['source']}'가 이 항목의 sources에 없어요.")
        figures.append(Figure(fig["value"].strip(), fig["quote"].strip(), fig["source"].strip()))
    # Grounding: a number in the answer must be one of the entry's sourced figures.
    allowed = set().union(*(numbers_in(f.value) for f in figures)) if figures else set()
    for number in sorted(numbers_in(answer) - allowed):
        shown = int(number) if number.is_integer() else number
        errors.append(f"{where}: 답변의 숫자 {shown}이(가) 주요 수치(figures)에 없어요. 출처와 함께 figures에 적어 주세요.")
    buttons = []
    for b in raw.get("buttons") or []:
        if not (isinstance(b, dict) and isinstance(b.get("title"), str) and isinstance(b.get("payload"), str)
                and b["title"].strip() and b["payload"].strip()):
            errors.append(f"{where}: 버튼(buttons)마다 title과 payload가 있어야 해요.")
            continue
        if not PAYLOAD.match(b["payload"].strip()):
            errors.append(f"{where}: 버튼 '{b['title'].strip()}'의 payload는 '/propose'처럼 빗금과 영어 소문자의 "
                          "의도 이름이거나, 빗금 없이 쓴 질문이어야 해요.")
            continue
        buttons.append(Button(b["title"].strip(), b["payload"].strip()))
    aliases = _strings(raw.get("aliases"), f"{where}의 aliases", errors)
    questions = _strings(raw.get("questions"), f"{where}의 questions", errors)
    unknowns = _strings(raw.get("unknowns"), f"{where}의 unknowns", errors)
    if not questions:
        errors.append(f"{where}: 예시 질문(questions)을 하나 이상 적어 주세요.")
    note = raw.get("note") or ""
    if not isinstance(note, str):
        errors.append(f"{where}: 메모(note)는 문자열이어야 해요.")
    if len(errors) > before:
        return None
    return Entry(eid, title.strip(), answer, entry_sources, tuple(figures), aliases, questions, tuple(buttons),
                 unknowns, " ".join(note.split()))


def validate_entries(doc: Any) -> KnowledgeData:
    """Check a parsed YAML document; raise KnowledgeBaseError listing every problem in Korean."""
    errors: list[str] = []
    if not isinstance(doc, dict):
        raise KnowledgeBaseError(["파일의 맨 위는 version, sources, entries 항목을 가진 사전이어야 해요."])
    sources = _parse_sources(doc.get("sources"), errors)
    raw_entries = doc.get("entries")
    if not isinstance(raw_entries, list) or not raw_entries:
        errors.append("'entries' 항목(지식 목록)이 없거나 비어 있어요.")
        raw_entries = []
    entries: list[Entry] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_entries):
        entry = _parse_entry(raw, i, sources, errors)
        if entry is None:
            continue
        if entry.id in seen:
            errors.append(f"항목 '{entry.id}': 같은 id가 두 번 나와요.")
            continue
        seen.add(entry.id)
        entries.append(entry)
    if errors:
        raise KnowledgeBaseError(errors)
    return KnowledgeData(entries=entries, sources=sources, version=int(doc.get("version") or 1))


def parse_entries(text: str) -> KnowledgeData:
    try:
        doc = load_yaml(text)
    except DuplicateKeyError as exc:
        raise KnowledgeBaseError([f"{exc.problem} ({exc.problem_mark.line + 1}번째 줄): 하나로 합쳐 주세요."]) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" ({mark.line + 1}번째 줄 {mark.column + 1}번째 칸 근처)" if mark else ""
        raise KnowledgeBaseError([f"YAML 문법 오류가 있어요{where}: 들여쓰기와 따옴표, 콜론(:)을 확인해 주세요."]) from exc
    return validate_entries(doc)


def read_entries(path: str | os.PathLike) -> tuple[KnowledgeData, bytes]:
    """The parsed file and the very bytes it was parsed from (an editor fingerprints what it was shown)."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError as exc:
        raise KnowledgeBaseError([f"지식베이스 파일을 찾을 수 없어요: {path.name}"]) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KnowledgeBaseError(["지식베이스 파일은 UTF-8 인코딩이어야 해요."]) from exc
    return parse_entries(text), raw


def load_entries(path: str | os.PathLike) -> KnowledgeData:
    return read_entries(path)[0]


def to_document(data: KnowledgeData) -> dict:
    def entry_doc(e: Entry) -> dict:
        doc: dict[str, Any] = {"id": e.id, "title": e.title, "answer": e.answer,
                               "figures": [vars(f).copy() for f in e.figures],
                               "aliases": list(e.aliases), "questions": list(e.questions)}
        if e.buttons:
            doc["buttons"] = [vars(b).copy() for b in e.buttons]
        if e.unknowns:
            doc["unknowns"] = list(e.unknowns)
        if e.note:
            doc["note"] = e.note
        doc["sources"] = list(e.sources)
        return doc

    return {
        "version": data.version,
        "sources": {s.id: {"file": s.file, "label": s.label, "date": s.date} for s in data.sources.values()},
        "entries": [entry_doc(e) for e in data.entries],
    }


def _header_of(path: Path) -> str:
    """The file's leading comment block (the editors' rules), kept across saves; HEADER for a new file."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    except (OSError, UnicodeDecodeError):
        return HEADER
    header = "".join(itertools.takewhile(lambda line: line.startswith("#"), lines))
    return header or HEADER


def ungrounded_figures(data: KnowledgeData, seeds_dir: str | os.PathLike,
                       entries: list[Entry] | None = None) -> list[str]:
    """Korean messages for every figure whose quote is not word for word in its seed article (spacing aside).

    The grounding rule of the knowledge base: a figure exists only because an article says it. `entries` limits the
    check (an edit checks the entry it changes); a missing article is reported, never taken as a pass.
    """
    seeds_dir = Path(seeds_dir)
    texts: dict[str, str | None] = {}
    problems = []
    for entry in data.entries if entries is None else entries:
        for fig in entry.figures:
            source = data.sources.get(fig.source)
            if source is None:
                continue  # validate_entries reports unknown sources
            if fig.source not in texts:
                try:
                    texts[fig.source] = " ".join((seeds_dir / source.file).read_text(encoding="utf-8").split())
                except (OSError, UnicodeDecodeError):
                    texts[fig.source] = None
            text = texts[fig.source]
            if text is None:
                problems.append(f"항목 '{entry.id}': 수치 '{fig.value}'의 원문 기사({source.file})를 찾을 수 없어 "
                                "인용을 확인할 수 없어요.")
            elif " ".join(fig.quote.split()) not in text:
                problems.append(f"항목 '{entry.id}': 수치 '{fig.value}'의 인용(quote)이 원문 기사 {source.file}에 "
                                "그대로 나오지 않아요. 기사 문장을 그대로 복사해 주세요.")
    return problems


def save_entries(path: str | os.PathLike, entries: KnowledgeData | list[Entry],
                 sources: dict[str, Source] | None = None) -> KnowledgeData:
    """Validate, then atomically replace the file (a reader never sees half a file).

    `entries` is a KnowledgeData, or a list of entries whose sources are those given or those already in the file.
    """
    path = Path(path)
    if isinstance(entries, KnowledgeData):
        data = entries
    else:
        if sources is None:
            sources = load_entries(path).sources
        data = KnowledgeData(entries=list(entries), sources=dict(sources))
    text = _header_of(path) + yaml.safe_dump(to_document(data), allow_unicode=True, sort_keys=False, width=100)
    checked = parse_entries(text)  # never write a file the assistant could not load
    fd, tmp = tempfile.mkstemp(prefix=".entries-", suffix=".yml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return checked
