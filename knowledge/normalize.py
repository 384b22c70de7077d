"""Query normalisation for the knowledge search: what citizens type -> the words the knowledge base uses.

Three steps, all before scoring:
- `Lexicon.rewrite`: slang, abbreviations, English words and ordinals from knowledge/lexicon.yml (데센 -> 데이터센터,
  phase 1 -> 1단계, 오픈 -> 개소); the English words of section `english` only for the question bank's second view;
- `TypoCorrector.correct`: a word the knowledge base does not contain but that is one letter (one jamo) away from
  exactly one of its words is read as that word (집접단지 -> 집적단지, 데이터샌터 -> 데이터센터). Real words are left
  alone (목포 is a city, not a typo of 목표): only a word the analyzer cannot read as one dictionary word is changed;
- `Lexicon.synonyms`: per analysed word, the knowledge-base words that count for it (넓이 -> 면적), used by the
  coverage check and BM25 so a paraphrase is not taken for a detail the knowledge base lacks.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

LEXICON_PATH = Path(__file__).with_name("lexicon.yml")
_HANGUL_RUN = re.compile(r"[가-힣]+")
_HANGUL = re.compile(r"[가-힣]")
MAX_WORD = 16  # longest knowledge-base word (in syllables) indexed for typo correction
MIN_ANYWHERE = 3  # Korean rewrite keys this long also match inside a word written without spaces


class LexiconError(ValueError):
    pass


@dataclass
class Lexicon:
    rewrites: dict[str, str] = field(default_factory=dict)  # variant (spaces removed, lower case) -> canonical
    synonyms: dict[str, tuple[str, ...]] = field(default_factory=dict)  # question word -> knowledge-base words
    english: dict[str, str] = field(default_factory=dict)  # English variant (spaces removed) -> the entries' word
    _pattern: re.Pattern | None = field(default=None, repr=False)
    _english: re.Pattern | None = field(default=None, repr=False)

    @classmethod
    def load(cls, path: Path = LEXICON_PATH) -> Lexicon:
        if not path.exists():
            return cls()
        from knowledge.base import read_yaml_file

        return cls.from_dict(read_yaml_file(path, LexiconError) or {})

    @classmethod
    def from_dict(cls, doc: dict) -> Lexicon:
        rewrites: dict[str, str] = {}
        english: dict[str, str] = {}
        synonyms: dict[str, list[str]] = {}
        for section, target in (("rewrite", rewrites), ("english", english), ("synonyms", synonyms)):
            groups = doc.get(section) or {}
            if not isinstance(groups, dict):
                raise LexiconError(f"lexicon '{section}': 표준어: [변이형, ...] 형식의 사전이어야 해요")
            for canonical, variants in groups.items():
                if not isinstance(variants, list) or not all(isinstance(v, str) and v.strip() for v in variants):
                    raise LexiconError(f"lexicon '{section}' '{canonical}': 문자열 목록이어야 해요")
                for v in variants:
                    key = v.strip().lower()
                    if section != "synonyms":
                        target[_squash_key(key)] = str(canonical)
                    else:
                        target.setdefault(key, [])
                        if canonical not in target[key]:
                            target[key].append(str(canonical).lower())
        lex = cls(rewrites, {k: tuple(v) for k, v in synonyms.items()}, english)
        lex._pattern = _rewrite_pattern(rewrites)
        lex._english = _rewrite_pattern(english)
        return lex

    def rewrite(self, text: str, english: bool = False) -> str:
        """The rewrites, then (with `english`) the English words of section `english` as the entries'
        words. The question bank reads a question both ways (knowledge/search.py `_Index.bank_tokens`)."""
        text = _replace(self._pattern, self.rewrites, text)
        return _replace(self._english, self.english, text) if english else text


def _replace(pattern: re.Pattern | None, table: dict[str, str], text: str) -> str:
    if not pattern:
        return text
    out, pos = [], 0
    for m in pattern.finditer(text):
        canonical = table.get(_squash_key(m.group(0)), m.group(0))
        out.append(text[pos:m.start()])
        out.append(canonical)
        pos = m.end()
        # The particle that ends the word must suit the new last syllable ("넓이가" -> "면적이", not "면적가").
        tail = _HANGUL_TAIL.match(text, pos)
        particle = next((p for p in _PARTICLES_LONGEST_FIRST if tail and tail.group(0).startswith(p)), None)
        if particle:
            out.append(_particle(canonical, particle))
            pos += len(particle)
    out.append(text[pos:])
    return "".join(out)


# Particle pairs: (after a final consonant, after a vowel).
_PARTICLE_PAIRS = [("이", "가"), ("은", "는"), ("을", "를"), ("과", "와"), ("이랑", "랑"), ("으로", "로"), ("이나", "나"),
                   ("이에요", "예요")]
_PARTICLES = {p: pair for pair in _PARTICLE_PAIRS for p in pair}
_PARTICLES_LONGEST_FIRST = sorted(_PARTICLES, key=len, reverse=True)
_HANGUL_TAIL = re.compile(r"[가-힣]+(?![가-힣])")


def _particle(word: str, particle: str) -> str:
    last = word[-1] if word else ""
    if not ("가" <= last <= "힣"):
        return particle  # Latin letters or digits: leave the citizen's choice
    final = (ord(last) - 0xAC00) % 28
    after_consonant, after_vowel = _PARTICLES[particle]
    if after_consonant == "으로" and final == 8:  # ㄹ takes 로: "서울로"
        return after_vowel
    return after_consonant if final else after_vowel


def _squash_key(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _rewrite_pattern(rewrites: dict[str, str]) -> re.Pattern | None:
    if not rewrites:
        return None
    parts = []
    for key in sorted(rewrites, key=len, reverse=True):  # longest first: "데이타센타" before "데이타"
        body = r"\s*".join(re.escape(ch) for ch in key)
        if _HANGUL.search(key):
            # Short Korean keys only at the start of a word: "데센" must not match inside another word.
            lead = "" if len(key) >= MIN_ANYWHERE else r"(?<![가-힣])"
            if key[0].isdigit():  # "1년" -> 한 해, but not the end of a number: 2021년 is no "202한 해"
                lead += r"(?<![\d.,])"
            parts.append(lead + body)
        else:
            parts.append(r"(?<![a-z0-9])" + body + r"(?![a-z0-9])")
    return re.compile("|".join(parts))


# ------------------------------------------------------------------------------------------------ typos
def _jamo(ch: str) -> tuple[int, int, int]:
    code = ord(ch) - 0xAC00
    return code // 588, (code % 588) // 28, code % 28


# Vowels written differently but pronounced alike: ㅐ/ㅔ, ㅒ/ㅖ, ㅙ/ㅚ/ㅞ, ㅖ/ㅔ after a consonant, and after ㅈ ㅉ ㅊ the
# glide (져 = 저). People spell by sound, so these never tell two words apart in a question (문재 = 문제, 비젼 = 비전).
_SAME_VOWEL = {1: 5, 3: 7, 10: 15, 11: 15}
_AFTER_PALATAL = {6: 4, 12: 8, 17: 13, 2: 0}


def sound_key(word: str) -> str:
    out = []
    for ch in word:
        if "가" <= ch <= "힣":
            lead, vowel, tail = _jamo(ch)
            vowel = _SAME_VOWEL.get(vowel, vowel)
            if lead in (12, 13, 14):
                vowel = _AFTER_PALATAL.get(vowel, vowel)
            if vowel == 7 and lead != 11:
                vowel = 5
            ch = chr(0xAC00 + lead * 588 + vowel * 28 + tail)
        out.append(ch)
    return "".join(out)


def jamo_keys(word: str) -> Iterable[str]:
    """The word with one jamo (initial, vowel or final of one syllable) wildcarded: words sharing a key differ
    in at most that one letter."""
    for i, ch in enumerate(word):
        parts = _jamo(ch)
        for j in range(3):
            rest = "".join(chr(0x1000 + p) for k, p in enumerate(parts) if k != j)
            yield f"{word[:i]}\x00{j}{rest}\x00{word[i + 1:]}"


# What follows a noun without changing what it names (particles, plural, copula): the analyzer reads these short
# tails unreliably on their own ("의" alone is a noun to it), so they are listed.
PARTICLE_TAILS = frozenset(["은", "는", "이", "가", "을", "를", "의", "에", "에서", "에게", "께", "한테", "로", "으로", "와", "과", "도",
    "만", "랑", "이랑", "까지", "부터", "요", "이요", "은요", "는요", "에는", "에서는", "에선", "으로는", "로는", "도요", "이나", "나", "처럼", "보다",
    "마다", "이며", "며", "이고", "고", "이야", "야", "이에요", "예요", "에요", "이죠", "죠", "인가요", "인가", "이라", "라", "이라고", "라고", "에서도",
    "에도", "으로도", "로도", "까지는", "부터는", "들", "들은", "들이", "들을", "들의", "들도", "들에", "들에게", "들이랑", "들과", "들은요", "이랑은", "과는",
    "와는", "엔", "에선요", "이란", "란"])


class TypoCorrector:
    """One-letter typos of the nouns the knowledge base uses, found through a wildcard index (no vocabulary scan).

    `stems` are the knowledge base's noun stems (words without their particles: 집적단지, 데이터센터, 사업단); only a
    question word that is not a known stem and that the analyzer reads as noun pieces or unknown letters (집 + 접,
    헙약) is corrected, never verb forms (늘어요, 해줘) nor a real word the knowledge base does not use (목포, 보상).
    """

    def __init__(self, stems: Iterable[str], is_single_word: Callable[[str], bool],
                 looks_misspelt: Callable[[str, int], bool]) -> None:
        self.known: Counter[str] = Counter(s for s in stems if len(s) >= 2)
        self._index: dict[str, list[str]] = {}
        for word in self.known:
            if len(word) <= MAX_WORD:
                for key in jamo_keys(word):
                    self._index.setdefault(key, []).append(word)
        self._is_single_word = is_single_word
        self._looks_misspelt = looks_misspelt
        self._by_sound: dict[str, list[str]] = {}
        for word in self.known:
            self._by_sound.setdefault(sound_key(word), []).append(word)
        self._cache: dict[str, str] = {}

    def clear_cache(self) -> None:
        self._cache.clear()

    def correct(self, text: str) -> str:
        return _HANGUL_RUN.sub(lambda m: self._correct_run(m.group(0)), text)

    def _correct_run(self, run: str) -> str:
        if len(run) < 2:
            return run
        cached = self._cache.get(run)
        if cached is None:
            cached = self._fix(run)
            if len(self._cache) < 20_000:
                self._cache[run] = cached
        return cached

    def _fix(self, run: str) -> str:
        longest = min(len(run), MAX_WORD)
        # A known stem at the start ("사업은", "데이터센터는") is read as written; a typo can only lie after it.
        known = max((k for k in range(2, longest + 1) if run[:k] in self.known), default=1)
        if known == len(run) or (known >= 2 and run[known:] in PARTICLE_TAILS):
            return run  # "사업의", "데이터센터는": a known stem and its particle
        for k in range(longest, known, -1):
            head = run[:k]
            same = [w for w in self._by_sound.get(sound_key(head), ()) if w != head]
            if same:  # spelt as it sounds: read as the knowledge base's word whatever the analyzer thinks
                return max(same, key=lambda w: self.known[w]) + run[k:]
            found = {w for key in jamo_keys(head) for w in self._index.get(key, ()) if w != head}
            if not found:
                continue
            best = max(found, key=lambda w: self.known[w])
            if sum(self.known[w] == self.known[best] for w in found) > 1:
                return run  # two equally likely readings: leave it to the fuzzy scoring
            if self._is_single_word(head) or not self._looks_misspelt(head, k):
                return run  # a real word the knowledge base does not use, or a verb form: not a typo
            return best + run[k:]
        return run
