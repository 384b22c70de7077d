"""Query normalisation: lexicon rewrites, spelling by sound, one-letter typos, and what must stay untouched."""
import os
import shutil
import time
from pathlib import Path

import pytest
import yaml

from knowledge.normalize import LEXICON_PATH, Lexicon, LexiconError, sound_key
from knowledge.search import KnowledgeBase

ROOT = Path(__file__).resolve().parents[2]
ENTRIES = ROOT / "knowledge" / "entries.yml"


@pytest.fixture(scope="module")
def index():
    return KnowledgeBase(ENTRIES)._current()


@pytest.mark.parametrize("typed, expected", [
    ("데센 언제 열어요", "데이터센터 언제 열어요"),
    ("ai 집적단지 땅 넓이가 얼마나 돼요", "ai 집적단지 면적이 얼마나 돼요"),  # the particle follows the new word
    ("데센은요", "데이터센터는요"),
    ("phase 1 예산", "1단계 예산"),
    ("첫 번째 단계 사업", "1단계 사업"),
    ("ai startup 지원", "ai 스타트업 지원"),
    ("마데센", "마데센"),  # a short key only at the start of a word
    ("reopen", "reopen"),  # English keys are whole words
    ("ai talent ladder 뭐예요", "ai 인재 사다리 뭐예요"),  # more English words (K10)
    ("2nd phase feasibility study 언제", "2단계 예비타당성조사 언제"),
    ("전략 포름 주제", "전략 포럼 주제"),  # a typo the corrector leaves (포름 is a word)
    ("네 번째 전략은요?", "시민 참여 전략은요?"),  # a strategy by its order in the vision
    ("1년에 몇 명", "한 해에 몇 명"),
    ("2021년에 개원했죠?", "2021년에 개원했죠?"),  # a key starting with a digit is not the end of a number
])
def test_lexicon_rewrites_what_citizens_type(typed, expected):
    assert Lexicon.load().rewrite(typed) == expected


def test_english_words_become_the_entries_words_only_in_the_english_view():
    # Section `english` (K19) is the question bank's second view; the search reads the citizen's words as before.
    lexicon = Lexicon.load()
    assert lexicon.rewrite("사업단 hiring는 언제예요") == "사업단 hiring는 언제예요"
    assert lexicon.rewrite("사업단 hiring는 언제예요", english=True) == "사업단 채용은 언제예요"  # particle fixed
    assert lexicon.rewrite("data center role", english=True) == "데이터센터 역할"  # the rewrites come first


def test_a_broken_lexicon_is_reported():
    with pytest.raises(LexiconError):
        Lexicon.from_dict({"rewrite": ["not", "a", "mapping"]})
    with pytest.raises(LexiconError):
        Lexicon.from_dict({"synonyms": {"면적": "넓이"}})


@pytest.mark.parametrize("a, b, same", [
    ("문재", "문제", True), ("비젼", "비전", True), ("단게", "단계", True), ("월요데화", "월요대화", True),
    ("목포", "목표", False), ("예산", "에산", False),
])
def test_words_spelt_by_sound_share_a_key(a, b, same):
    assert (sound_key(a) == sound_key(b)) is same


@pytest.mark.parametrize("typed, expected", [
    ("인공지능 집접단지에는", "인공지능 집적단지에는"),
    ("데이터샌터 몇 개", "데이터센터 몇 개"),
    ("인공지능산업융합사엄단", "인공지능산업융합사업단"),
    ("양썽 방안", "양성 방안"),
    ("헙약 기관", "협약 기관"),
    ("생활 문재를", "생활 문제를"),
])
def test_one_letter_typos_of_knowledge_base_words_are_fixed(index, typed, expected):
    assert index.normalize(typed) == expected


@pytest.mark.parametrize("text", [
    "2단계 목포가 어디예요",  # a real city, not a typo of 목표
    "보상 있어요",  # a real word the knowledge base does not use
    "거기 예산은",  # a pronoun
    "얘기 해줘",  # a verb form
    "사업의 컨트롤 타워",  # a known word and its particle
    "기업들이 뭐래요",
])
def test_real_words_and_verb_forms_are_left_alone(index, text):
    assert index.normalize(text) == text


def test_synonyms_count_as_the_knowledge_base_word(index):
    terms = {t.word: t for t in index.terms(index.normalize("집적단지 평수 알려줘"))}
    assert "면적" in terms  # rewritten
    terms = {t.word: t for t in index.terms("기업들이 겪는 어려움")}
    assert "고충" in terms["어려움"].alts
    assert terms["겪"].noun is False  # predicates count half and never as the missing word


def test_lexicon_edits_are_picked_up_without_a_restart(tmp_path):
    entries, lexicon = tmp_path / "entries.yml", tmp_path / "lexicon.yml"
    shutil.copy(ENTRIES, entries)
    doc = yaml.safe_load(LEXICON_PATH.read_text(encoding="utf-8"))
    lexicon.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    kb = KnowledgeBase(entries, lexicon_path=lexicon)
    assert kb._current().normalize("뽀짝") == "뽀짝"
    doc["rewrite"]["인공지능대학원"] = ["뽀짝"]
    lexicon.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    os.utime(lexicon, (time.time() + 5, time.time() + 5))
    assert kb._current().normalize("뽀짝") == "인공지능대학원"


def test_a_broken_lexicon_edit_keeps_the_search_answering(tmp_path):
    entries, lexicon = tmp_path / "entries.yml", tmp_path / "lexicon.yml"
    shutil.copy(ENTRIES, entries)
    shutil.copy(LEXICON_PATH, lexicon)
    kb = KnowledgeBase(entries, lexicon_path=lexicon)
    assert kb.search("데센 언제 열어요?").top.id == "data_center"
    lexicon.write_text("rewrite: [broken", encoding="utf-8")
    os.utime(lexicon, (time.time() + 5, time.time() + 5))
    assert kb.search("데센 언제 열어요?").top.id == "data_center"  # previous lexicon kept


def test_the_shipped_lexicon_has_no_key_twice_and_a_duplicate_is_refused(tmp_path):
    from knowledge.normalize import LEXICON_PATH, Lexicon, LexiconError

    Lexicon.load(LEXICON_PATH)  # raises on a duplicate key
    path = tmp_path / "lexicon.yml"
    path.write_text("synonyms:\n  면적: [넓이]\n  면적: [크기]\n", encoding="utf-8")
    with pytest.raises(LexiconError, match="두 번"):
        Lexicon.load(path)
