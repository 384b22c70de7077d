"""Korean morphological analysis with exact character offsets.

Imports neither Rasa nor FastAPI: the Rasa tokenizer component (nlu/rasa_components.py) wraps it in the Rasa
environment, and keyword search, clustering labels and the offline embedder use it in the application environment.

Backends: python-mecab-ko ("mecab"), kiwipiepy ("kiwi"), KoNLPy Okt ("okt"). Every backend returns
`Morpheme`s whose `start`/`end` index the original text, so `text[m.start:m.end] == m.surface` always holds.
"""
from __future__ import annotations

import os
import re
import threading
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache

DEFAULT_ANALYZER = os.environ.get("ANALYZER", "mecab")

# POS tags (Sejong-style, shared by mecab-ko-dic and Kiwi) that carry meaning for search and topic labels.
_CONTENT_PREFIXES = ("NN", "NR", "VV", "VA", "XR", "SL", "SH", "SN", "MAG")
# Okt has its own tag set.
_OKT_CONTENT = {"Noun", "Verb", "Adjective", "Alpha", "Number", "Foreign", "Adverb"}

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200f\u2028\u2029\ufeff]")


@dataclass(frozen=True)
class Morpheme:
    surface: str  # exactly text[start:end]
    lemma: str  # dictionary form where the backend gives one (하, 었 ...), else the surface
    pos: str
    start: int
    end: int

    @property
    def is_content(self) -> bool:
        return self.pos.startswith(_CONTENT_PREFIXES) or self.pos in _OKT_CONTENT


def clean(text: str) -> str:
    """Replace control and zero-width characters by spaces, keeping the length (offsets stay valid)."""
    return _CONTROL.sub(" ", text or "")


class Analyzer(ABC):
    name: str = "base"

    def __init__(self) -> None:
        # The C extensions are not documented as thread-safe; the action server and app call from threads.
        self._lock = threading.Lock()

    @abstractmethod
    def _raw(self, text: str) -> list[tuple[str, str, int, int]]:
        """(lemma, pos, start, end) tuples with offsets into `text`."""

    def analyze(self, text: str) -> list[Morpheme]:
        text = clean(text)
        if not text.strip():
            return []
        with self._lock:
            raw = self._raw(text)
        out: list[Morpheme] = []
        for lemma, pos, start, end in raw:
            if not (0 <= start < end <= len(text)):
                continue
            out.append(Morpheme(text[start:end], lemma or text[start:end], pos, start, end))
        return _fill_gaps(text, out)


def _fill_gaps(text: str, morphemes: list[Morpheme]) -> list[Morpheme]:
    """Backends drop some characters (emoji, rare symbols); keep them as tokens so nothing silently vanishes."""
    out: list[Morpheme] = []
    pos = 0
    for m in sorted(morphemes, key=lambda m: (m.start, m.end)):
        if m.start > pos:
            out.extend(_whitespace_tokens(text, pos, m.start))
        out.append(m)
        pos = max(pos, m.end)
    if pos < len(text):
        out.extend(_whitespace_tokens(text, pos, len(text)))
    return out


def _whitespace_tokens(text: str, start: int, end: int) -> list[Morpheme]:
    return [
        Morpheme(m.group(), m.group(), _symbol_pos(m.group()), start + m.start(), start + m.end())
        for m in re.finditer(r"\S+", text[start:end])
    ]


def _symbol_pos(s: str) -> str:
    if all(unicodedata.category(c).startswith("L") for c in s):
        return "SL" if s.isascii() else "NNG"
    if s.isdigit():
        return "SN"
    return "SW"


class MecabAnalyzer(Analyzer):
    name = "mecab"

    def __init__(self) -> None:
        super().__init__()
        try:
            import mecab  # python-mecab-ko
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise RuntimeError("python-mecab-ko is not installed: pip install python-mecab-ko") from exc
        self._mecab = mecab.MeCab()

    def _raw(self, text: str) -> list[tuple[str, str, int, int]]:
        # python-mecab-ko's spans index the left-stripped text: shift them back, and fall back to a forward search
        # whenever a span does not hold its surface, so offsets always index the original text.
        shift = len(text) - len(text.lstrip())
        out = []
        cursor = 0
        for m in self._mecab.parse(text):
            start, end = m.span.start + shift, m.span.end + shift
            if text[start:end] != m.surface:
                found = text.find(m.surface, cursor)
                if found < 0:
                    continue
                start, end = found, found + len(m.surface)
            out.append((m.surface, m.pos.split("+")[0], start, end))
            cursor = end
        return out


class KiwiAnalyzer(Analyzer):
    name = "kiwi"

    def __init__(self) -> None:
        super().__init__()
        try:
            from kiwipiepy import Kiwi
        except ImportError as exc:  # pragma: no cover
            raise RuntimeError("kiwipiepy is not installed: pip install kiwipiepy") from exc
        self._kiwi = Kiwi()

    def _raw(self, text: str) -> list[tuple[str, str, int, int]]:
        return [(t.form, t.tag, t.start, t.start + t.len) for t in self._kiwi.tokenize(text)]


class OktAnalyzer(Analyzer):
    name = "okt"

    def __init__(self) -> None:
        super().__init__()
        try:
            from konlpy.tag import Okt
        except ImportError as exc:  # pragma: no cover
            raise RuntimeError("konlpy (and a Java runtime) is needed for the okt analyzer") from exc
        self._okt = Okt()

    def _raw(self, text: str) -> list[tuple[str, str, int, int]]:
        # Okt's time grows steeply with the length of a run without spaces (2,000 equal syllables: ~40 s), so it
        # analyses short chunks; a chunk boundary inside a 32+ character "word" only affects absurd input.
        # A run of one repeated character (ㅋㅋㅋㅋ, 가가가가...) is one token without asking Okt: it is its slowest case.
        out = []
        for base, chunk in _chunks(text, _OKT_MAX_RUN):
            cursor = 0
            for m in _REPEATED.finditer(chunk):
                out.extend((s, p, base + cursor + a, base + cursor + b) for s, p, a, b in self._pos(chunk[cursor:m.start()]))
                out.append((m.group(), _symbol_pos(m.group()), base + m.start(), base + m.end()))
                cursor = m.end()
            out.extend((s, p, base + cursor + a, base + cursor + b) for s, p, a, b in self._pos(chunk[cursor:]))
        return out

    def _pos(self, text: str) -> list[tuple[str, str, int, int]]:
        if not text.strip():
            return []
        # Okt gives no offsets: find each surface in order. With norm=False/stem=False surfaces are substrings.
        out = []
        cursor = 0
        for surface, pos in self._okt.pos(text, norm=False, stem=False):
            idx = text.find(surface, cursor)
            if idx < 0:
                continue
            out.append((surface, pos, idx, idx + len(surface)))
            cursor = idx + len(surface)
        return out


_OKT_MAX_RUN = 32
_REPEATED = re.compile(r"(\S)\1{3,}")


def _chunks(text: str, max_run: int, max_chunk: int = 256) -> list[tuple[int, str]]:
    """(offset, piece) pieces of at most ~max_chunk characters, cut at spaces, runs longer than max_run cut hard."""
    pieces: list[tuple[int, str]] = []
    start = None
    end = 0
    for m in re.finditer(r"\S+", text):
        for run_start in range(m.start(), m.end(), max_run):
            run_end = min(run_start + max_run, m.end())
            if start is not None and (run_end - start > max_chunk or run_start != m.start()):
                pieces.append((start, text[start:end]))
                start = None
            if start is None:
                start = run_start
            end = run_end
    if start is not None:
        pieces.append((start, text[start:end]))
    return pieces


_BACKENDS: dict[str, type[Analyzer]] = {"mecab": MecabAnalyzer, "kiwi": KiwiAnalyzer, "okt": OktAnalyzer}


@cache
def get_analyzer(name: str | None = None) -> Analyzer:
    name = (name or DEFAULT_ANALYZER).lower()
    if name not in _BACKENDS:
        raise ValueError(f"unknown analyzer {name!r}; choose one of {sorted(_BACKENDS)}")
    return _BACKENDS[name]()


def tokens(text: str, analyzer: str | None = None) -> list[Morpheme]:
    """Non-overlapping surface tokens for the Rasa tokenizer.

    Kiwi splits contractions into morphemes that share a span (했 -> 하 + 었); those are merged so that
    every character belongs to at most one token and entity offsets line up.
    """
    merged: list[Morpheme] = []
    for m in get_analyzer(analyzer).analyze(text):
        if merged and m.start < merged[-1].end:
            prev = merged[-1]
            end = max(prev.end, m.end)
            merged[-1] = Morpheme(text[prev.start:end], prev.lemma, prev.pos, prev.start, end)
        else:
            merged.append(m)
    return merged


def content_lemmas(text: str, analyzer: str | None = None) -> list[str]:
    """Lower-cased lemmas of the meaningful morphemes (nouns, verb stems, foreign words, numbers)."""
    return [m.lemma.lower() for m in get_analyzer(analyzer).analyze(text) if m.is_content]
