"""EntityResolver: one entity per span, canonical values, no guesses outside the closed vocabularies, and known
Gwangju names found at the start of a word."""
from __future__ import annotations

import pytest

from nlu.rasa_components import (
    _alias_patterns,
    _word_start_pattern,
    clean_entities,
    find_known_names,
    normalize_receipt_id,
)


@pytest.mark.parametrize("typed", ["GJ-2026-000123", "gj-2026-000123", "GJ 2026 000123", "GJ2026000123",
                                   "Gj_2026_000123", "GJ-2026-123", "접수번호 GJ-2026-000123번"])
def test_receipt_numbers_are_normalized(typed):
    assert normalize_receipt_id(typed) == "GJ-2026-000123"


@pytest.mark.parametrize("typed", ["", "GJ", "2026-000123", "GJ-2026-0001234", "XGJ-2026-000123", "010-1234-5678"])
def test_other_text_is_no_receipt_number(typed):
    assert normalize_receipt_id(typed) is None


def test_duplicate_receipt_from_two_extractors_collapses_to_the_regex_one():
    text = "gj 2026 000123 처리됐나요"
    entities = [
        {"entity": "receipt_id", "start": 0, "end": 14, "value": "gj 2026 000123", "extractor": "DIETClassifier",
         "confidence_entity": 0.99},
        {"entity": "receipt_id", "start": 0, "end": 14, "value": "gj 2026 000123", "extractor": "RegexEntityExtractor"},
    ]
    assert clean_entities(text, entities) == [{**entities[1], "value": "GJ-2026-000123"}]


def test_receipt_guess_on_other_digits_is_dropped_and_other_entities_kept():
    text = "2026년 000123 수완동"
    entities = [
        {"entity": "receipt_id", "start": 0, "end": 12, "value": "2026년 000123", "extractor": "DIETClassifier"},
        {"entity": "place", "start": 13, "end": 16, "value": "수완동", "extractor": "DIETClassifier"},
    ]
    assert clean_entities(text, entities) == [entities[1]]


def test_overlapping_entities_of_one_type_keep_the_more_confident():
    text = "광주 북구 용봉동"
    a = {"entity": "district", "start": 0, "end": 5, "value": "북구", "confidence_entity": 0.9}
    b = {"entity": "district", "start": 3, "end": 5, "value": "북구", "confidence_entity": 0.6}
    c = {"entity": "place", "start": 6, "end": 9, "value": "용봉동", "confidence_entity": 0.8}
    assert clean_entities(text, [b, c, a]) == [a, c]


CLOSED = {"district": _alias_patterns({"북구": "북구", "광주 북구": "북구", "북구청": "북구", "광산": "광산구",
                                       "광산구": "광산구"}),
          "topic": _alias_patterns({"데이터센터": "데이터센터", "데센": "데이터센터", "2단계 사업": "2단계 사업",
                                    "2단계": "2단계 사업"})}


def test_stray_morpheme_outside_the_closed_vocabulary_is_dropped():
    text = "데이터센터는 몇 월에 오픈했나요"
    entities = [{"entity": "topic", "start": 0, "end": 5, "value": "데이터센터"},
                {"entity": "topic", "start": 9, "end": 10, "value": "월"}]
    assert clean_entities(text, entities, CLOSED) == [entities[0]]


def test_closed_entity_span_snaps_to_the_longest_known_alias_with_its_canonical_value():
    text = "광주 북구 용봉동 가로등"
    stray = {"entity": "district", "start": 0, "end": 2, "value": "광주"}
    assert clean_entities(text, [stray], CLOSED) == [{**stray, "start": 0, "end": 5, "value": "북구"}]
    text = "2단계 사업은 언제 해요"
    short = {"entity": "topic", "start": 1, "end": 6, "value": "단계 사업"}
    assert clean_entities(text, [short], CLOSED) == [{**short, "start": 0, "end": 6, "value": "2단계 사업"}]


def test_open_entities_are_left_as_extracted():
    text = "수완동 상가 앞"
    place = {"entity": "place", "start": 0, "end": 3, "value": "수완동"}
    assert clean_entities(text, [place], CLOSED) == [place]


PLACES = {"수완동": "수완동", "학동": "학동", "전남대 후문": "전남대 후문"}
LOOKUP = {"place": _word_start_pattern(PLACES)}


def test_known_place_at_a_word_start_is_found_with_a_particle_attached():
    found = find_known_names("수완동에서 전남대후문까지 길이 막혀요", [], LOOKUP, {"place": PLACES})
    assert [(e["start"], e["end"], e["value"]) for e in found] == [(0, 3, "수완동"), (6, 11, "전남대 후문")]


def test_name_inside_a_word_or_already_covered_is_not_added():
    assert find_known_names("대학동기 모임", [], LOOKUP, {"place": PLACES}) == []
    diet = [{"entity": "place", "start": 0, "end": 7, "value": "수완동 상가"}]
    assert find_known_names("수완동 상가 앞", diet, LOOKUP, {"place": PLACES}) == diet
