"""Hybrid retrieval over the knowledge base with a calibrated confidence and three answer bands.

Signals for each entry (all in [0, 1]):
- bm25: Okapi BM25 (bm25s) over Korean content lemmas (nlu.korean), divided by the best score each query term can
  reach in the corpus, so it reads as "how much of the question this entry matches" rather than a raw score;
- emb: cosine similarity from the project's Embedder (the offline morpheme + character TF-IDF/SVD backend, fitted on
  the knowledge base's own titles, aliases, example questions and answers), best over the entry's keys;
- char: character 2-3-gram TF-IDF cosine on spacing-free text, best over the entry's keys (typos, no spacing);
- cov: IDF-weighted share of the question's content words that the entry covers (also fuzzily, per jamo), and
  unc: the weight of the rarest word it does not cover. These two make the bot refuse questions about things
  the knowledge base does not hold (a phone number, another city, a later year) even when the topic matches.

Ranking uses a weighted sum; the confidence is a logistic function of the top entry's signals and its margin over
the runner-up, fitted on the dev half of knowledge/eval/questions.yml (`make eval-kb`, parameters in fusion.json).
"""
from __future__ import annotations

import json
import logging
import math
import os
import re
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import TfidfVectorizer

from knowledge.base import Entry, KnowledgeBaseError, KnowledgeData, load_entries, numbers_in

log = logging.getLogger(__name__)

PARAMS_PATH = Path(__file__).with_name("fusion.json")
FEATURES = ("bm25", "emb", "char", "cov", "unc", "margin")
MAX_QUERY_CHARS = 500  # the analyzer and scoring need no more; longer messages are cut, never echoed
MAX_QUERY_TERMS = 48
SHORTLIST = 8  # entries that get the (slower) fuzzy coverage check

# Question words, politeness and filler: they say how something is asked, not what about.
STOP_TERMS = frozenset([
    "뭐", "무엇", "무슨", "뭔", "뭘", "어디", "언제", "얼마", "얼마나", "누구", "누가", "몇", "어떻", "어떤", "어떠", "어느", "왜", "알",
    "알려", "알려줘", "알려주", "알려주세요", "궁금", "설명", "하", "해", "해요", "했", "함", "하고", "있", "없", "되", "돼", "된", "말",
    "좀", "주", "줘", "주세요", "요", "거", "것", "수", "내용", "관련", "대하", "대해", "정보", "질문", "문의", "싶", "부탁", "가르쳐",
    "가르치", "광주", "광주시", "광주광역시", "시", "그럼", "그러면", "그리고", "혹시", "진짜", "정말", "제일", "가장", "너무", "많이", "이거",
    "그거", "거기", "여기", "저기", "그곳", "이곳", "그것", "이것", "그건", "이건", "걔", "쟤", "그쪽", "이쪽", "다", "또", "더", "잘",
    "어때", "어때요", "인가", "건가", "예요", "이에요", "뭔가", "대충", "간단히", "자세히", "얘기", "이야기", "소개", "개요", "설명", "내용",
    "전체", "전반", "정리", "요약", "한마디", "목록", "리스트", "종류", "역할", "이유", "사실", "모습", "상황", "과정", "방안", "방법", "계획",
    "현황", "특징", "의미", "뜻", "맞", "맞아", "맞음", "들", "거예요", "건지", "건데", "던데", "데", "다던데", "라던데", "임", "음", "함",
    "뭐임", "어케", "어떻게", "알고", "what", "is", "are", "was", "were", "the", "a", "an", "of", "in", "on", "at",
    "about", "tell", "me", "please", "how", "when", "where", "who", "which", "much", "many", "does", "do",
    "did", "it", "this", "that", "to", "for", "and", "or", "can", "could", "would", "you", "your", "i",
    "my", "we", "our", "there"
])
DEICTIC = re.compile(r"거기|그거|그것|그건|그곳|그쪽|여기|이거|이곳|저기|그\s*(?:사업|센터|학교|곳|단지|대학원|행사)|이\s*사업")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)

# The kind of fact a question asks for. If the best entry holds no fact of that kind, answering with it would
# state something else ("수강료는?" answered with the number of trainees), so the bot says it does not know.
ASKS = {
    # The knowledge base holds no contact details at all, by rule (never invent a phone number or URL).
    "contact": re.compile(r"전화|연락처|이메일|메일|홈페이지|웹\s*사이트|사이트|누리집|주소|url|링크|팩스|카톡\s*채널"),
    "money": re.compile(r"예산|비용|돈|요금|금액|사업비|등록금|수강료|학비|연봉|급여|월급|지원금|용역비|가격|매출|투자|\d\s*억|\d\s*원"),
    "date": re.compile(r"언제|시기|날짜|일정|마감|기간|몇\s*(?:년|월|일)|개소일|개원일|며칠"),
    "area": re.compile(r"면적|넓이|평수|크기|부지\s*규모|㎡|제곱미터|\d\s*평\b"),
}
# Regions other than Gwangju: the knowledge base is about Gwangju, so "부산 AI 예산" is not answered with Gwangju's.
REGIONS = frozenset([
    "서울", "부산", "대구", "인천", "대전", "울산", "세종", "경기", "강원", "충북", "충남", "전북", "전남", "경북", "경남", "제주", "수원",
    "창원", "고양", "용인", "성남", "청주", "천안", "전주", "포항", "목포", "여수", "순천", "나주", "김해", "안산", "평택", "원주", "춘천",
    "강릉", "판교", "송도", "양재"
])
COUNTER = re.compile(r"몇\s*(명|개|곳|군데|장|대|층|번|차|기|개국|시간|분)")
# Which figure units answer "몇 <counter>".
COUNTER_UNITS = {"명": ("명",), "개": ("개",), "곳": ("개", "곳", "기관"), "군데": ("개", "곳", "기관"),
                 "번": ("차", "번"), "차": ("차", "번"), "기": ("기",)}
FACT_PATTERNS = {
    "money": re.compile(r"\d\s*억|\d\s*원|조\s*원"),
    "date": re.compile(r"\d{4}\s*년|\d{1,2}\s*월|\d{1,2}\s*일|\d{4}-\d{2}|\d{4}\s*~|이듬해|그해"),
    "area": re.compile(r"㎡|제곱미터"),
}


def asked_facts(question: str, terms: list[str] = ()) -> set[str]:
    """Kinds of fact the question asks for: contact, money, date, area, count:<counter>, place:<region>.

    `terms` are the question's content lemmas: regions are matched as words ("4대전략" is not 대전)."""
    text = normalize_text(question)
    kinds = {k for k, rx in ASKS.items() if rx.search(text)}
    kinds |= {f"count:{m}" for m in COUNTER.findall(text)}
    kinds |= {f"place:{t}" for t in terms if t in REGIONS}
    return kinds


SPECIFIC_NUMBER = re.compile(r"(\d[\d,.]*)\s*(단계|차|기|년|회)?")


def asked_numbers(question: str) -> set[float]:
    """Numbers that name something specific (2026년, 39차, 3단계, 5150): they must be in the entry's text.

    A single digit without such a counter ("1년에 몇 명") is how people talk, not a fact to match."""
    out = set()
    for digits, counter in SPECIFIC_NUMBER.findall(normalize_text(question)):
        if len(digits.replace(",", "")) >= 2 or counter in {"단계", "차", "기"}:
            out |= numbers_in(digits)
    return out


def entry_facts(entry: Entry) -> set[str]:
    text = " ".join([entry.answer, *(f.value for f in entry.figures)])
    kinds = {k for k, rx in FACT_PATTERNS.items() if rx.search(text)}
    for counter, units in COUNTER_UNITS.items():
        if any(re.search(r"\d[\d,]*\s*" + u, text) for u in units):
            kinds.add(f"count:{counter}")
    for m in re.finditer(r"\d[\d,.]*\s*(장|대|층|개국|시간|분)", text):
        kinds.add(f"count:{m.group(1)}")
    return kinds


@dataclass(frozen=True)
class FusionParams:
    weights: dict[str, float]  # ranking weights over bm25, emb, char, cov
    coef: dict[str, float]  # logistic confidence over FEATURES
    intercept: float
    answer_threshold: float  # confidence >= this: answer with the entry
    clarify_threshold: float  # confidence >= this (and below answer): offer the closest topics

    @classmethod
    def load(cls, path: Path = PARAMS_PATH) -> FusionParams:
        if path.exists():
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(raw["weights"], raw["coef"], raw["intercept"], raw["answer_threshold"],
                       raw["clarify_threshold"])
        return DEFAULT_PARAMS

    def to_json(self) -> str:
        return json.dumps({"weights": self.weights, "coef": self.coef, "intercept": self.intercept,
                           "answer_threshold": self.answer_threshold,
                           "clarify_threshold": self.clarify_threshold}, indent=2, ensure_ascii=False)


# Hand-set starting point, used only when fusion.json is missing.
DEFAULT_PARAMS = FusionParams(
    weights={"bm25": 0.3, "emb": 0.25, "char": 0.25, "cov": 0.2},
    coef={"bm25": 3.0, "emb": 2.0, "char": 2.0, "cov": 4.0, "unc": -4.0, "margin": 4.0},
    intercept=-6.0, answer_threshold=0.6, clarify_threshold=0.3,
)


@dataclass(frozen=True)
class Candidate:
    entry: Entry
    score: float  # ranking score
    features: dict[str, float]


@dataclass(frozen=True)
class SearchResult:
    band: str  # "answer" | "clarify" | "unknown"
    confidence: float
    candidates: tuple[Candidate, ...] = ()
    used_context: bool = False
    source_line: str = ""
    missing: tuple[str, ...] = ()  # kinds of fact asked for that the best entry does not hold

    @property
    def entry(self) -> Entry | None:
        """The entry to answer with (answer band only)."""
        return self.candidates[0].entry if self.band == "answer" and self.candidates else None

    @property
    def top(self) -> Entry | None:
        return self.candidates[0].entry if self.candidates else None

    def suggestions(self, limit: int = 3) -> list[Entry]:
        """Two or three closest entries for the clarify band: those scoring at least half the best."""
        if not self.candidates:
            return []
        best = self.candidates[0].score
        return [c.entry for c in self.candidates[:limit] if c.score >= 0.5 * best]


def normalize_text(text: str) -> str:
    # Whitespace collapsed: python-mecab-ko reports offsets without leading spaces (see docs/knowledge.md).
    return " ".join(unicodedata.normalize("NFKC", text or "")[:MAX_QUERY_CHARS].lower().split())


def squash(text: str) -> str:
    """Spacing-free text for character n-grams: "AI 사관 학교" and "ai사관학교" look the same."""
    return _NON_WORD.sub("", normalize_text(text))


def jamo(text: str) -> str:
    """Hangul syllables split into letters, so a one-letter typo (센타/센터) stays close."""
    return unicodedata.normalize("NFD", text)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


class _Index:
    """Everything derived from one version of the entries; rebuilt when the file changes."""

    def __init__(self, data: KnowledgeData, analyzer: str | None, embedder_backend: str) -> None:
        import bm25s

        from civic.embeddings import get_embedder
        from nlu.korean import content_lemmas

        self.data = data
        self.entries = data.entries
        self._lemmas = lambda text: content_lemmas(text, analyzer)
        n = len(self.entries)

        # BM25 over one document per entry; title and aliases count twice (they name the topic).
        docs = []
        for e in self.entries:
            head = " ".join([e.title, *e.aliases])
            body = " ".join([*e.questions, e.answer, *(f.value for f in e.figures)])
            docs.append(self._lemmas(f"{head} {head} {body}"))
        self.vocab = [set(d) for d in docs]
        self.bm25 = bm25s.BM25(k1=1.2, b=0.75)
        self.bm25.index(docs, show_progress=False)
        scores, ptr = self.bm25.scores["data"], self.bm25.scores["indptr"]
        self.term_max = {t: float(scores[ptr[j]:ptr[j + 1]].max(initial=0.0))
                         for t, j in self.bm25.vocab_dict.items() if t and j + 1 < len(ptr)}
        self.unknown_term_max = max(self.term_max.values(), default=1.0) or 1.0
        df: dict[str, int] = {}
        for d in self.vocab:
            for t in d:
                df[t] = df.get(t, 0) + 1
        self.idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self.max_idf = math.log(1 + n)  # a word no entry has
        self.squashed = [squash(" ".join([e.title, *e.aliases, *e.questions, e.answer])) for e in self.entries]
        # Fuzzy coverage: each unknown query word is matched once against the whole vocabulary (per jamo).
        self.fuzzy_terms = sorted(t for t in set().union(*self.vocab) if len(t) >= 2 and not t.isdigit())
        self.fuzzy_jamo = [jamo(t) for t in self.fuzzy_terms]
        self._similar: dict[str, frozenset[str]] = {}
        self.facts = [entry_facts(e) | {f"place:{t}" for t in v if t in REGIONS}
                      for e, v in zip(self.entries, self.vocab)]
        self.numbers = [numbers_in(" ".join([e.title, *e.aliases, *e.questions, e.answer, *(f.value for f in e.figures)]))
                        for e in self.entries]
        self._signals: dict[str, tuple] = {}  # recent questions (clarify buttons, retries, tuning)

        # Keys: the short texts a question should resemble.
        keys, owner = [], []
        for i, e in enumerate(self.entries):
            for text in (e.title, *e.aliases, *e.questions):
                keys.append(text)
                owner.append(i)
        self.owner = np.asarray(owner)
        self.key_starts = np.flatnonzero(np.r_[True, self.owner[1:] != self.owner[:-1]])

        self.char = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True, dtype=np.float32)
        self.char_keys = self.char.fit_transform([squash(k) for k in keys]).T.tocsr()
        self.char_vocab = self.char.vocabulary_
        self.char_idf = self.char.idf_.astype(np.float32)

        self.embedder = get_embedder(embedder_backend)
        fit_texts = keys + [e.answer for e in self.entries]
        vectors = self.embedder.fit_embed(fit_texts) if hasattr(self.embedder, "fit_embed") \
            else self.embedder.fit(fit_texts).embed(fit_texts)
        self.emb_keys = np.ascontiguousarray(vectors[: len(keys)].T)

    # ------------------------------------------------------------------ signals
    def terms(self, text: str) -> list[str]:
        seen: dict[str, None] = {}
        for t in self._lemmas(normalize_text(text)):
            if t not in STOP_TERMS and _NON_WORD.sub("", t):
                seen.setdefault(t)
            if len(seen) >= MAX_QUERY_TERMS:
                break
        return list(seen)

    def _group_max(self, key_scores: np.ndarray) -> np.ndarray:
        return np.maximum.reduceat(key_scores, self.key_starts)

    def signals(self, text: str) -> tuple[list[str], dict[str, np.ndarray]]:
        cached = self._signals.get(text)
        if cached is None:
            if len(self._signals) >= 512:
                self._signals.clear()
            cached = self._signals[text] = self._compute_signals(text)
        return cached

    def _compute_signals(self, text: str) -> tuple[list[str], dict[str, np.ndarray]]:
        terms = self.terms(text)
        n = len(self.entries)
        if terms:
            raw = self.bm25.get_scores(terms)
            ceiling = sum(self.term_max.get(t, self.unknown_term_max) for t in terms)
            bm25 = np.clip(raw / ceiling, 0.0, 1.0)
        else:
            bm25 = np.zeros(n)
        flat = squash(text)
        if flat:
            char = self._group_max(self._char_scores(flat))
            emb = self._group_max(self.embedder.embed([normalize_text(text)])[0] @ self.emb_keys)
        else:
            char = emb = np.zeros(n)
        return terms, {"bm25": bm25, "emb": np.clip(emb, 0.0, 1.0), "char": np.clip(char, 0.0, 1.0)}

    def _char_scores(self, flat: str) -> np.ndarray:
        """Cosine of the question's character 2-3-grams with every key; the vectorizer's own transform costs
        ~2 ms of input validation per call, so the same TF-IDF weighting is applied by hand."""
        counts: dict[int, int] = {}
        for n in (2, 3):
            for k in range(len(flat) - n + 1):
                j = self.char_vocab.get(flat[k:k + n])
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
        if not counts:
            return np.zeros(len(self.owner), dtype=np.float32)
        cols = np.fromiter(counts, dtype=np.int64)
        weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32))) * self.char_idf[cols]
        weights /= np.linalg.norm(weights)
        return np.asarray(self.char_keys[cols].T @ weights).ravel()

    def coverage(self, terms: list[str], i: int) -> tuple[float, float]:
        """(covered weight share, weight of the rarest uncovered word / max) for entry i."""
        if not terms:
            return 0.0, 0.0
        total = covered = 0.0
        worst = 0.0
        for t in terms:
            w = self.idf.get(t, self.max_idf)
            if len(t) == 1 and not t.isdigit() and t not in self.idf:
                w *= 0.5  # a stray syllable from a typo ("데이타" -> 데 + 이타) is weak evidence either way
            total += w
            if self._covers(t, i):
                covered += w
            elif len(t) > 1 or t.isdigit():
                worst = max(worst, w / self.max_idf)
        return covered / total, worst

    def _covers(self, term: str, i: int) -> bool:
        if term in self.vocab[i] or (len(term) >= 2 and term in self.squashed[i]):
            return True
        if len(term) < 2 or term.isdigit():
            return False  # numbers and single letters must match exactly: 2030 is not 2020
        return not self.similar(term).isdisjoint(self.vocab[i])

    def similar(self, term: str) -> frozenset[str]:
        """Vocabulary words within one or two jamo of `term` (센타 -> 센터)."""
        found = self._similar.get(term)
        if found is None:
            hits = process.extract(jamo(term), self.fuzzy_jamo, scorer=fuzz.ratio, score_cutoff=80, limit=None)
            found = frozenset(self.fuzzy_terms[idx] for _, _, idx in hits)
            if len(self._similar) < 10_000:
                self._similar[term] = found
        return found


class KnowledgeBase:
    """The knowledge base file plus its search index; reloads the file when it changes (mtime check)."""

    def __init__(self, path: str | os.PathLike | None = None, params: FusionParams | None = None,
                 analyzer: str | None = None, embedder_backend: str = "offline") -> None:
        if path is None:
            from civic.settings import get_settings

            path = get_settings().knowledge_path
        self.path = Path(path)
        self.params = params or FusionParams.load()
        self.analyzer = analyzer
        self.embedder_backend = embedder_backend
        self._lock = threading.Lock()
        self._index: _Index | None = None
        self._stamp: tuple[int, int] | None = None

    # ------------------------------------------------------------------ loading
    def _current(self) -> _Index:
        try:
            st = self.path.stat()
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = None
        if self._index is not None and stamp == self._stamp:
            return self._index
        with self._lock:
            if self._index is not None and stamp == self._stamp:
                return self._index
            try:
                data = load_entries(self.path)
            except KnowledgeBaseError as exc:
                if self._index is None:
                    raise
                # An administrator saved a broken file by hand: keep answering from the last good version.
                log.warning("knowledge base %s not reloaded, keeping the previous version: %s", self.path, exc)
                self._stamp = stamp
                return self._index
            self._index = _Index(data, self.analyzer, self.embedder_backend)
            self._stamp = stamp
            log.info("knowledge base loaded: %d entries from %s", len(data.entries), self.path.name)
            return self._index

    @property
    def data(self) -> KnowledgeData:
        return self._current().data

    def entry(self, entry_id: str) -> Entry | None:
        return self.data.by_id.get(entry_id)

    def resolve_topic(self, value: str | None) -> Entry | None:
        """An entry named by a button payload or an NLU `topic` entity: by id, title or alias."""
        if not value:
            return None
        data = self.data
        if value in data.by_id:
            return data.by_id[value]
        key = squash(value)
        if not key:
            return None
        for e in data.entries:
            if key == squash(e.title) or any(key == squash(a) for a in e.aliases):
                return e
        return None

    # ------------------------------------------------------------------ search
    def search(self, question: str, context_topic: str | None = None,
               params: FusionParams | None = None) -> SearchResult:
        """Find the entry answering `question`; `context_topic` is the entry id of the last answer."""
        index = self._current()
        params = params or self.params
        result = self._search(index, question, params, question)
        context = index.data.by_id.get(context_topic or "")
        if context is None:
            return result
        # A follow-up ("거기 예산은?") or a question too weak on its own: read it together with the last topic.
        if DEICTIC.search(question or "") or result.band != "answer":
            expanded = self._search(index, f"{DEICTIC.sub(' ', question or '')} {context.title}", params, question)
            if DEICTIC.search(question or "") or expanded.confidence > result.confidence:
                return SearchResult(expanded.band, expanded.confidence, expanded.candidates, True,
                                    expanded.source_line, expanded.missing)
        return result

    def _search(self, index: _Index, text: str, p: FusionParams, question: str) -> SearchResult:
        """Score `text` (the question, or the question with the last topic); facts are checked on `question`."""
        terms, sig = index.signals(text)
        # Coverage is judged on the citizen's own words: the last topic added to a follow-up must not make an
        # unrelated question ("오늘 날씨 어때요?") look covered.
        asked_terms = terms if text == question else index.signals(question)[0]
        rank = sum(p.weights.get(k, 0.0) * sig[k] for k in ("bm25", "emb", "char"))
        shortlist = np.argsort(-rank, kind="stable")[:SHORTLIST]
        scored = []
        for i in shortlist:
            cov, unc = index.coverage(asked_terms, int(i))
            feats = {k: float(sig[k][i]) for k in ("bm25", "emb", "char")} | {"cov": cov, "unc": unc}
            scored.append((float(rank[i]) + p.weights.get("cov", 0.0) * cov, int(i), feats))
        scored.sort(key=lambda s: -s[0])
        if not scored:
            return SearchResult("unknown", 0.0)
        margin = scored[0][0] - (scored[1][0] if len(scored) > 1 else 0.0)
        top = scored[0][2] | {"margin": margin}
        z = p.intercept + sum(p.coef.get(k, 0.0) * top.get(k, 0.0) for k in FEATURES)
        confidence = _sigmoid(z)
        candidates = tuple(Candidate(index.entries[i], s, f | {"margin": margin if j == 0 else 0.0})
                           for j, (s, i, f) in enumerate(scored[:3]))
        best = scored[0][1]
        missing = sorted(asked_facts(question, asked_terms) - index.facts[best])
        missing += [f"number:{n:g}" for n in sorted(asked_numbers(question) - index.numbers[best])]
        missing = tuple(missing)
        if not asked_terms or missing:
            band = "unknown"  # only question words ("뭐예요?"), or a kind of fact the entry does not hold
        elif confidence >= p.answer_threshold:
            band = "answer"
        elif confidence >= p.clarify_threshold:
            band = "clarify"
        else:
            band = "unknown"
        line = index.data.source_line(candidates[0].entry) if band == "answer" else ""
        return SearchResult(band, confidence, candidates, False, line, missing)


@lru_cache(maxsize=4)
def _shared(path: str) -> KnowledgeBase:
    return KnowledgeBase(path)


def get_knowledge_base(path: str | os.PathLike | None = None) -> KnowledgeBase:
    """One KnowledgeBase per file and process (built lazily on first search, never at import)."""
    if path is None:
        from civic.settings import get_settings

        path = get_settings().knowledge_path
    return _shared(str(Path(path).resolve()))
