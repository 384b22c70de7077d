"""A figure the citizen checks, offered alternatives and parts of a money total, on the real knowledge base."""
from pathlib import Path

import pytest

from knowledge.replies import UNCONFIRMED_NOTE, from_result
from knowledge.search import KnowledgeBase, asked_numbers, checks_figure, unpriced_parts

ENTRIES = Path(__file__).resolve().parents[2] / "knowledge" / "entries.yml"
MOU = "광주시는 비전 선포식에서 12개 기관과 데이터 공유·협력 업무협약(MOU)을 맺었어요."


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase(ENTRIES)


@pytest.mark.parametrize("question, entry", [
    ("데이터 협약 10개 기관이랑 맺었죠?", "data_mou"),  # the entry: 12개 기관
    ("GIST AI 대학원 정원 100명 맞나요?", "gist_grad"),  # 정원 50명
    ("선포식에 1000명 왔죠?", "vision_2020"),  # 700명 넘게 참석
    ("지스트 인공지능대학원 2021년에 개원한 거 맞죠?", "gist_grad"),  # 인공지능대학원을 2020년 3월에 열 계획
])
def test_a_checked_figure_the_entry_states_otherwise_is_answered_with_a_note(kb, question, entry):
    result = kb.search(question)
    assert result.band == "answer" and result.entry.id == entry and result.unconfirmed
    reply = from_result(kb, result)
    assert reply.text.startswith(UNCONFIRMED_NOTE) and result.entry.answer in reply.text
    assert "출처: " in reply.text


@pytest.mark.parametrize("question", [
    "AI 사관학교 졸업생 중에 300명 취업했죠?",  # the entry's 100명 counts trainees a year, not hires
    "GIST AI 대학원 정원이 몇 명이에요? 100명?",  # asks for the figure: no check to correct
    "데이터센터 2030년에 완공되죠?",  # no sentence gives the centre's own year beside it
    "사업단 직원 100명이죠?",  # no entry gives a head count of staff
])
def test_a_figure_of_something_the_entry_does_not_count_is_still_refused(kb, question):
    result = kb.search(question)
    assert result.band != "answer" and not result.unconfirmed
    assert any(m.startswith("number:") for m in result.missing)


def test_checks_figure_needs_the_same_unit_a_shared_word_and_no_question_word():
    assert checks_figure(["데이터 협약 10개 기관이랑 맺었죠?"], 10, MOU)
    assert not checks_figure(["데이터 협약 10개 기관이랑 맺었어요? 몇 개예요?"], 10, MOU)
    assert not checks_figure(["데이터 협약 10명이랑 맺었죠?"], 10, MOU)  # people, not bodies
    assert not checks_figure(["협약 기념 행사에 10개 부스가 섰죠?"], 10, "부스가 있었어요.")  # no figure to correct


def test_an_alternative_the_entry_holds_answers_the_question(kb):
    result = kb.search("데이터 협약 12곳이었나 13곳이었나")
    assert result.band == "answer" and result.entry.id == "data_mou" and not result.unconfirmed


def test_five_eighteen_is_a_name_not_a_figure(kb):
    assert asked_numbers("5.18기념문화센터에서 열렸어요?") == set()
    assert asked_numbers("5·18 민주광장 근처예요?") == set()
    assert (5.18, "") in asked_numbers("5.18억 원이에요?")  # an amount stays a number
    result = kb.search("선포식 엿은 장소가 김대중컨벤션이었나 5.18기념문화센터였나 헷갈려요")
    assert result.band == "answer" and result.entry.id == "vision_2020"


@pytest.mark.parametrize("question", [
    "1단계 예산 중에 인재 양성에 얼마 들었어요?",
    "1단계예산중에창업지원에는얼마썼어요",
])
def test_a_part_of_a_total_the_entry_gives_no_amount_for_is_refused(kb, question):
    result = kb.search(question)
    assert result.band != "answer" and any(m.startswith("part:") for m in result.missing)


def test_the_priced_part_is_answered(kb):
    result = kb.search("1단계 사업비 중에 연구개발비는 얼마예요?")
    assert result.band == "answer" and result.entry.id == "phase1" and not result.missing
    assert unpriced_parts(["사업비 중에 연구개발비는 얼마예요?"], "연구개발비 508억 원 포함") == set()
    assert unpriced_parts(["사업비 중에 창업지원에는 얼마예요?"], "AI 창업 지원, 인재 양성") == {"창업지원"}
