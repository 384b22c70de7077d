"""Text checks and the small parsers of citizens' answers inside the proposal form."""
import random

import pytest

from civic.channels import channel_of
from civic.validation import check_text, correction_target, is_cancel, is_substantial, is_unknown, yes_no


@pytest.mark.parametrize(("text", "code"), [
    (None, "empty"), ("", "empty"), (" \t\n ", "empty"), ("\u200b\u200b", "empty"),
    ("가" * 5001, "too_long"),
    ("😀😀😀", "emoji"), ("👍 🙏 !!!", "emoji"), ("?!?!", "emoji"),
    ("ㅋㅋㅋㅋㅋㅋㅋ", "spam"), ("ㅠㅠㅠㅠㅠ", "spam"),
    ("신고 신고 신고 신고 신고 신고 신고", "spam"),
    ("아아아아아아아아아아아아아아아아아아아아", "spam"),
    ("광고 http://a.kr http://b.kr http://c.kr", "spam"),
    ("네", "too_short"), ("좋아요", "too_short"),
])
def test_rejected_text(text, code):
    result = check_text(text)
    assert not result.ok and result.code == code
    assert result.message.endswith("요.")


# 5,000 characters exactly, varied like real prose (syllables and spaces from a fixed seed).
_rng = random.Random(5)
LONG_VARIED_TEXT = "".join(_rng.choice("가나다라마바사아자차카타파하도로시설버스 ") for _ in range(4999)) + "요"


@pytest.mark.parametrize("text", [
    "가로등 고장", "버스 배차 간격이 너무 길어요 ㅠㅠ", LONG_VARIED_TEXT,
    "쓰레기 무단투기 쓰레기 무단투기 단속 좀 해 주세요",
    "AI 데이터센터 견학 프로그램을 주말에도 열어 주세요 😊",
])
def test_accepted_text(text):
    result = check_text(text)
    assert result.ok, result.code
    assert result.text == text.strip()


@pytest.mark.parametrize(("text", "substantial"), [
    ("제안하고 싶어요", False), ("불편 신고하고 싶어요", False), ("건의할 게 있어요", False),
    ("생활 불편 제안하기", False),
    ("우리 동네 가로등이 고장나서 밤에 너무 어두워요", True),
    ("북구 용봉동 전남대 후문 앞 횡단보도 신호가 너무 짧아요", True),
    ("어린이집 보육료 지원을 늘려 주세요", True),
])
def test_is_substantial(text, substantial):
    assert is_substantial(text) is substantial


@pytest.mark.parametrize("text", ["취소", "그만", "그만할래요", "취소할게요.", "제안 취소", "안 할래요", "/cancel"])
def test_cancel(text):
    assert is_cancel(text)


@pytest.mark.parametrize("text", ["취소된 버스 노선을 다시 살려 주세요", "그만 좀 공사했으면 좋겠어요", "네"])
def test_not_cancel(text):
    assert not is_cancel(text)


def test_unknown_yes_no_and_corrections():
    assert is_unknown("잘 모르겠어요") and is_unknown("기억이 안 나요") and not is_unknown("북구 용봉동")
    assert yes_no("동의해요") is True and yes_no("네") is True and yes_no("/affirm") is True
    assert yes_no("동의하지 않아요") is False and yes_no("아니요") is False and yes_no("싫어요") is False
    assert yes_no("음 글쎄") is None and yes_no("뭐라고요", intent="deny") is False
    assert correction_target("장소 수정") == "location"
    assert correction_target("위치를 바꿀래요") == "location"
    assert correction_target("분야 변경") == "category"
    assert correction_target("내용 다시 쓸게요") == "problem"
    assert correction_target("연락처 수정") == "contact"
    assert correction_target("접수하기") is None


def test_channel_of():
    assert channel_of("web:abc") == "web"
    assert channel_of("kakao:8a7f") == "kakao"
    assert channel_of("abc") == channel_of("") == channel_of(None) == channel_of("kakao:") == "unknown"
