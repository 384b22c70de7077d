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

- name: how much of the question is one of the entry's names (title or alias), on the shortlist;
- ev: how many of the question's nouns the entry covers beyond a short question's few (long questions).
- qb, qnull, qunc: the question bank's probability of the entry and of "no entry" (knowledge/qbank.py, learnt from
  the labelled development questions), and qb times unc; qb also counts in the ranking.

Ranking uses a weighted sum; the confidence is a logistic function of the top entry's signals and its margin over
the runner-up, fitted on knowledge/eval/questions.yml (`make eval-kb`, parameters in fusion.json). Whatever the
confidence, a question asking for a kind of fact the best entry does not hold (`asks` in knowledge/facts.yml, the
entry's `unknowns`) is not answered with it.
"""
from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from rapidfuzz import fuzz, process
from sklearn.feature_extraction.text import TfidfVectorizer

from knowledge.base import Entry, KnowledgeBaseError, KnowledgeData, load_entries, numbers_in
from knowledge.facts import FACTS_PATH, FactKinds, FactsError, default_facts
from knowledge.normalize import LEXICON_PATH, Lexicon, LexiconError, TypoCorrector, jamo_keys, sound_key
from knowledge.qbank import CHAR_NGRAMS, QUESTIONS_PATH, REGULARIZATION, QuestionBank, load_labelled

log = logging.getLogger(__name__)

PARAMS_PATH = Path(__file__).with_name("fusion.json")
FEATURES = ("bm25", "emb", "char", "cov", "unc", "name", "margin", "gap", "ev", "qb", "qnull", "qunc", "lastdis")
EVIDENCE_FREE = 3  # covered nouns a short question has anyway (see _Index.coverage)
EVIDENCE_SPAN = 4
MAX_QUERY_CHARS = 500  # the analyzer and scoring need no more; longer messages are cut, never echoed
SETTINGS = object()  # a default taken from civic.settings when the KnowledgeBase is made
BANK_CACHE_FORMAT = 1  # bump when QuestionBank.save changes what it writes
BANK_CACHE_KEEP = 6  # fitted banks (~30 MB each) kept per cache folder: the running files, edited copies, ...
# The code a question's bank features depend on: a change to it invalidates the cached fits.
_FEATURE_CODE = (*sorted(Path(__file__).parent.glob("*.py")), Path(__file__).parents[1] / "nlu" / "korean.py")
MAX_QUERY_TERMS = 48
SHORTLIST = 8  # entries that get the (slower) fuzzy coverage check
FOLLOWUP_COV = 0.3

# Question and framing words (stop_terms), the kinds of fact a question asks for (asks) or an entry holds (holds)
# and the regions other than Gwangju are data: knowledge/facts.yml, loaded by knowledge/facts.py.
DEICTIC = re.compile(r"거기|그거|그것|그건|그게|그걸|그곳|그쪽|여기|이거|이곳|저기|그때|그날|그\s*자리|그\s*(?:사업|센터|학교|곳|단지|대학원|행사)|이\s*사업")
# The deictics that name the last topic itself (not a time: "그날 협약도 맺었다던데" may be about another entry).
TOPIC_DEICTIC = re.compile(r"거기|그곳|그쪽|여기|이곳|저기|그\s*(?:사업|센터|학교|곳|단지|대학원|행사)|이\s*사업")
# "사관학교 말고 다른 교육 과정은?", "데센 말고 또 뭐 있음?": the word before 말고/빼고/외에 names what the citizen
# sets aside (a deictic word: the last topic), and 다른/또/더 after it asks for something else.
SET_ASIDE = re.compile(r"(?<![가-힣A-Za-z])([가-힣A-Za-z]{2,15}?)(?:은|는|이|가|을|를|이랑|랑)?\s*"
                       r"(말고|빼고|제외하고|외에|외에도|외에는)\s+(?:\S+\s+){0,3}?(?:다른|또|더)(?![가-힣])")
# "월요대화에 AI 사관학교 수료생이랑 교육생도 왔어요?": an event named with 에 and a verb of coming or attending; who came is a
# detail of the event.
ATTENDED = re.compile(r"(?<![가-힣A-Za-z])([가-힣A-Za-z0-9]{2,15}?)(?:에는|에도|에)\s+(?:\S+\s+){0,5}?\S*"
                      r"(?:왔|참석|참가|나왔|모였|갔었|갔어|갔나|갔대)")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
# "그 전략 과제는 몇 개예요?" after 시민 참여 (whose answer calls it one of the 4대 전략): 그 before a noun the last answer
# used points back at what was just told, like 거기 or 그 사업 (a particle may follow the noun).
POINTS_BACK = re.compile(r"(?<![가-힣])그\s+([가-힣A-Za-z]{2,}?)(?:에서는|에서|에는|에도|은|는|이|가|을|를|의|에|도|과|와|랑)?(?![가-힣A-Za-z])")
# A follow-up asking for a whole that includes the last topic ("그거 포함해서 전체 사업비는요?" after the data centre):
# the last topic is a part of what is asked, not its answer.
INCLUDING = re.compile(r"(?:그거|그것|그걸|그것을|그게|거기|이거|이걸|그\s*\S+)\s*(?:까지|도|을|를)?\s*(?:다\s*)?(?:포함|합쳐|합친|합치|더해|더한|더하)")

# How something is done ("어떤 식으로 키우는데?", "어떻게 지원해요?"): a follow-up asking it may move on from a topic that
# gives only targets to the one that says how.
HOW_DONE = re.compile(r"어떤\s*(?:식|방식|방법|교육|과정|프로그램)으로|어떻게\s*(?:키우|키워|기르|길러|양성|육성|지원|만들)")


def regions_asked_about(text: str, facts: FactKinds | None = None) -> set[str]:
    """Regions the question asks about as such, in normalised text.

    A region with the additive or contrastive particle, as what the question is about (its first word: "부산은
    어때요?") or as where something is or appears ("대전에도 AI 사관학교 있어요?", "사관학교 대전에도 생겨요?"), asks
    for that region's own version of the topic: not answered from Gwangju's entry, even when its text names that
    region ("수료생들 대전에도 취업했어요?" is about the academy's graduates, and the entry names 대전 for that)."""
    facts = facts or default_facts()
    out = set()
    for m in facts.region_also.finditer(text):
        before = [w for w in text[:m.start()].split() if _NON_WORD.sub("", w) not in facts.stop_terms]
        if not before or facts.region_exists.search(text, m.end()):
            out.add(m.group(1))
    return out


# 몇 번째: an ordinal, not a count; "몇 개만 꼽아 주세요": a few picked out, not a count (engineer K22).
# A counter that begins a noun is that noun, not a counter ("how many companies" reads 몇 기업: companies, not
# classes (기); 몇 대학, 몇 차량, 몇 장비, 몇 분야).
COUNTER = re.compile(r"몇\s*(명|개|곳|군데|장(?!비|소)|대(?!학|회)|층|번(?!\s*째)|차(?!량)|기(?!업|관|간|술|능|계)|개국|시간"
                     r"|분(?!야))(?!만\s*(?:꼽|골라|고르|추려|예로))")
# Which figure units answer "몇 <counter>".
COUNTER_UNITS = {"명": ("명",), "개": ("개",), "곳": ("개", "곳", "기관"), "군데": ("개", "곳", "기관"),
                 "번": ("차", "번"), "차": ("차", "번"), "기": ("기",)}
# Fact kinds an entry either holds or not (a figure of that kind): a question asking for one prefers, among close
# candidates, an entry that holds it ("집적단지 조성에 총 얼마를 투자해요?" is the budget's entry, not the site's).
RANKED_FACTS = ("money", "date", "duration", "area", "district")
FACT_PENALTY = 0.15  # share of the ranking score an entry loses per asked fact kind it lacks
# Number words citizens write ("4천억", "천 개", "5천 명") as the entries write them (4,000억, 1,000개, 5,000명).
# Not the verb 천명하다 (to declare: "비전 선포 때 천명한 가치", "천명했어요"), which is no thousand people.
_NUMBER_WORD = re.compile(r"(?<![\d가-힣])(\d{1,3})?\s*천(?=\s*(?:억|명(?!하|했|해|된|되|합|함|한(?!테))|개|곳))")
# Amounts in English billions ("411.9B won", "91.5 billion won") as the entries write them (4,119억 원, 915억 원): the
# figure check would otherwise miss 411.9 in an entry that holds 4,119억. A bare "b" only right after the digits. Read
# in normalize_text, not with _NUMBER_WORD in `normalize`, because asked_numbers also reads the question as typed. At
# most 7 digits: a longer run is no amount (and would overflow the float).
_BILLIONS = re.compile(r"(?<![\w.])(\d{1,7}(?:\.\d{1,3})?)(?:\s*(?:billion|bn)|b)\b(?:\s*(?:won|krw)\b)?")


def _in_eok(m: re.Match) -> str:
    eok = float(m.group(1)) * 10
    return f"{eok:,.0f}억 원" if eok == int(eok) else f"{eok:,.1f}억 원"


def asked_facts(question: str, terms: Iterable[str] = (), facts: FactKinds | None = None) -> set[str]:
    """Kinds of fact the question asks for: contact, money, date, area, count:<counter>, place:<region>.

    `terms` are the question's content lemmas: regions are matched as words ("4대전략" is not 대전). If the best
    entry holds no fact of an asked kind, answering with it would state something else ("수강료는?" answered with
    the number of trainees), so the bot says it does not know."""
    facts = facts or default_facts()
    text = normalize_text(question)
    last = facts.last_clause(text)
    # Some kinds are asked only in the last clause: "요즘 AI 얘기가 많아서요, ..." frames, "지금 몇 기까지?" asks.
    kinds = {k for k, rx in facts.asks.items() if rx.search(last if k in facts.final_clause_kinds else text)}
    kinds |= {f"count:{m}" for m in COUNTER.findall(text)}
    kinds |= {f"place:{t}" for t in terms if t in facts.regions}
    kinds |= {f"place:{m}" for m in facts.region_in_text.findall(text)}
    return kinds


# Who the asker is or what they did, as the question's opening clause ("부산에서 AI 스타트업 하는 사람인데요, ...",
# "서울에서 첨단지구로 막 이사 왔는데요, ...", "저는 배달 일 하는 30대인데요"): a premise, not what is asked. A region or
# a number named only there is not asked about, and its words are not topic words. Hearsay ("3단계도 한다는데 ...")
# and what the asker heard ("2단계도 한다고 들었는데 ...") are not such clauses: they may be what is asked about.
# In 전라도 말씨 (normalised by standard_endings: 장사혔는디 -> 장사했는데) a passive-looking 혔 stays ("운수업혔는데";
# engineer K22). Any other verb's 는데 or an adjective's 한데 opens such a clause too ("조카가 한전 다니는데", "우리 영감이
# 그러는데", "신호등이 불편한데", the formal "공무원이온데"), but not hearsay in 다는데/라는데, nor a past tense the rules
# above do not list ("... 숫자도 봤는데 이게 맞는 건가요?": what the asker saw is what is asked about; engineer K25).
PREMISE = re.compile(r"^([^.?!]{0,80}?(?:인데|이온데|(?<!들)었는데|[했왔았였혔]는데|"
                     r"(?<![다라았었였했봤됐왔갔났섰켰쳤웠겼렸졌텄췄댔겠])는데|한데)요?)(?:[,.]|\s)")


# ...or as the question's opening statements, one or two declarative sentences before the question ("저는 지역 경제
# 담당 기자입니다. ...", "외국에서 온 연구원이에요. 한국말 조금 해요. ..."): who asks and why. A sentence that asks or
# wonders (궁금해요, 알고 싶어요, 뭐, 언제...) or says what the asker heard (들었어요) is part of the question. The
# old-fashioned 하오체 says the same ("하남산단에서 30명 데리고 공장 하는 사람이오.", "... 기대하고 있소."): the head count of
# the asker's own firm is no number asked (engineer K31).
PREMISE_SENTENCES = re.compile(r"^((?:(?![^.?!]*(?:궁금|알고\s*싶|알려|설명|들었|뭐|무엇|무슨|어떤|어떻|언제|어디|누구|누가|왜|얼마|몇))"
                               r"[^.?!]{2,80}?(?:입니다|습니다|합니다|이에요|예요|에요|해요|어요|아요|이오|하오|"
                               r"(?<=[있었았였했없])소)\.\s+){1,2})")


# The boundary before a question's last sentence ("... 다녀왔대요. 그 자리가 어떤 행사였어요?").
LAST_SENTENCE = re.compile(r"(?<=[.?!])\s+")


def premise_split(text: str) -> tuple[str, str]:
    """(opening premise clause, the rest) of a normalised question; ("", text) when it opens with none."""
    m = PREMISE_SENTENCES.match(text)
    if m and text[m.end():].strip():
        return m.group(1).strip(), text[m.end():]
    m = PREMISE.match(text)
    return (m.group(1), text[m.end():]) if m else ("", text)


# An industrial estate named by its own name (하남산단, 평동산업단지): asked about as such (the question's first word, or
# with 도/은/는: "하남산단도 특구에 들어가요?"), it must be one the entry names; "저는 하남산단에서 공장을 하는데요" only says
# who is asking.
SITE = re.compile(r"(?<![가-힣])([가-힣]{2,4}(?:국가산단|일반산단|산단|산업단지))(도|에도|에서도|은|는)?(?![가-힣])")


ROUTE = re.compile(r"([가-힣]+?)에서\s*([가-힣]+?)(?:까지|으로|로)")


def quotes_route(text: str, regions: list[str], entry_text: str) -> bool:
    """The question names a trip from one of `regions` as the entry's text does ("인천에서 광주까지 몇 시간?", the
    entry's "인천에서 광주까지는 4시간"): it asks about that trip, not for that region's version of the topic."""
    flat = squash(entry_text, None)
    return any(m.group(1) in regions and f"{m.group(1)}에서{m.group(2)}" in flat for m in ROUTE.finditer(text))


def sites_asked_about(text: str) -> set[str]:
    """Estates the (normalised) question asks about as such: its first word, or named with 도/은/는."""
    out = set()
    for m in SITE.finditer(text):
        if m.group(2) or not text[:m.start()].strip():
            out.add(m.group(1))
    return out


# 대 as an ordinal or a count (2대 단장, 4대 전략), not the start of another word (2 대학, 3 대표); 기 (a class) written
# after a space only when no other word starts there ("5기", "5 기", but not the 기획 of "phase 2 기획").
SPECIFIC_NUMBER = re.compile(r"(\d[\d,.]*)\s*(단계|차|(?<=\d)기|기(?![가-힣])|대(?![학회표상신비])|년|회)?")


# 대 before a noun counted in a plan's list ("6대 과제", "4대 전략"): a count, which an entry may write with 개 or 가지 ("6개
# 과제로"), not an ordinal ("2대 단장"). The counter then carries the noun: "대:과제" (engineer K18).
COUNTED_NOUN = re.compile(r"\s*(과제|전략|분야|목표|가치|원칙|과업|프로젝트|핵심|방향)")


# 5·18 (5.18기념문화센터, 5·18민주광장) is the name of Gwangju's democratic uprising, not a figure.
UPRISING = re.compile(r"(?<![\d.,])5\s*[.·‧ㆍ・]\s*18(?![\d.,]|\s*(?:억|조|원|%|명|개|곳))")


def asked_numbers(question: str) -> set[tuple[float, str]]:
    """Numbers that name something specific (2026년, 39차, 3단계, 5150), with their counter when it names a stage,
    a session or a class: they must be in the entry's text, "2단계" as 2단계 (not the 2 of "2020-02-07").

    A single digit without such a counter ("1년에 몇 명") is how people talk, not a fact to match."""
    out = set()
    text = UPRISING.sub(" ", normalize_text(question))
    for m in SPECIFIC_NUMBER.finditer(text):
        digits, counter = m.group(1), m.group(2) or ""
        named = counter if counter in ORDINAL_COUNTERS else ""
        if named == "대" and (noun := COUNTED_NOUN.match(text, m.end())):
            named = f"대:{noun.group(1)}"
        if len(digits.replace(",", "")) >= 2 or named:
            out |= {(n, named) for n in numbers_in(digits)}
    return out


# Ordinals that name one of a series (2단계, 39차, 5기, 2대 단장): a single digit with one of these is a fact to match.
ORDINAL_COUNTERS = frozenset(["단계", "차", "기", "대"])
# A class number before a member of the class ("5기 교육생이 ... 뭐에 비유했어요?"): it names who, not what, is asked about.
CLASS_MEMBER = re.compile(r"(\d+)\s*기\s*(교육생|수료생|졸업생|출신)")


def class_members(text: str, entry_text: str) -> set[tuple[float, str]]:
    """Class numbers of the (normalised) question that name a kind of member the entry's text names itself."""
    return {(float(m.group(1)), "기") for m in CLASS_MEMBER.finditer(text) if m.group(2) in entry_text}


def has_number(numbers: set[float], text: str, value: float, counter: str) -> bool:
    if not counter:
        return value in numbers
    digits = f"{value:g}"
    counter, _, noun = counter.partition(":")  # "대:과제": the entry's 6대, or its "6개 과제" / "6가지 과제"
    if noun and re.search(rf"(?<![\d.,]){re.escape(digits)}\s*(?:개|가지)\s*(?:의\s*)?{noun}", text):
        return True
    return re.search(rf"(?<![\d.,]){re.escape(digits)}\s*{counter}", text) is not None


# A figure's unit as citizens write it after the number, grouped by what it measures: "10개 기관", "13곳" and the
# entry's "12개 기관" are all counts. A year counts too ("2021년에 개원한 거 맞죠?" against the entry's "인공지능대학원을 2020년
# 3월에 열 계획"): writers of three blind sets labelled such checks answerable by the entry giving the event's year.
FIGURE_UNITS = {
    "개 기관": "count", "개국": "countries", "개": "count", "곳": "count", "군데": "count", "기관": "count",
    "명": "people", "조": "money", "억": "money", "만 원": "money", "원": "money", "㎡": "area", "제곱미터": "area",
    "평": "area", "ha": "area", "헥타르": "area", "%": "percent", "퍼센트": "percent",
    "년": "year",
    "institutions": "count", "organizations": "count", "organisations": "count", "agencies": "count",
    "companies": "count", "people": "people", "persons": "people", "students": "people", "trainees": "people",
}
_UNIT_KIND = {u.replace(" ", ""): kind for u, kind in FIGURE_UNITS.items()}
_UNIT_ALTERNATION = "|".join(re.escape(u).replace(r"\ ", r"\s*") for u in sorted(FIGURE_UNITS, key=len, reverse=True))
FIGURE = re.compile(rf"(\d[\d,.]*)\s*({_UNIT_ALTERNATION})", re.IGNORECASE)
# A question that asks what, how many, when...: it asks for a figure rather than checking one.
WH_WORD = re.compile(r"몇|얼마|언제|어디|누구|누가|무엇|뭐|뭔|무슨|어떤|어떻|어느|왜|\b(?:what|how|when|where|who|which|why)\b", re.IGNORECASE)
# Alternatives offered by the citizen ("12곳이었나 13곳이었나", "12개야 13개야?", "... or 13?"): a figure the entry holds
# among them is the answer; the others are not facts beyond the articles.
ALTERNATIVES = re.compile(r"(?:였|이었|인|이)(?:나|냐|지|야|가요?)\s*\S.*?(?:였|이었|인|이)(?:나|냐|지|야|가요?)|아니면|\bor\b")
# Words beside a figure that do not say what it counts ("졸업생 중에 300명", "총 5,000억", "무려 1000명").
_FIGURE_FILLER = re.compile(r"^(?:중에?|중에서|약|총|한|전체|무려|거의|대략|딱|모두|다|정도|쯤|넘게|이상|이하|만|밖에|뿐)$")
_PARTICLE_END = re.compile(r"(?:이랑|랑|하고|과|와|이|가|을|를|은|는|에는|에서|에|의|도|만|으로|로|까지|부터)$")


def _figures(text: str) -> list[tuple[float, str, int, int]]:
    """(value, what it measures, start, end) of each figure with a unit in a text."""
    return [(n, _UNIT_KIND[re.sub(r"\s+", "", m.group(2).lower())], m.start(), m.end())
            for m in FIGURE.finditer(text) for n in numbers_in(m.group(1))]


def _neighbour_words(text: str, start: int, end: int) -> list[str]:
    """The word before a figure and the word after it, without particles: what the figure counts ("협약", "기관")."""
    before = [w for w in re.findall(r"[가-힣A-Za-z]+|\S*\d\S*", text[:start]) if not _FIGURE_FILLER.match(w)]
    after = re.findall(r"[가-힣A-Za-z]+", text[end:])
    words = ([before[-1]] if before else []) + ([after[0]] if after else [])
    return [_PARTICLE_END.sub("", w) for w in words if not re.search(r"\d", w)]


def checks_figure(texts: Iterable[str], value: float, entry_text: str) -> bool:
    """Whether `value` is a figure the citizen checks ("데이터 협약 10개 기관이랑 맺었죠?", "정원 100명인가요?") that the
    entry states otherwise: a question without a question word, and a sentence of the entry giving another figure of
    the same unit beside a word that stands beside the citizen's figure (협약 ... 12개 기관). The entry then answers it
    with the articles' figure; a figure of something else ("졸업생 중에 300명 취업했죠?" against "한 해 100명") is
    still a fact beyond the articles."""
    texts = list(texts)
    if any(WH_WORD.search(t) for t in texts):
        return False
    sentences = re.split(r"(?<=[.?!])\s+", entry_text)
    for text in texts:
        for n, unit, start, end in _figures(text):
            if n != value:
                continue
            words = [w for w in _neighbour_words(text, start, end) if len(w) >= 2]
            for sentence in sentences:
                if any(u == unit and m != value for m, u, _, _ in _figures(sentence)) and any(
                        w in sentence for w in words):
                    return True
    return False


# A part of a money total asked for ("1단계 예산 중에 창업 지원에는 얼마 썼어요?", "사업비 중에 연구개발비는 얼마?"): the
# articles price one part only (연구개발비 508억 원); a part they name without an amount is a fact beyond them.
# A part named in Latin letters (R&D) is left to the search: the entries write it in Korean (연구개발비).
MONEY_PART = re.compile(r"(?:예산|사업비|돈|비용|투자금?)\s*(?:중에서|중에|중|가운데)\s*([가-힣]+?)"
                        r"(?:에는|에|으로는|으로|로는|로|은|는|이|가|의|\s)\s*(?:\S+\s+){0,2}?\S*?(?:얼마|몫|금액)")
_PRICED = re.compile(r"[가-힣]{0,2}?\s*(?:은|는|이|가|로|으로|에|만|도)?\s*(?:약\s*)?\d[\d,.]*\s*(?:억|조|만\s*원|원)")


def unpriced_parts(texts: Iterable[str], entry_text: str) -> set[str]:
    """Parts of a money total the question asks for that the entry's text gives no amount for."""
    asked = {squash(m.group(1)) for text in texts for m in MONEY_PART.finditer(text)} - {""}
    if not asked:
        return set()  # most questions: the entry's text is not read at all
    flat = squash(entry_text, None)
    if any(re.search(re.escape(part) + _PRICED.pattern, flat) for part in asked):
        return set()
    return asked


# Who is asked what they said ("임차식 단장은 뭐라고 했어요?", "엔큐브 대표는 뭐라 했는데?"): a title (대표, 단장,
# 시장, "박승주 씨") before the subject particle, and the word before it when that is a name rather than a modifier
# ("서울에서 본사 옮긴 대표는": 옮긴 describes, it names no one).
SPEAKER = re.compile(r"(?:(?<![가-힣])([가-힣A-Za-z]{2,})\s+)?([가-힣]*(?:시장|대표|단장|원장|교수|장관|대통령|의원|총장|회장|"
                     r"청장|위원장|센터장|사장|이사장)|씨)(?:님)?(?:은|는|이|가|께서는?|께선|도)\s+(?:\S+\s+)?"
                     r"(?=뭐라|무슨\s*(?:말|얘기|이야기)|어떤\s*(?:말|얘기|이야기))")
# A word ending as a modifier or a clause does ("옮긴", "꺼낸", "했고", "월요대화에서"): not a name.
_NOT_NAME = re.compile(r"(?:[간긴난낸던된린민빈신온운인진친핀한]|는|고|서|에|의|와|과|랑|도|들)$")
# Words that set the time or point back rather than name ("그날 시장이 어떤 말을 했어요?").
_POINTING = frozenset({"그날", "그때", "당시", "그럼", "그러면", "거기", "거기서", "오늘", "어제", "이번", "지난", "우리",
                       "저희", "마지막", "처음", "그분", "그리고", "그래서", "혹시", "근데", "그런데"})
# A sentence reporting speech (broader than facts.yml's `said`, which says whether an entry reports any at all).
SPEECH = re.compile(r"말했|말하|밝혔|강조했|답했|요청|건의|약속|당부|바랐|입을\s*모았|[다라]고\s*(?:했|말)|달라고|[다라]며|강연|연설|"
                    r"축사|이야기했|얘기했|발표")


def unquoted_speakers(texts: Iterable[str], answer: str, known: str) -> set[str]:
    """Speakers the question asks what they said that the entry cannot answer for: a name no entry knows at all
    (`known`: every entry's text), or a speaker the answer names but never with a verb of saying (the agency's head,
    named as appointed). A speaker another entry reports is left to the ranking; "강기정 시장은 뭐라고 했어요?" is
    answered by "강 시장은 ... 채우겠다고 했어요" through the title."""
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", answer) if SPEECH.search(s)]
    lacking: set[str] = set()
    for text in texts:
        m = SPEAKER.search(text)
        if m is None:
            continue
        name = m.group(1) if (m.group(1) and not _NOT_NAME.search(m.group(1))
                              and m.group(1) not in _POINTING) else None
        title = m.group(2)
        if name and name not in known:
            lacking.add(name)
        elif (name or title) in answer and not any(w in s for w in (name, title) if w and len(w) >= 2
                                                     for s in sentences):
            lacking.add(name or title)
        else:
            return set()  # the speaker as read on one form of the question is reported, or left to the ranking
    return lacking


# A detail of one member of a list asked for ("미래차 쪽은 구체적으로 무슨 사업 해?", "헬스케어 분야는 구체적으로 뭐
# 해요?"): an entry that only lists it ("인공지능과 미래차를 양 날개로", "자동차·에너지·헬스케어 3대 산업") never says
# what is done in it. Not a member the entry describes ("대학 AI 융합 과정 개설").
FACET_DETAIL = re.compile(r"([가-힣A-Za-z]{2,}?)\s*(?:쪽|분야|부문)?\s*(?:과제|사업)?(?:은|는|도|에서는|에선)\s*"
                          r"(?:\S+\s+)?(?:구체적|자세히|세부적)")


def listed_only(texts: Iterable[str], answer: str) -> set[str]:
    """Members of a list the question asks details of that the entry's answer names only as a bare list item."""
    for text in texts:
        for m in FACET_DETAIL.finditer(text):
            word = m.group(1)
            spots = [o.start() for o in re.finditer(re.escape(word), answer)]
            if spots and all(_bare_item(answer, i, len(word)) for i in spots):
                return {word}
    return set()


def _bare_item(text: str, start: int, length: int) -> bool:
    before, after = text[:start], text[start + length:]
    return (before.endswith("·") or after.startswith("·")
            or bool(re.search(r"[가-힣]{2,}(?:과|와|랑|이랑)\s$", before) and re.match(r"(?:을|를|이|가|은|는|의)?[\s,.]", after)))


def entry_facts(entry: Entry, facts: FactKinds | None = None) -> set[str]:
    text = " ".join([entry.answer, *(f.value for f in entry.figures)])
    kinds = {k for k, rx in (facts or default_facts()).holds.items() if rx.search(text)}
    for counter, units in COUNTER_UNITS.items():
        if any(re.search(r"\d[\d,]*\s*" + u, text) for u in units):
            kinds.add(f"count:{counter}")
    for m in re.finditer(r"\d[\d,.]*\s*(장|대|층|개국|시간|분)", text):
        kinds.add(f"count:{m.group(1)}")
    if kinds & {"money", "area"} or any(k.startswith("count:") for k in kinds):  # a number of people is count:명
        kinds.add("size")
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
    # The question has content words and asks for nothing the best entry lacks: the band follows the confidence
    # alone (the evaluation re-bands such results for other thresholds without searching again). A follow-up the
    # conversation rules send to the topic buttons whatever its confidence is not grounded either, so that it does
    # not set the answer threshold ("거기 총예산은?" after 2단계, which has no budget of its own).
    grounded: bool = False
    # Figures the citizen checked that the entry states otherwise ("10개 기관이랑 맺었죠?", the entry's 12개 기관): the
    # answer says they are not what the articles give before it gives the entry.
    unconfirmed: tuple[str, ...] = ()

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


# Jeolla-dialect endings as standard ones ("택시 운전 30년 했는디 ...", "... 걱정허길래 물어봐요", "나오믄"): the premise
# and framing rules, and the fact kinds, are written for the standard endings. Only word-final endings (and 허/혔 as
# the verb 하다) are mapped, so no noun changes (허가, 잡혔어요, 인디 게임 are left alone).
_END = r"(?![가-힣])"
_DIALECT = [(re.compile(p), r) for p, r in [
    # 인디/는디/있던디 -> 인데/는데/있던데 (not 인디 게임); 불편한디/했다든디 -> 불편한데/했다든데 (engineer K25)
    (r"(?<=[가-힣][인는던은한든])디(?=요?" + _END + ")", "데"),
    (r"(?<![가-힣])혔(?=[다어는고])", "했"), (r"(?<![가-힣])혀서", "해서"),  # 혔어요, 혀서요 (not 잡혔어요)
    (r"(?<![가-힣])허(?=요" + _END + r"|드라|더라|더만|드만|길래|는데|는디|믄|면|고" + _END + ")", "하"),  # 허요
    (r"(?<=[가-힣])허(?=요" + _END + r"|드라|더라|길래|는데|는디|믄|면|고" + _END + ")", "하"),  # 걱정허길래
    (r"(?<=[가-힣])드라(?=고|구)", "더라"),  # 하드라고
    (r"(?<=[가-힣])믄(?=" + _END + ")", "면"),  # 나오믄, 끝나믄
    (r"하요(?=" + _END + ")", "해요"),  # 궁금하요 (and 허요 above)
    (r"(?<=[가-힣])는가요(?=" + _END + ")", "나요"),  # 들어가 있는가요
    (r"(?<=[가-힣])실라요(?=" + _END + ")", "실래요"),  # 주실라요
    (r"(?<=[됐었았였했있썼])다요(?=" + _END + ")", "대요"),  # 준비됐다요, 뭣이 있다요
    (r"(?<=[가-힣])겄", "겠"),  # 하겄다, 모르겄네
    (r"(?<![가-힣])잪(?=어|다|네)", "싶"),  # 알고 잪어요
    (r"(?<=[가-힣])한티(?=" + _END + ")", "한테"),
    (r"(?<=[가-힣])이여(?=" + _END + ")", "이야"),  # 사업이여?
    (r"그라제(?=" + _END + ")", "그렇죠"),
    (r"(?<![가-힣])뭐여(?=" + _END + ")", "뭐야"),
    # 2026-11-24 (K21): 참여허는, 된다 혀도, 헐 수, 쪼까, 을매나, 워떻게, 알려주쇼 (batch 28's shop owner in 양림동).
    (r"(?<=[가-힣])허(?=는" + _END + ")", "하"), (r"(?<![가-힣])혀도(?=" + _END + ")", "해도"),
    (r"(?<![가-힣])헐(?= 수)", "할"), (r"(?<![가-힣])쪼까(?=" + _END + ")", "좀"),
    (r"(?<![가-힣])을매나(?=" + _END + ")", "얼마나"), (r"(?<![가-힣])워떻게", "어떻게"),
    (r"(?<=[가-힣])주쇼(?=" + _END + ")", "주세요"),
    # 거시기 is a filler ("거시기 참여허는 방법"), and its 시기 read as asking for a date.
    (r"(?<![가-힣])거시기(?:[가는를]|요)?(?![가-힣]),? ?", ""),
]]
_RANGGA = re.compile(r"([가-힣])랑가요?(?![가-힣])")  # 줄랑가, 할랑가 -> 줄까요, 할까요
_HYEOSS = re.compile(r"([가-힣])혔(?=[다어는고])")  # 장사혔는디, 공부혔어요 -> 장사했는디, 공부했어요 (not 잡혔어요)
_DANGGA = re.compile(r"([가-힣])당가요?(?![가-힣])")  # 있당가, 된당가, 했당가요 -> 있나요, 되나요, 했나요


def _rangga(m: re.Match) -> str:
    final = (ord(m.group(1)) - 0xAC00) % 28  # 8: the final ㄹ, 0: none
    if final == 8:
        return m.group(1) + "까요"
    return chr(ord(m.group(1)) + 8) + "까요" if final == 0 else m.group(0)


def _dangga(m: re.Match) -> str:
    if m.group(1) == "이":
        return "인가요"  # the copula: 말이당가 -> 말인가요
    final = (ord(m.group(1)) - 0xAC00) % 28  # 4: the final ㄴ of a present tense (된당가 -> 되나요)
    return (chr(ord(m.group(1)) - 4) if final == 4 else m.group(1)) + "나요"


def _hyeoss(m: re.Match) -> str:
    final = (ord(m.group(1)) - 0xAC00) % 28  # a passive 혔 follows a stem with a final consonant (잡혔, 막혔)
    return m.group(1) + ("했" if final == 0 else "혔")


def standard_endings(text: str) -> str:
    """Jeolla-dialect endings of `text` as standard ones (see _DIALECT)."""
    for rx, rep in _DIALECT:
        text = rx.sub(rep, text)
    text = _DANGGA.sub(_dangga, text) if "당가" in text else text
    text = _HYEOSS.sub(_hyeoss, text) if "혔" in text else text
    return _RANGGA.sub(_rangga, text) if "랑가" in text else text


def normalize_text(text: str, limit: int | None = MAX_QUERY_CHARS) -> str:
    """NFKC, lower case, whitespace collapsed (python-mecab-ko reports offsets without leading spaces, see
    docs/knowledge.md), dialect endings as standard ones, English billions in 억; a question is cut to `limit`
    characters, an entry's own text is not (limit=None)."""
    text = " ".join(unicodedata.normalize("NFKC", text or "")[:limit].lower().split())
    return standard_endings(_BILLIONS.sub(_in_eok, text) if "b" in text else text)


def squash(text: str, limit: int | None = MAX_QUERY_CHARS) -> str:
    """Spacing-free text for character n-grams: "AI 사관 학교" and "ai사관학교" look the same."""
    return _NON_WORD.sub("", normalize_text(text, limit))


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, x))))


@dataclass(frozen=True)
class Term:
    """A content word of the question: its lemma, the knowledge-base words that count for it, and whether it
    names a thing (noun, foreign word, number, root) rather than saying what happens to it (verb, adverb)."""
    word: str
    alts: tuple[str, ...]
    noun: bool
    # A one-syllable piece of a longer word ("데이타" -> 데 + 이타, a typo cut apart) is weak evidence either way;
    # a one-syllable noun standing as a word of its own (앱, 돈, 땅) is a real word like any other.
    fragment: bool = False
    # The whitespace word it comes from (punctuation removed) and how long a prefix of that word must be to include
    # part of it: "통신사랑" is cut 통신 + 사랑, but its prefix 통신사 is the knowledge base's word (a particle follows).
    surface: str = ""
    prefix_min: int = 0


# Verbs and adverbs say how a question is put (키우다, 생기다, 늘어나다); a missing noun is what makes a question
# one the knowledge base cannot answer (주차장, 보상, 채용 공고). Predicates count half and never as the missing word.
_PREDICATE_PREFIXES = ("VV", "VA", "MAG")
PREDICATE_WEIGHT = 0.5
# Morphemes a noun stem is made of (nouns, roots, noun suffixes such as 들/생, foreign words and digits).
_STEM_PREFIXES = ("NN", "XR", "XSN", "SL", "SH", "SN")
_HANGUL_STEM = re.compile(r"[가-힣]{2,}$")
_ALL_HANGUL = re.compile(r"[가-힣]+")
_HANGUL_CHAR = re.compile(r"[가-힣]")
_ENGLISH_WORD = re.compile(r"[a-z]+")  # a one-word English variant of the lexicon (a phrase, squashed, meets no word)
# Particles that may follow a word the analyzer cut wrongly (see _covers_word); only particles, so that 취업률은 is
# not read as 취업 + something.
_PARTICLES = ("이랑", "랑", "하고", "은", "는", "이", "가", "을", "를", "에", "의", "도", "와", "과", "로", "으로", "에서", "까지",
              "부터", "만", "요")
# Noun suffixes naming the people of a thing (유치원생, 참가자, 학생들): not a different topic. Not 비/료/금 (교육비 is
# a fee, which the fact checks must see as asked).
_PERSON_SUFFIXES = frozenset("생자들님")


class _Index:
    """Everything derived from one version of the entries; rebuilt when the file changes."""

    def __init__(self, data: KnowledgeData, analyzer: str | None, embedder_backend: str,
                 lexicon: Lexicon | None = None, facts: FactKinds | None = None) -> None:
        import bm25s

        from civic.embeddings import get_embedder
        from nlu.korean import get_analyzer

        self.data = data
        self.entries = data.entries
        self.position = {e.id: i for i, e in enumerate(self.entries)}
        self.analyzer = get_analyzer(analyzer)
        self.lexicon = lexicon or Lexicon()
        self.fact_kinds = facts or default_facts()
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
        self.squashed = [squash(" ".join([e.title, *e.aliases, *e.questions, e.answer]), None) for e in self.entries]
        # Each entry's names (title and aliases, spacing-free), longest first: see name_share.
        self.names = [sorted({squash(a) for a in (e.title, *e.aliases) if len(squash(a)) >= 2}, key=len, reverse=True)
                      for e in self.entries]
        # Fuzzy coverage: Korean words one letter (jamo) apart through a wildcard index; other scripts by ratio.
        words = sorted(t for t in set().union(*self.vocab) if len(t) >= 2 and not t.isdigit())
        self.fuzzy_keys: dict[str, list[str]] = {}
        for t in words:
            if _ALL_HANGUL.fullmatch(t):
                for key in jamo_keys(t):
                    self.fuzzy_keys.setdefault(key, []).append(t)
        self.fuzzy_latin = [t for t in words if not _HANGUL_CHAR.search(t) and len(t) >= 5]
        self.by_sound: dict[str, list[str]] = {}
        for t in words:
            self.by_sound.setdefault(sound_key(t), []).append(t)
        self._similar: dict[str, frozenset[str]] = {}
        self.facts = [entry_facts(e, self.fact_kinds) | {f"place:{t}" for t in v if t in self.fact_kinds.regions}
                      for e, v in zip(self.entries, self.vocab)]
        self.fulltext = [normalize_text(" ".join([e.title, *e.aliases, *e.questions, e.answer,
                                                  *(f.value for f in e.figures)]), None) for e in self.entries]
        self.numbers = [numbers_in(t) for t in self.fulltext]
        self.answers = [normalize_text(e.answer, None) for e in self.entries]  # the text a reply gives
        self.known = " ".join(self.fulltext)  # every name any entry knows
        self._signals: dict[str, tuple] = {}  # recent questions (clarify buttons, retries, tuning)
        self._bank_tokens: dict[str, list[str]] = {}  # the bank's features of recent texts (fitting, tuning)
        self.bank: QuestionBank | None = None  # set by KnowledgeBase (labelled questions), see knowledge/qbank.py
        self._normalized: dict[str, str] = {}  # one search normalises the same text up to three times

        # Query normalisation: typo correction towards the words of the entries and of the lexicon's targets, and
        # synonyms as lemmas (a lexicon word the entries never use is dropped: it could never be covered).
        texts = [t for e in self.entries
                 for t in (e.title, *e.aliases, *e.questions, e.answer, *(f.value for f in e.figures))]
        texts += list(self.lexicon.rewrites.values())  # the variants are rewritten before typos are looked for
        self.typos = TypoCorrector(self._noun_stems(texts), self._is_single_word, self._looks_misspelt)
        known = set(self.idf)
        self.synonyms: dict[str, tuple[str, ...]] = {}
        for variant, canonicals in self.lexicon.synonyms.items():
            alts = tuple(dict.fromkeys(t for c in canonicals for t in self._lemmas(c) if t in known))
            if alts:
                self.synonyms[variant] = alts
        # The lexicon's one-word English variants count as the entries' words for BM25 and coverage too, so
        # "Where exactly is the AI cluster complex located?" is not held back by "national" or "city" as missing
        # nouns. Only an English word gains alternatives: a Korean question keeps exactly its terms.
        for variant, canonical in self.lexicon.english.items():
            if _ENGLISH_WORD.fullmatch(variant):
                alts = tuple(t for t in self._lemmas(canonical) if t in known)
                if alts:
                    self.synonyms[variant] = tuple(dict.fromkeys((*self.synonyms.get(variant, ()), *alts)))

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

        # Which entries each noun of a title or alias names (단지 -> ai_complex, 인재 -> talent_ladder, goals_10yr):
        # a follow-up whose own topic word names another entry is about that entry (see KnowledgeBase.search).
        self.name_owners: dict[str, set[int]] = {}
        for i, e in enumerate(self.entries):
            for name in (e.title, *e.aliases):
                for t in self.terms(self.normalize(name)):
                    if t.noun and not t.fragment and not t.word.isdigit():
                        self.name_owners.setdefault(t.word, set()).add(i)

        self.full_names: dict[str, set[int]] = {}  # squashed title or alias -> the entries it names
        for i, e in enumerate(self.entries):
            for name in (e.title, *e.aliases):
                self.full_names.setdefault(squash(name, None), set()).add(i)
        # What each entry tells (answer, title, aliases), squashed once here rather than on every follow-up.
        self.told = [squash(" ".join((e.answer, e.title, *e.aliases)), None) for e in self.entries]

    def other_topic(self, question: str, context: int) -> set[int]:
        """Entries other than `context` that a noun of the question names, when that noun is the question's topic
        (marked 은/는/도 or 쪽: "그럼 시민은 뭘 할 수 있어요?", "인재 쪽 과제는?", "포럼도 연다던데 ...") and names none of the
        context's own names. A facet asked for ("거기 예산은?": a kind of fact, see facts.yml) is not a new topic, nor
        a word the last topic's own text uses when it holds the kind of fact asked ("그때 시장은 누구였어?" after the
        vision event, whose text names its mayor, although 시장 is also the Monday dialogue's name)."""
        text = self.normalize(question)
        out: set[int] = set()
        terms = self.signals(question)[0]
        asked: frozenset[str] | None = None  # read only when a word the last answer used names another entry
        for t in terms:
            owners = self.name_owners.get(t.word)
            if owners and context in owners:
                # A word that is a whole name of another entry and only a part of the context's names ("스타트업은 어떻게
                # 키운대요?" after the 10-year targets, whose "스타트업 목표" names them): that entry's topic (engineer K31).
                whole = self.full_names.get(squash(t.word, None), set())
                owners = whole if whole and context not in whole else None
            if not owners or not t.noun or t.fragment:
                continue
            if t.word in self.told[context]:
                if asked is None:
                    asked = frozenset(asked_facts(question, [w.word for w in terms], self.fact_kinds))
                if asked & self.facts[context]:
                    continue
            if self.is_facet(t.word):
                continue
            # A whole word only: 센터 inside "연구센터도" does not name the data centre.
            if re.search(r"(?<![가-힣])" + re.escape(t.word) + r"들?(?:\s*(?:쪽|측|분야)|(?:은|는|도)(?![가-힣]))", text):
                out |= owners
        return out

    def set_aside(self, question: str, context: int | None) -> tuple[set[int], str]:
        """Entries the citizen sets aside by a whole name ("사관학교 말고 다른 ...": ai_academy; "그거 말고": the last
        topic) and the question without the words setting them aside. A part named ("공항 말고 또 뭘 요구했어요?": 국제공항
        is a name of the companies' requests) sets nothing aside: the entry listing the parts answers the others."""
        text = normalize_text(question or "")
        out: set[int] = set()
        rest = text
        for m in reversed(list(SET_ASIDE.finditer(text))):
            word = m.group(1)
            if DEICTIC.fullmatch(word):
                found = {context} if context is not None else set()
            else:
                found = self.full_names.get(squash(self.normalize(word), None), set())
            if found:
                out |= found
                rest = rest[:m.start(1)] + rest[m.end(2):]
        return out, rest

    def lists_set_aside(self, question: str, i: int) -> bool:
        """Whether what the citizen sets aside is another entry that entry i lists among its items ("GIST AI 대학원
        말고 다른 대학에도 AI 과정 만들어요?": the talent ladder names the graduate school and the universities' courses):
        the other ones asked for are the list's others, which i gives (engineer K31). A partner set aside by the entry
        it runs ("멋쟁이사자처럼 말고 다른 교육기관도 ...": a name of the academy itself) is not."""
        aside, _ = self.set_aside(question, None)
        return bool(aside) and i not in aside and any(len(n) >= 3 and n in self.told[i]
                                                      for j in aside for n in self.names[j])

    def points_back(self, question: str, context: int) -> bool:
        """Whether "그 <noun>" in the question names something the last answer (or its topic's names) used, and not
        another entry by its full name ("그 데이터센터는 언제 연대요?" after the Monday dialogue asks about the centre)."""
        told = self.told[context]
        for m in POINTS_BACK.finditer(normalize_text(question or "")):
            word = squash(m.group(1), None)
            if word in told and self.full_names.get(word, {context}) <= {context}:
                return True
        return False

    def names_within(self, i: int, j: int, kinds: Iterable[str] | None = None) -> bool:
        """Whether one of entry i's names holds one of entry j's (three letters or more) in it: phase1's
        "집적단지 조성 사업비" names the complex, so phase1's budget is the complex's; a two-letter piece (특구 in
        연구개발특구) does not count. With `kinds`, only a name of i that asks for one of them counts (사업비: money):
        phase1's "예비타당성조사 면제" holds phase 2's 예비타당성조사, but phase1's budget is not phase 2's."""
        asks = [self.fact_kinds.asks[k] for k in kinds or () if k in self.fact_kinds.asks]
        names = [a for a in self.names[i] if kinds is None or any(rx.search(a) for rx in asks)]
        return any(len(b) >= 3 and b in a for a in names for b in self.names[j])

    def attended_first(self, question: str) -> int | None:
        """The entry named first in the question by a whole name, when that name is an event someone came to
        ("월요대화에 ... 왔어요?"): the question is about the event, whatever other entry names who came."""
        text = normalize_text(question or "")
        m = ATTENDED.search(text)
        if m is None:
            return None
        owners = self.full_names.get(squash(self.normalize(m.group(1)), None), set())
        return next(iter(owners)) if len(owners) == 1 else None

    def named_at(self, question: str, i: int) -> int:
        """Where (spacing-free) the question first names entry i by one of its names; -1 when it does not."""
        flat = squash(self.normalize(question))
        found = [flat.find(n) for n in self.names[i] if n in flat]
        return min(found) if found else -1

    def is_facet(self, word: str) -> bool:
        """Whether a noun asks for a kind of fact (면적, 예산, 위치...) rather than naming a topic."""
        return any(rx.search(word) for rx in self.fact_kinds.asks.values())

    def names_entry(self, question: str, i: int) -> bool:
        """Whether a noun of the question other than a facet asked for (예산, 언제...) is one of entry i's names."""
        return any(t.noun and not t.fragment and i in self.name_owners.get(t.word, ())
                   and not self.is_facet(t.word) for t in self.signals(question)[0])

    # ------------------------------------------------------------------ analysis
    def _lemmas(self, text: str) -> list[str]:
        return [m.lemma.lower() for m in self.analyzer.analyze(text) if m.is_content]

    def _is_single_word(self, text: str) -> bool:
        """The analyzer reads `text` as one dictionary word (plus particles or endings): a real word, not a typo.

        "거기" (a pronoun), "보상", "목포가" are words; "집접" (집 + 접) or "헙약" (unknown) are not."""
        if text in self.fact_kinds.stop_terms or text in self.fact_kinds.regions:
            return True
        morphemes = self.analyzer.analyze(text)
        words = [m for m in morphemes if len(m.surface) >= 2 and m.pos != "UNKNOWN"]
        return len(words) == 1 and sum(m.is_content for m in morphemes) <= 1

    def _noun_stems(self, texts: Iterable[str]) -> list[str]:
        """Each word of the texts without its particles and endings, when it starts with a noun: "집적단지에는" ->
        집적단지. Words repeat across entries (and across the bench's synthetic copies), so each is analysed once."""
        stems: dict[str, str] = {}
        out = []
        for text in texts:
            for word in normalize_text(text).split():
                stem = stems.get(word)
                if stem is None:
                    stem = stems[word] = self._noun_stem(word)
                if stem:
                    out.append(stem)
        return out

    def _noun_stem(self, word: str) -> str:
        end = 0
        for m in self.analyzer.analyze(word):
            if m.pos.startswith(_STEM_PREFIXES):
                end = m.end
            else:
                break
        run = _HANGUL_STEM.match(word[:end])
        return run.group(0) if run else ""

    def _looks_misspelt(self, text: str, syllables: int) -> bool:
        """Letters the analyzer cannot read (헙약), or a word of three or more syllables it cuts into noun pieces
        (집 + 접 + 단지). Two syllables read as noun + particle ("전에") are far more often right than misspelt."""
        morphemes = self.analyzer.analyze(text)
        if any(m.pos == "UNKNOWN" for m in morphemes):
            return True
        return syllables >= 3 and any(m.pos.startswith("NN") for m in morphemes)

    def normalize(self, text: str, english: bool = False) -> str:
        """The question as the knowledge base would word it: lexicon rewrites, then one-letter typos fixed; with
        `english`, also the lexicon's English words as the entries' words (the question bank's second view)."""
        out = self._normalized.get((text, english))
        if out is None:
            if len(self._normalized) >= 512:
                self._normalized.clear()
            plain = _NUMBER_WORD.sub(lambda m: f"{int(m.group(1) or 1) * 1000:,}", normalize_text(text))
            rewritten = self.lexicon.rewrite(plain, english)
            if english and rewritten == self.lexicon.rewrite(plain):
                out = self.normalize(text)  # no English word of the lexicon: the same text, typos not fixed twice
            else:
                out = self.typos.correct(rewritten)
            self._normalized[(text, english)] = out
        return out

    def terms(self, text: str) -> list[Term]:
        """Content words of an already normalised text, without question words, each with its synonyms."""
        seen: dict[str, Term] = {}
        morphemes = self.analyzer.analyze(text)
        # Which whitespace-separated word each morpheme belongs to, and how many noun-like pieces each word has.
        word_of = [text.count(" ", 0, m.start) for m in morphemes]
        words = text.split(" ")
        word_start = [0]
        for w_text in words[:-1]:
            word_start.append(word_start[-1] + len(w_text) + 1)
        pieces: dict[int, int] = {}
        for m, w in zip(morphemes, word_of):
            if m.pos.startswith(_STEM_PREFIXES) or m.pos.startswith("MA"):
                pieces[w] = pieces.get(w, 0) + 1
        previous = ""
        for m, w in zip(morphemes, word_of):
            after_how_many, previous = previous == "몇", m.surface
            if not m.is_content or after_how_many:
                continue  # the counter of "몇 개고" is a kind of fact asked (COUNTER), not a topic word
            t = m.lemma.lower()
            if t in self.fact_kinds.stop_terms or t in seen or not _NON_WORD.sub("", t):
                continue
            alts = (t,) + tuple(a for a in self.synonyms.get(t, ()) if a != t)
            fragment = len(t) == 1 and not t.isdigit() and not (m.pos in ("NNG", "NNP") and pieces.get(w) == 1)
            surface = _NON_WORD.sub("", words[w]) if w < len(words) else ""
            seen[t] = Term(t, alts, not m.pos.startswith(_PREDICATE_PREFIXES), fragment, surface,
                           max(0, m.start - word_start[w]) + 1 if w < len(word_start) else 0)
            if len(seen) >= MAX_QUERY_TERMS:
                break
        return list(seen.values())

    def bank_tokens(self, text: str) -> list[str]:
        """The question bank's features (knowledge/qbank.py): character 2-4-grams of the normalised spacing-free
        question and its content lemmas with their synonyms, so the bank reads a question as the search does."""
        toks = self._bank_tokens.get(text)
        if toks is None:
            if len(self._bank_tokens) >= 4096:
                self._bank_tokens.clear()
            cached = self._signals.get(text)  # a search has analysed the question already
            normalized = self.normalize(text)
            toks = self._view_tokens(normalized, cached[0] if cached is not None else None)
            # Second view: English words read as the entries' words ("data sharing agreement" -> 데이터 공유 협약),
            # only the features it adds. A question without them keeps exactly its features, so the bank is not
            # shifted for it (rewriting English in the search itself moved knife-edge Korean questions, K17).
            english = self.normalize(text, english=True)
            if english != normalized:
                seen = set(toks)
                toks += [t for t in self._view_tokens(english) if t not in seen]
            self._bank_tokens[text] = toks
        return toks

    def _view_tokens(self, normalized: str, terms: list[Term] | None = None) -> list[str]:
        """Character 2-4-grams of a normalised text without spaces, and its content lemmas with their synonyms."""
        flat = squash(normalized)
        toks = [flat[k:k + n] for n in CHAR_NGRAMS for k in range(len(flat) - n + 1)]
        return toks + [f"w:{a}" for t in (self.terms(normalized) if terms is None else terms) for a in t.alts]

    def clear_caches(self) -> None:
        """Forget per-question results (signals, typo fixes, fuzzy neighbours): the benchmark times full scoring."""
        self._signals.clear()
        self._normalized.clear()
        self._similar.clear()
        self.typos.clear_cache()
        self._bank_tokens.clear()

    def _group_max(self, key_scores: np.ndarray) -> np.ndarray:
        return np.maximum.reduceat(key_scores, self.key_starts)

    def signals(self, text: str) -> tuple[list[Term], dict[str, np.ndarray]]:
        cached = self._signals.get(text)
        if cached is None:
            if len(self._signals) >= 512:
                self._signals.clear()
            cached = self._signals[text] = self._compute_signals(text)
        return cached

    def _compute_signals(self, text: str) -> tuple[list[Term], dict[str, np.ndarray]]:
        text = self.normalize(text)
        terms = self.terms(text)
        n = len(self.entries)
        if terms:
            tokens = [a for t in terms for a in t.alts]
            raw = self.bm25.get_scores(tokens)
            # A word and its synonyms are one word asked: the ceiling counts the best of them once.
            ceiling = sum(max(self.term_max.get(a, 0.0) for a in t.alts) or self.unknown_term_max for t in terms)
            bm25 = np.clip(raw / ceiling, 0.0, 1.0)
        else:
            bm25 = np.zeros(n)
        # Synonyms also go into the text the character n-grams and the embedder see ("넓이" alone shares no
        # letters with 면적).
        extra = " ".join(a for t in terms for a in t.alts[1:])
        full = f"{text} {extra}" if extra else text
        flat = squash(full)
        if flat:
            char = self._group_max(self._char_scores(flat))
            emb = self._group_max(self.embedder.embed([full])[0] @ self.emb_keys)
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

    def name_share(self, flat: str, i: int) -> float:
        """How much of the (spacing-free, normalised) question is one of entry i's names: "AI data center 비용"
        is mostly 데이터센터's name, not 1단계 사업비's, though both entries cover every word of it."""
        for name in self.names[i]:
            if name in flat:
                return len(name) / len(flat)
        return 0.0

    def ranked(self, sig: dict[str, np.ndarray], weights: dict[str, float],
               cover: Callable[[int], tuple[float, float, float]], w_cov: float,
               text: str = "", asked: frozenset[str] = frozenset()) -> list[tuple[float, int, dict]]:
        """(score, entry index, features) of the shortlist, best first: the weighted signals, then coverage
        (`cover(i)` -> (cov, unc, ev)) and the name share of `text` (the normalised question) on the SHORTLIST best.
        The evaluation calls this too, with cached coverage."""
        flat = squash(text)
        rank = sum(weights.get(k, 0.0) * sig[k] for k in ("bm25", "emb", "char", "qb") if k in sig)
        w_name = weights.get("name", 0.0)
        scored = []
        for i in np.argsort(-rank, kind="stable")[:SHORTLIST]:
            cov, unc, ev = cover(int(i))
            name = self.name_share(flat, int(i)) if flat else 0.0
            feats = {k: float(sig[k][i]) for k in ("bm25", "emb", "char")} | {"cov": cov, "unc": unc, "name": name,
                                                                              "ev": ev}
            scored.append((float(rank[i]) + w_cov * cov + w_name * name, int(i), feats))
        if asked:
            # Among close candidates, one that holds the kind of fact asked (an amount, a date...) is preferred, but
            # only over entries it covers the question as well as: "데이터산업 융합센터는 언제 완공돼요?" must not move
            # from the entry naming that centre (no date: refused) to the data centre (a date, other words).
            lack = {i: len(asked - self.facts[i]) for _, i, _ in scored}
            scored = [(s * (1.0 - FACT_PENALTY * lack[i])
                       if any(lack[j] < lack[i] and f2["cov"] >= f["cov"] for _, j, f2 in scored) else s, i, f)
                      for s, i, f in scored]
        scored.sort(key=lambda s: -s[0])
        return scored

    def weight(self, term: Term) -> float:
        known = [self.idf[a] for a in term.alts if a in self.idf]
        w = min(known) if known else self.max_idf
        if term.fragment and not known:
            w *= 0.5  # a stray syllable from a typo ("데이타" -> 데 + 이타) is weak evidence either way
        return w if term.noun else w * PREDICATE_WEIGHT

    def coverage(self, terms: list[Term], i: int) -> tuple[float, float, float]:
        """(covered weight share, weight of the rarest uncovered noun / max, evidence) for entry i.

        Evidence: how many nouns the entry covers beyond EVIDENCE_FREE, as a share of EVIDENCE_SPAN: a long question
        ("...이야기 나눈 자리가 있었다던데, 어디서 했고 결론적으로 뭐라고 했는지") carries one or two nouns of its
        own telling, and one of them missing weighs less when six others match than when it is one of three."""
        if not terms:
            return 0.0, 0.0, 0.0
        total = covered = 0.0
        worst = 0.0
        nouns = 0
        for t in terms:
            w = self.weight(t)
            total += w
            if any(self._covers(a, i) for a in t.alts) or self._covers_word(t, i):
                covered += w
                nouns += t.noun and not t.fragment
            elif t.noun and not t.fragment and (len(t.word) > 1 or t.word.isdigit() or _HANGUL_CHAR.match(t.word)):
                worst = max(worst, w / self.max_idf)
        return covered / total, worst, min(1.0, max(0, nouns - EVIDENCE_FREE) / EVIDENCE_SPAN)

    def _covers_word(self, t: Term, i: int) -> bool:
        """The term's whole word, less a particle of one or two syllables, is in entry i's text: the analyzer cut
        a known word wrongly ("통신사랑" -> 통신 + 사랑, but 통신사 + 랑 was meant)."""
        word = t.surface
        if not _ALL_HANGUL.fullmatch(word or "-"):
            return False
        for particle in _PARTICLES:
            if word.endswith(particle):
                prefix = word[:-len(particle)]
                if len(prefix) >= max(2, t.prefix_min) and prefix in self.squashed[i]:
                    return True
        return False

    def asked_kinds(self, question: str, terms: list[Term]) -> frozenset[str]:
        """The fact kinds of RANKED_FACTS (and counts) the question asks for, for the ranking."""
        words = [t.word for t in terms]
        kinds = asked_facts(question, words, self.fact_kinds) | asked_facts(self.normalize(question), words,
                                                                             self.fact_kinds)
        return frozenset(k for k in kinds if k in RANKED_FACTS or k.startswith("count:"))

    def _covers(self, term: str, i: int) -> bool:
        if term in self.vocab[i] or (len(term) >= 2 and term in self.squashed[i]):
            return True
        if len(term) >= 3 and term[-1] in _PERSON_SUFFIXES and _ALL_HANGUL.fullmatch(term):
            return self._covers(term[:-1], i)  # 유치원생 -> 유치원, 수료자 -> 수료: the people of a covered word
        if len(term) < 2 or term.isdigit():
            return False  # numbers and single letters must match exactly: 2030 is not 2020
        return not self.similar(term).isdisjoint(self.vocab[i])

    def similar(self, term: str) -> frozenset[str]:
        """Vocabulary words spelt differently but pronounced alike (문재 -> 문제), or one letter away (센타 -> 센터;
        startups -> startup) unless the analyzer knows `term` as a word of its own: 직원 is not a typo of 지원,
        nor 보상 of 보장."""
        found = self._similar.get(term)
        if found is None:
            if _ALL_HANGUL.fullmatch(term):
                found = {w for w in self.by_sound.get(sound_key(term), ()) if w != term}
                if not self._is_single_word(term):
                    found |= {w for key in jamo_keys(term) for w in self.fuzzy_keys.get(key, ()) if w != term}
                found = frozenset(found)
            elif len(term) >= 5:
                hits = process.extract(term, self.fuzzy_latin, scorer=fuzz.ratio, score_cutoff=85, limit=None)
                found = frozenset(self.fuzzy_latin[idx] for _, _, idx in hits)
            else:
                found = frozenset()
            if len(self._similar) < 10_000:
                self._similar[term] = found
        return found


class KnowledgeBase:
    """The knowledge base file plus its search index; reloads the file when it changes (mtime check)."""

    def __init__(self, path: str | os.PathLike | None = None, params: FusionParams | None = None,
                 analyzer: str | None = None, embedder_backend: str = "offline",
                 lexicon_path: str | os.PathLike | None = None,
                 facts_path: str | os.PathLike | None = None,
                 questions_path: str | os.PathLike | None = QUESTIONS_PATH,
                 background_reload: bool = False,
                 bank_cache_dir: str | os.PathLike | None | object = SETTINGS) -> None:
        if path is None or bank_cache_dir is SETTINGS:
            from civic.settings import get_settings

            path = get_settings().knowledge_path if path is None else path
            bank_cache_dir = get_settings().knowledge_cache_dir if bank_cache_dir is SETTINGS else bank_cache_dir
        self.path = Path(path)
        # Where fitted question banks are kept between processes (None: always fit); see _bank.
        self.bank_cache_dir = Path(bank_cache_dir) if bank_cache_dir is not None else None
        self.lexicon_path = Path(lexicon_path) if lexicon_path is not None else LEXICON_PATH
        self._lexicon = Lexicon()
        self.facts_path = Path(facts_path) if facts_path is not None else FACTS_PATH
        # Labelled questions for the question bank (None: no bank; its features are then 0).
        self.questions_path = Path(questions_path) if questions_path is not None else None
        self._facts: FactKinds | None = None
        self.params = params or FusionParams.load()
        self.analyzer = analyzer
        self.embedder_backend = embedder_backend
        self._lock = threading.Lock()
        self._index: _Index | None = None
        self._stamp: tuple | None = None
        # The server's instance (get_knowledge_base) rebuilds after an edit in a background thread and answers from the
        # last good version meanwhile: the question bank's fit takes seconds, longer than a chat channel waits.
        self.background_reload = background_reload
        self._reloader: threading.Thread | None = None
        self._reloader_guard = threading.Lock()  # not self._lock: a rebuild holds that one for seconds

    # ------------------------------------------------------------------ loading
    @staticmethod
    def _file_stamp(path: Path) -> tuple[int, int] | None:
        try:
            st = path.stat()
            return st.st_mtime_ns, st.st_size
        except OSError:
            return None

    def _stamps(self) -> tuple:
        return (self._file_stamp(self.path), self._file_stamp(self.lexicon_path), self._file_stamp(self.facts_path),
                self._file_stamp(self.questions_path) if self.questions_path else None)

    def _current(self) -> _Index:
        index, stamp = self._index, self._stamps()
        if index is not None and stamp == self._stamp:
            return index
        if index is not None and self.background_reload:
            self._start_reload()
            return index
        with self._lock:
            return self._reload()

    def _start_reload(self) -> None:
        with self._reloader_guard:
            if self._reloader is None or not self._reloader.is_alive():
                self._reloader = threading.Thread(target=self._reload_quietly, name="knowledge-reload", daemon=True)
                self._reloader.start()

    def _reload_quietly(self) -> None:
        stamp = self._stamps()
        try:
            with self._lock:
                self._reload()
        except Exception:  # never take the last good version down; an edit of the files tries again
            log.exception("knowledge base not reloaded, keeping the previous version")
            self._stamp = stamp

    def wait_for_reload(self, timeout: float | None = None) -> None:
        """Block until a background rebuild (if any) has finished: for tests and command-line tools."""
        reloader = self._reloader
        if reloader is not None:
            reloader.join(timeout)

    def _reload(self) -> _Index:
        """Called with the lock held: the current index, rebuilt first if a file changed."""
        stamp = self._stamps()
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
        try:
            self._lexicon = Lexicon.load(self.lexicon_path)
        except LexiconError as exc:
            log.warning("lexicon %s not reloaded, keeping the previous version: %s", self.lexicon_path, exc)
        try:
            self._facts = FactKinds.load(self.facts_path)
        except FactsError as exc:
            if self._facts is None:
                raise  # nothing to fall back on: the search cannot tell what a question asks for
            log.warning("fact kinds %s not reloaded, keeping the previous version: %s", self.facts_path, exc)
        index = _Index(data, self.analyzer, self.embedder_backend, self._lexicon, self._facts)
        if self.questions_path is not None:
            index.bank = self._bank(index, data)
        self._index = index
        self._stamp = stamp
        log.info("knowledge base loaded: %d entries from %s", len(data.entries), self.path.name)
        return self._index

    def _bank(self, index: _Index, data: KnowledgeData) -> QuestionBank | None:
        """The question bank: loaded from the cache when its inputs are unchanged, else fitted (~35 s) and cached."""
        ids = [e.id for e in index.entries]
        key = self._bank_key(index)
        cached = self.bank_cache_dir / f"bank-{key}.npz" if key else None
        if cached is not None:
            bank = QuestionBank.load(cached, index.bank_tokens, ids)
            if bank is not None:
                log.info("question bank loaded from the cache (%s)", cached.name)
                return bank
        labelled = load_labelled(self.questions_path, set(data.by_id))
        bank = build_bank(index, [(bank_text(q, data.by_id.get(c or "")), y) for q, c, y in labelled])
        # Saved only if no input changed during the fit: else the file would pair the new key with an old fit.
        if bank is not None and cached is not None and self._bank_key(index) == key:
            try:
                bank.save(cached)
                _prune(self.bank_cache_dir, "bank-*.npz", keep=BANK_CACHE_KEEP)
            except OSError as exc:  # a read-only or full disk costs only the next start's fit
                log.warning("question bank not cached: %s", exc)
        return bank

    def _bank_key(self, index: _Index) -> str | None:
        """A digest of everything the fit depends on: the four files, the code that turns a question into features,
        the analyzer and the library versions. None when caching is off."""
        if self.bank_cache_dir is None:
            return None
        import sklearn

        digest = hashlib.sha256(f"{BANK_CACHE_FORMAT}|{index.analyzer.name}|{sklearn.__version__}|"
                                f"{np.__version__}|{REGULARIZATION}".encode())
        for path in (self.path, self.lexicon_path, self.facts_path, self.questions_path, *_FEATURE_CODE):
            try:
                digest.update(path.read_bytes())
            except OSError:
                digest.update(b"\0missing")
            digest.update(b"\0")
        return digest.hexdigest()[:32]

    @property
    def data(self) -> KnowledgeData:
        return self._current().data

    @property
    def question_bank(self) -> QuestionBank | None:
        return self._current().bank

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
               params: FusionParams | None = None, bank: QuestionBank | None = None) -> SearchResult:
        """Find the entry answering `question`; `context_topic` is the entry id of the last answer. `bank` replaces
        the index's question bank (the evaluation's folds)."""
        index = self._current()
        params = params or self.params
        bank = bank if bank is not None else index.bank
        found = self._search_in_context(index, question, context_topic, params, bank)
        found = self._event_first(index, question, found)
        return self._not_set_aside(index, question, context_topic, params, bank, found)

    @staticmethod
    def _event_first(index: _Index, question: str, found: SearchResult) -> SearchResult:
        """"월요대화에 AI 사관학교 수료생이랑 교육생도 왔어요?": the event named first is the topic, the academy a detail of it.
        An answer with the entry named later goes to the buttons, where the event's entry is offered too."""
        if found.top is None or not found.grounded:
            return found
        event = index.attended_first(question)
        top = index.position[found.top.id]
        if event is None or event == top or event not in {index.position[c.entry.id] for c in found.candidates}:
            return found
        at_top, at_event = index.named_at(question, top), index.named_at(question, event)
        if at_event < 0 or at_top <= at_event:
            return found
        return _not_grounded(found)

    def _not_set_aside(self, index: _Index, question: str, context_topic: str | None, params: FusionParams,
                       bank: QuestionBank | None, found: SearchResult) -> SearchResult:
        """"사관학교 말고 다른 교육 과정은?" asks for a neighbour of what it sets aside: that entry is not the answer,
        unless the rest of the question names it again by a whole name ("특구 말고 실증 쪽 과제는 또 뭐 있어요?" after
        the testbed: 실증 is the testbed's too). The rest read alone answers with another entry, else the buttons."""
        if found.top is None or not found.grounded:
            return found
        context = index.position.get(context_topic or "")
        aside, rest = index.set_aside(question, context)
        top = index.position[found.top.id]
        if top not in aside or any(t.noun and top in index.full_names.get(t.word, ()) for t in index.signals(rest)[0]):
            return found
        alone = self._search(index, rest, params, rest, bank)
        if alone.top is not None and index.position[alone.top.id] not in aside:
            return alone
        return _not_grounded(found)

    def _search_in_context(self, index: _Index, question: str, context_topic: str | None, params: FusionParams,
                           bank: QuestionBank | None) -> SearchResult:
        """The question read alone, then with the last topic (the follow-up rules below)."""
        result = self._search(index, question, params, question, bank)
        if result.band != "answer" and result.top is not None and not result.missing:
            # A long question opening with who asks and why ("행정학과 교수입니다. 수업 사례로 쓰려고 합니다. ..."):
            # the opening's words dilute every signal; the question after it, read alone, may be surer of the same
            # entry.
            _, rest = premise_split(normalize_text(question))
            if rest != normalize_text(question) and rest.strip():
                alone = self._search(index, rest, params, rest, bank)
                if alone.top is not None and alone.top.id == result.top.id and alone.confidence > result.confidence:
                    result = alone
        context = index.data.by_id.get(context_topic or "")
        if context is None:
            return result
        final = self._followup(index, question, context, params, bank, result)
        if final.band == "answer" and final.top is not None and final.top.id == context.id \
                and INCLUDING.search(normalize_text(question)):
            # "그거 포함해서 전체 사업비는요?": the question read alone names the whole; the last topic is only part of it.
            if result.band == "answer" and result.top is not None and result.top.id != context.id:
                return result
            return replace(final, band="clarify", source_line="", grounded=False)
        # "그럼 시민은 뭘 할 수 있어요?" after 4대 전략: the citizen's topic word names another entry, which the question
        # read alone ranks first; the last topic (whose text may mention that word in passing) is not the answer.
        if final.band == "answer" and final.top is not None and final.top.id == context.id and result.top is not None:
            other = index.other_topic(question, index.position[context.id])
            if index.position[result.top.id] in other:
                if result.band == "answer":
                    return result
                return replace(result, band="clarify", source_line="", grounded=False)
            if any(index.position[c.entry.id] in other for c in result.candidates) \
                    and not (result.band == "answer" and result.top.id == context.id):
                # "그 테스트베드 들어가는 단지는 어디 있어요?": both topics named, the other one as the subject. Not when
                # the question read alone is answered with the last topic itself ("학생들은 뭘 원했어요?" after the
                # companies' requests: 학생 names the academy, a lower candidate; engineer K25).
                return replace(result, band="clarify", source_line="", grounded=False)
        return final

    def _followup(self, index: _Index, question: str, context: Entry, params: FusionParams,
                  bank: QuestionBank | None, result: SearchResult) -> SearchResult:
        # A follow-up ("거기 예산은?") or a question too weak on its own: read it together with the last topic.
        deictic = bool(DEICTIC.search(question or "")) or index.points_back(question, index.position[context.id])
        if deictic or result.band != "answer" or result.top is None \
                or result.top.id != context.id:
            expanded = self._search(index, followup_text(question, context), params, question, bank)
            if (TOPIC_DEICTIC.search(question or "") and expanded.top is not None
                    and expanded.top.id != context.id and expanded.candidates[0].features["name"] == 0.0
                    and self._kinds_topic_lacks(index, question, context)
                    # ...unless the question read alone is answered with that neighbour too ("거기서 발표한 전략은 몇
                    # 개였죠?" after the vision event: the strategies' count, not a figure the event lacks).
                    and not (result.band == "answer" and result.top is not None
                             and result.top.id == expanded.top.id
                             and index.names_entry(question, index.position[expanded.top.id]))):
                # "거기 예산은?" after 2단계 asks for the last topic's figure, which it lacks: another entry's figure
                # would answer a different question ("거기서 기업들은 뭘 요청했어요?" may move on to a neighbour).
                # Never answered, whatever its confidence: not grounded (it must not set the answer threshold).
                band = "clarify" if expanded.band == "answer" else expanded.band
                return replace(expanded, band=band, source_line="", grounded=False, used_context=True)
            if deictic or (result.band != "answer" and expanded.confidence > result.confidence):
                return replace(expanded, used_context=True)
            # "과제는 몇 개예요?" after 시민 참여: the question names no topic of its own (no entry's name in it)
            # and the entry read with the last topic covers the citizen's words as well: the conversation decides.
            # Not when it asks how something is done and the question alone is answered ("인재는 어떤 식으로
            # 키우는데?" after the ten-year goals: the goals give the number, the talent ladder how; lead, after batch 36).
            if (expanded.band == "answer" and result.candidates and expanded.top is not None
                    and expanded.top.id != result.top.id and result.candidates[0].features["name"] == 0.0
                    and expanded.candidates[0].features["cov"] >= result.candidates[0].features["cov"]
                    and not (result.band == "answer" and HOW_DONE.search(normalize_text(question)))):
                return replace(expanded, used_context=True)
        lacking = self._last_topic_lacks(index, question, context, result)
        if lacking:
            # "특구 면적은?" after the special zone: the citizen names the last topic, whose figure of that kind the
            # articles lack; a neighbour's figure (the AI complex's area) would answer a different question.
            return replace(result, band="unknown", source_line="", grounded=False, used_context=True,
                           missing=tuple(sorted(lacking)))
        return result

    @staticmethod
    def _last_topic_lacks(index: _Index, question: str, context: Entry, result: SearchResult) -> frozenset[str]:
        """For an answer with another entry to a follow-up naming the last topic by one of its whole names (특구, no
        other entry's: a piece of 연구개발특구 does not count; engineer K22) or naming no topic at all, only the facet
        asked ("면적은 얼마나 돼요?" after the special zone: 면적 asks for an area; engineer K27): the kinds of figure
        asked that the last topic lacks. A neighbour whose name holds the last topic's is its figure only when that
        name asks for the kind (phase1's "집적단지 조성 사업비" after the complex, not its "예비타당성조사 면제" after
        phase 2: "그럼 돈은 얼마 들어가?"; engineer K30)."""
        if result.band != "answer" or result.top is None or result.top.id == context.id:
            return frozenset()
        ctx = index.position[context.id]
        nouns = [t for t in index.signals(question)[0] if t.noun]
        names_topic = any(index.full_names.get(t.word) == {ctx} for t in nouns)
        if not names_topic and not (nouns and all(index.is_facet(t.word) for t in nouns)):
            return frozenset()
        lacking = KnowledgeBase._kinds_topic_lacks(index, question, context)
        if not names_topic and index.names_within(index.position[result.top.id], ctx, lacking):
            return frozenset()
        return lacking

    @staticmethod
    def _kinds_topic_lacks(index: _Index, question: str, context: Entry) -> frozenset[str]:
        """Kinds of fact the question asks for that the last topic's entry does not hold ("거기 예산은?")."""
        return index.asked_kinds(question, index.signals(question)[0]) - index.facts[index.position[context.id]]

    @staticmethod
    def _last_sentence_top(index: _Index, text: str, p: FusionParams, bank: QuestionBank | None) -> int | None:
        """The entry the last sentence of a question of several sentences ranks first, read alone (ranking only:
        no confidence, no fact checks); None for a question of one sentence."""
        sentences = [s for s in LAST_SENTENCE.split(normalize_text(text).strip()) if s.strip()]
        if len(sentences) < 2:
            return None
        last = sentences[-1]
        terms, sig = index.signals(last)
        if bank is not None and bank.fitted:
            sig = sig | {"qb": bank.scores(last)[0]}
        scored = index.ranked(sig, p.weights, lambda i: index.coverage(terms, i), p.weights.get("cov", 0.0),
                              index.normalize(last), index.asked_kinds(last, terms))
        return scored[0][1] if scored else None

    def _search(self, index: _Index, text: str, p: FusionParams, question: str,
                bank: QuestionBank | None = None) -> SearchResult:
        """Score `text` (the question, or the question with the last topic); facts are checked on `question`."""
        terms, sig = index.signals(text)
        bank_probs, bank_null = bank.scores(text) if bank is not None and bank.fitted else (None, 0.0)
        if bank_probs is not None:
            sig = sig | {"qb": bank_probs}  # the cached signals stay bank-free (the evaluation swaps banks)
        # Coverage is judged on the citizen's own words: the last topic added to a follow-up must not make an
        # unrelated question ("오늘 날씨 어때요?") look covered.
        asked_terms = terms if text == question else index.signals(question)[0]
        plain = normalize_text(question)  # the citizen's words, before lexicon rewrites (read three times below)
        premise, rest = premise_split(plain)
        if premise:
            # The asker's own introduction ("택시 기사인데, ...", "컴공 새내기인데 ...") says who asks, not what about:
            # its words are not the question's topic words (coverage, the missing noun, the ranking).
            kept = [t for t in asked_terms if not (t.word in premise and t.word not in rest)]
            if kept:
                asked_terms = kept
        # In a follow-up the last topic's title pulls every score towards that topic; the citizen's own new words
        # ("그거 목표는?") decide between it and its neighbours, so their coverage weighs at least FOLLOWUP_COV.
        w_cov = p.weights.get("cov", 0.0) if text == question else max(p.weights.get("cov", 0.0), FOLLOWUP_COV)
        scored = index.ranked(sig, p.weights, lambda i: index.coverage(asked_terms, i), w_cov, index.normalize(text),
                              index.asked_kinds(question, asked_terms))
        if not scored:
            return SearchResult("unknown", 0.0)
        margin = scored[0][0] - (scored[1][0] if len(scored) > 1 else 0.0)
        # How much more of the question the best entry covers than any other close one: a vague question
        # ("AI 산업 요약해줘") is covered by many entries equally and should not be answered by one of them.
        gap = scored[0][2]["cov"] - max((f["cov"] for _, _, f in scored[1:]), default=0.0)
        top = scored[0][2] | {"margin": margin, "gap": gap}
        if bank_probs is not None:
            qb = float(bank_probs[scored[0][1]])
            # qunc: how much an uncovered noun counts may depend on how sure the bank is of the entry (a typo it
            # has seen, or a detail of a well-known topic); a linear confidence cannot learn that by itself.
            top |= {"qb": qb, "qnull": bank_null, "qunc": qb * top["unc"]}
        # lastdis: a question of several sentences whose last sentence, read alone, ranks another entry first. A
        # citizen who names the topic first and then only asks ("...선포식이 있었다더라고요. ... 정리해 주세요.") is more
        # often answerable than one whose last sentence carries the topic with a detail the entry lacks (leave-one-
        # batch-out over batches 19-22, engineer K15: docs/knowledge.md). 0 for a single sentence.
        last_top = self._last_sentence_top(index, text, p, bank)
        top["lastdis"] = float(last_top is not None and last_top != scored[0][1])
        z = p.intercept + sum(p.coef.get(k, 0.0) * top.get(k, 0.0) for k in FEATURES)
        confidence = _sigmoid(z)
        candidates = tuple(Candidate(index.entries[i], s, top if j == 0 else f | {"margin": 0.0, "gap": 0.0})
                           for j, (s, i, f) in enumerate(scored[:3]))
        best = scored[0][1]
        # Facts asked for, read on the citizen's words and on their normalised form ("phase 1" -> 1단계).
        words = [t.word for t in asked_terms]
        normalized = index.normalize(question)
        facts = index.fact_kinds
        asked = asked_facts(question, words, facts) | asked_facts(normalized, words, facts)
        missing = sorted(asked - index.facts[best])
        if "another" in missing and index.lists_set_aside(question, best):
            missing.remove("another")
        nouns = [t.word for t in asked_terms if t.noun]
        missing = sorted(set(missing) | {f"place:{m}" for m in regions_asked_about(plain, facts)})
        if nouns and all(w in facts.regions for w in nouns) and not quotes_route(plain, nouns, index.fulltext[best]):
            # "그럼 대전은요?": the same topic for another region, which a Gwangju knowledge base does not hold,
            # even when the entry happens to name that region.
            missing = sorted(set(missing) | {f"place:{w}" for w in nouns})
        missing = sorted(set(missing) | {f"place:{m}" for m in sites_asked_about(plain)
                                         if squash(m) not in squash(index.fulltext[best], None)})
        if premise:
            # A region or a number of the asker's own introduction is not what is asked ("부산에서 ... 사람인데요").
            rest_numbers = asked_numbers(rest)
            rest_flat = squash(rest)
            missing = [k for k in missing
                       if not (k.startswith("place:") and k[6:] in premise and k[6:] not in rest_flat)]
            own = {n for n in asked_numbers(premise) if n not in rest_numbers}
        else:
            own = set()
        sentences = LAST_SENTENCE.split(plain.strip())
        if len(sentences) > 1:
            # A region named only in a sentence before the last one sets the scene ("부모님이 서울에 사세요. 사관학교는
            # 몇 명 뽑아요?"); a region the last sentence names is still asked about ("부산에도 있어요?").
            last_flat = squash(sentences[-1]) + " " + squash(LAST_SENTENCE.split(normalized.strip())[-1])
            missing = [k for k in missing if not (k.startswith("place:") and k[6:] not in last_flat)]
        asked_flat = squash(normalized)
        missing += [f"unknown:{u}" for u in index.entries[best].unknowns if squash(u) and squash(u) in asked_flat]
        missing += [f"part:{w}" for w in sorted(unpriced_parts((plain, normalized), index.fulltext[best]))]
        if "said" in asked:
            missing += [f"speaker:{w}" for w in sorted(unquoted_speakers((plain, normalized), index.answers[best],
                                                                          index.known))]
        missing += [f"detail:{w}" for w in sorted(listed_only((plain, normalized), index.answers[best]))]
        numbers = (asked_numbers(question) | asked_numbers(normalized)) - own
        lacking = [(n, c) for n, c in sorted(numbers)
                   if not has_number(index.numbers[best], index.fulltext[best], n, c)]

        def elsewhere(n: float, c: str) -> bool:  # another entry states the number
            return any(has_number(index.numbers[j], index.fulltext[j], n, c)
                       for j in range(len(index.entries)) if j != best)

        held_some = len(lacking) < len(numbers)
        if len(lacking) < len(numbers):
            # "1단계가 2024년에 끝나면 2단계는...": a number the entry holds is asked about; another one that the
            # knowledge base states elsewhere is the question's premise, not a fact beyond the articles.
            lacking = [(n, c) for n, c in lacking if not elsewhere(n, c)]
        if lacking:
            # A number stated by another entry is not asked about when it is named only in a framing sentence or
            # clause ("AI 사관학교 5기 교육생 친구가 ... 다녀왔대요. 그 자리가 어떤 행사였어요?": it sets the scene), nor when
            # it names a class whose members the entry names ("5기 교육생이 데이터센터를 ... 뭐에 비유했어요?": it says
            # which trainees spoke; the entry naming its trainees answers what they said).
            last_numbers = set().union(*(asked_numbers(LAST_SENTENCE.split(facts.last_clause(t).strip())[-1])
                                         for t in (plain, normalized)))
            members = class_members(plain, index.fulltext[best]) | class_members(normalized, index.fulltext[best])
            lacking = [(n, c) for n, c in lacking
                       if not elsewhere(n, c) or ((n, c) in last_numbers and (n, c) not in members)]
        if lacking and held_some and ALTERNATIVES.search(plain):
            lacking = []  # "12곳이었나 13곳이었나": the entry's 12 answers it
        unconfirmed: tuple[str, ...] = ()
        if (len(lacking) == 1 and not lacking[0][1] and not missing
                and checks_figure((plain, normalized), lacking[0][0], index.fulltext[best])):
            unconfirmed, lacking = (f"{lacking[0][0]:g}",), []
        missing += [f"number:{n:g}{c}" for n, c in lacking]
        missing = tuple(missing)
        # Only question and framing words ("뭐예요?") ask about nothing; in a follow-up ("거기 위치는요?") they ask
        # about the last topic itself, whose words were added to the text.
        if not (asked_terms or (text != question and terms)) or missing:
            band = "unknown"  # only question words ("뭐예요?"), or a kind of fact the entry does not hold
        elif confidence >= p.answer_threshold:
            band = "answer"
        elif confidence >= p.clarify_threshold:
            band = "clarify"
        else:
            band = "unknown"
        line = index.data.source_line(candidates[0].entry) if band == "answer" else ""
        return SearchResult(band, confidence, candidates, False, line, missing,
                            grounded=bool(asked_terms or (text != question and terms)) and not missing,
                            unconfirmed=unconfirmed)


def _not_grounded(result: SearchResult) -> SearchResult:
    """A result a rule keeps from an answer, whatever its confidence: the topic buttons instead (the evaluation, which
    re-bands results at other thresholds, reads it as not answered)."""
    band = "clarify" if result.band == "answer" else result.band
    return replace(result, band=band, source_line="", grounded=False)


def bank_text(question: str, context: Entry | None) -> str:
    """The text the search scores for a labelled question, so the bank learns from what it will be shown: a deictic
    follow-up is read with its context's short name."""
    return followup_text(question, context) if context is not None and DEICTIC.search(question) else question


def build_bank(index: _Index, labelled: list[tuple[str, str]], **kw) -> QuestionBank | None:
    """A question bank over (text, entry id or NULL) plus the example questions of the entries that have labelled
    questions; None if it would have fewer than two classes. Only labelled entries are classes: the model's size
    follows the labelled data, not the knowledge base (1,000 entries as classes would take gigabytes and minutes)."""
    labelled_ids = {y for _, y in labelled}
    examples = [(q, e.id) for e in index.entries if e.id in labelled_ids for q in e.questions]
    rows = labelled + examples
    bank = QuestionBank(index.bank_tokens, [e.id for e in index.entries], [t for t, _ in rows],
                        [y for _, y in rows], **kw)
    return bank if bank.fitted else None


def followup_text(question: str, context: Entry) -> str:
    """A follow-up read with the last topic: its short name (first alias) rather than its full title, whose other
    words would pull towards the topic itself when the citizen asks about a neighbour ("그거 목표는?" after 2단계)."""
    name = context.aliases[0] if context.aliases else context.title
    return f"{DEICTIC.sub(' ', question or '')} {name}"


def _prune(folder: Path, pattern: str, keep: int) -> None:
    """Delete all but the `keep` most recently used files (a load refreshes a file's time)."""
    def used(f: Path) -> float:
        try:
            return f.stat().st_mtime
        except OSError:  # deleted meanwhile by another process's prune
            return 0.0

    for old in sorted(folder.glob(pattern), key=used, reverse=True)[keep:]:
        old.unlink(missing_ok=True)


@lru_cache(maxsize=4)
def _shared(path: str) -> KnowledgeBase:
    return KnowledgeBase(path, background_reload=True)


def get_knowledge_base(path: str | os.PathLike | None = None) -> KnowledgeBase:
    """One KnowledgeBase per file and process (built lazily on first search, never at import)."""
    if path is None:
        from civic.settings import get_settings

        path = get_settings().knowledge_path
    return _shared(str(Path(path).resolve()))
