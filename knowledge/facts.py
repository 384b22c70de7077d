"""Fact kinds and framing words for the knowledge search, read from knowledge/facts.yml.

The search code keeps only the mechanism (see knowledge/search.py: asked_facts, entry_facts, regions_asked_about);
which words ask for which kind of fact is data that city staff or a linguist can review and extend, like the
lexicon. The file is validated when it is loaded: a broken pattern raises FactsError naming its section and key.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from knowledge.normalize import LexiconError

FACTS_PATH = Path(__file__).with_name("facts.yml")
PATTERN_SECTIONS = ("asks", "holds")


class FactsError(LexiconError):
    """facts.yml cannot be used (a LexiconError, so the search keeps the previous version as it does for the lexicon)."""


@dataclass(frozen=True)
class FactKinds:
    asks: dict[str, re.Pattern]  # kind -> what a question asking for it contains
    holds: dict[str, re.Pattern]  # kind -> what an entry's answer or figures contain when it holds that kind
    regions: frozenset[str]  # regions other than Gwangju
    stop_terms: frozenset[str]  # question and framing words: never a topic word
    region_exists: re.Pattern  # after a region with 도/은/는: asks whether that region has its own
    region_in_text: re.Pattern  # a region named at the start of a word (the analyzer cuts 세종시 -> 세 + 종시)
    region_also: re.Pattern  # a region with an additive or contrastive particle (대전에도, 부산은)
    framing_clause: re.Pattern | None = None  # the end of a clause that only frames the question (...하던데, ...인데요,)
    final_clause_kinds: frozenset[str] = frozenset()  # kinds asked for only in the question's last clause

    @classmethod
    def load(cls, path: Path = FACTS_PATH) -> FactKinds:
        from knowledge.base import read_yaml_file

        return cls.from_dict(read_yaml_file(path, FactsError))

    @classmethod
    def from_dict(cls, doc: object) -> FactKinds:
        if not isinstance(doc, dict):
            raise FactsError("facts: 섹션 이름: 내용 형식의 사전이어야 해요")
        asks, holds = (_patterns(doc, section) for section in PATTERN_SECTIONS)
        regions = frozenset(_words(doc.get("regions"), "regions"))
        groups = doc.get("stop_terms")
        if not isinstance(groups, dict) or not groups:
            raise FactsError("facts 'stop_terms': 묶음 이름: [단어, ...] 형식의 사전이어야 해요")
        stop_terms = frozenset(w for group, words in groups.items() for w in _words(words, f"stop_terms' '{group}"))
        if not regions:
            raise FactsError("facts 'regions': 지역 이름이 하나 이상 있어야 해요")
        # Longest first, so that a longer region name is not read as a shorter one it starts with.
        names = "|".join(re.escape(r) for r in sorted(regions, key=len, reverse=True))
        return cls(
            asks=asks,
            holds=holds,
            regions=regions,
            stop_terms=stop_terms,
            region_exists=_compile(doc.get("region_exists"), "region_exists"),
            # Start of a word only ("4대전략" is not 대전), before 시/도, a particle or the word's end.
            region_in_text=re.compile(r"(?<![가-힣])(" + names + r")(?=시|도|광역시|특별시|\b|[은는이가도의에요랑과와]|\s|$)"),
            region_also=re.compile(r"(?<![가-힣])(" + names + r")(?:시|광역시|특별시)?(?:에도|에서도|에는|에선|도|은|는|엔)(?![가-힣])"),
            framing_clause=_compile(doc["framing_clause"], "framing_clause") if "framing_clause" in doc else None,
            final_clause_kinds=frozenset(_words(doc["final_clause_kinds"], "final_clause_kinds")
                                         if doc.get("final_clause_kinds") else ()),
        )

    def last_clause(self, text: str) -> str:
        """The question after its framing clauses ("요즘 AI 얘기가 많아서요, ..." -> "..."): the whole text without any."""
        if self.framing_clause is None:
            return text
        end = 0
        for m in self.framing_clause.finditer(text):
            end = m.end()
        return text[end:]


def _patterns(doc: dict, section: str) -> dict[str, re.Pattern]:
    raw = doc.get(section)
    if not isinstance(raw, dict) or not raw:
        raise FactsError(f"facts '{section}': 종류: 정규식 형식의 사전이어야 해요")
    return {str(kind): _compile(value, f"{section}' '{kind}") for kind, value in raw.items()}


def _compile(value: object, key: str) -> re.Pattern:
    """One pattern: a string, or a list of strings joined (each part may carry its own comment in the file)."""
    parts = value if isinstance(value, list) else [value]
    if not parts or not all(isinstance(p, str) and p for p in parts):
        raise FactsError(f"facts '{key}': 정규식 문자열(또는 그 목록)이어야 해요")
    pattern = "".join(parts)
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise FactsError(f"facts '{key}': 정규식 오류 ({exc.msg}, {exc.pos}번째 글자): {pattern}") from exc


def _words(value: object, key: str) -> list[str]:
    # A word YAML reads as something else (on, yes, 1) must be quoted: refused rather than silently lost.
    if not isinstance(value, list) or not all(isinstance(w, str) and w.strip() for w in value):
        raise FactsError(f"facts '{key}': 문자열 목록이어야 해요 (on, yes 같은 단어는 따옴표로 감싸 주세요)")
    return [w.strip() for w in value]


@lru_cache(maxsize=1)
def default_facts() -> FactKinds:
    """The shipped facts.yml, loaded once (for the module-level helpers called without a KnowledgeBase)."""
    return FactKinds.load(FACTS_PATH)
