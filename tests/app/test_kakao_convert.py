"""Rasa messages → Kakao skill response 2.0, and skill request parsing: pure functions, no server."""
import re

import pytest

from tests.app.fake_kakao import kakao_request
from web import kakao
from web.rasa_client import BotMessage, Button, parse_messages

SENTENCE = "광주는 인공지능 중심도시를 만들기 위해 국가 AI 데이터센터와 실증 단지를 조성하고 있어요. "


def outputs(response):
    assert response["version"] == "2.0"
    outs = response["template"]["outputs"]
    assert 1 <= len(outs) <= kakao.MAX_OUTPUTS
    return outs


def texts(response):
    return [o["simpleText"]["text"] for o in outputs(response) if "simpleText" in o]


def test_simple_text_keeps_newlines():
    resp = kakao.skill_response([BotMessage("첫 줄이에요.\n둘째 줄이에요.")])
    assert texts(resp) == ["첫 줄이에요.\n둘째 줄이에요."]
    assert "quickReplies" not in resp["template"]


def test_buttons_become_quick_replies_within_limits():
    buttons = [Button("AI 사업 알아보기", "광주 AI 사업에 대해 알려주세요"), Button("생활 불편 제안하기", "/propose")]
    buttons += [Button(f"아주 긴 버튼 제목이 열네 글자를 넘어요 {i}", f"/help{{\"n\": {i}}}") for i in range(10)]
    replies = kakao.skill_response([BotMessage("골라 주세요.", buttons)])["template"]["quickReplies"]
    assert len(replies) == kakao.MAX_QUICK_REPLIES
    assert all(len(r["label"]) <= kakao.LABEL_MAX and r["action"] == "message" for r in replies)
    assert replies[0] == {"label": "AI 사업 알아보기", "action": "message", "messageText": "광주 AI 사업에 대해 알려주세요"}
    # An intent payload is not shown to the citizen: the title is what they "say", the payload rides in extra.
    assert replies[1] == {"label": "생활 불편 제안하기", "action": "message", "messageText": "생활 불편 제안하기",
                          "extra": {"payload": "/propose"}}
    assert replies[2]["label"].endswith("…") and replies[2]["extra"]["payload"] == '/help{"n": 0}'


def test_long_answer_is_split_at_sentence_boundaries():
    text = SENTENCE * 40  # ~2,000 characters
    parts = texts(kakao.skill_response([BotMessage(text)]))
    assert len(parts) == 3 and all(len(p) <= kakao.SIMPLE_TEXT_MAX for p in parts)
    assert all(p.endswith("있어요.") for p in parts), "each part ends at a sentence end"
    assert " ".join(parts).split() == text.split(), "nothing lost, no word cut"


def test_too_long_answer_fits_three_outputs_and_says_it_was_cut():
    words = [f"단어{i}" for i in range(1500)]  # ~8,000 characters, no sentence ends
    parts = texts(kakao.skill_response([BotMessage(" ".join(words))]))
    assert len(parts) == 3 and all(len(p) <= kakao.SIMPLE_TEXT_MAX for p in parts)
    assert parts[-1].endswith("…")
    kept = " ".join(parts)[:-1].split()
    assert kept == words[: len(kept)], "cut at word boundaries only"


def test_a_single_word_longer_than_the_limit_is_cut_hard():
    parts = kakao.split_text("가" * 2500)
    assert [len(p) for p in parts] == [1000, 1000, 500]


def test_many_messages_are_merged_into_three_outputs_in_order():
    msgs = [BotMessage(f"{i}번째 안내예요.") for i in range(5)]
    parts = texts(kakao.skill_response(msgs))
    joined = "\n\n".join(parts)
    assert len(parts) <= 3
    assert [int(n) for n in re.findall(r"(\d)번째", joined)] == [0, 1, 2, 3, 4]


def test_custom_list_becomes_a_list_card_after_its_text():
    custom = {"type": "list", "title": "비슷한 제안이 있어요",
              "items": [{"title": f"{i}번 제안: 첨단지구 보행로 가로등이 어두워요 정말 너무 어두워요",
                         "description": "동의 12명 · 접수됨", "payload": f'/support_proposal{{"proposal_id": {i}}}'}
                        for i in range(7)]}
    msgs = parse_messages([{"text": "비슷한 제안을 찾았어요."}, {"custom": custom},
                           {"text": "이 중에 같은 내용이 있나요?", "buttons": [{"title": "아니요, 새로 낼게요", "payload": "/deny"}]}])
    resp = kakao.skill_response(msgs)
    outs = outputs(resp)
    assert list(outs[0]) == ["simpleText"] and list(outs[1]) == ["listCard"] and list(outs[2]) == ["simpleText"]
    card = outs[1]["listCard"]
    assert card["header"] == {"title": "비슷한 제안이 있어요"}
    assert len(card["items"]) == kakao.LIST_ITEMS_MAX
    first = card["items"][0]
    assert len(first["title"]) <= kakao.LIST_TITLE_MAX and first["description"] == "동의 12명 · 접수됨"
    assert first["action"] == "message" and first["extra"] == {"payload": '/support_proposal{"proposal_id": 0}'}
    assert resp["template"]["quickReplies"][0]["extra"] == {"payload": "/deny"}


def test_a_malformed_custom_message_falls_back_to_text_or_nothing():
    resp = kakao.skill_response([BotMessage(custom={"type": "list", "items": "x", "text": "목록을 못 보여드려요"})])
    assert texts(resp) == ["목록을 못 보여드려요"]
    assert texts(kakao.skill_response([])) == [kakao.NO_ANSWER_TEXT]


def test_wait_response_for_the_callback_path():
    assert kakao.wait_response() == {"version": "2.0", "useCallback": True, "data": {"text": "답변을 준비하고 있어요…"}}


@pytest.mark.parametrize("url, ok", [
    ("https://bot-api.kakao.com/callback/abc", True),
    ("https://kakao.com/x", True),
    ("https://a.b.kakao.com:8443/x", True),
    ("http://bot-api.kakao.com/callback/abc", False),  # https only
    ("https://evilkakao.com/x", False),
    ("https://kakao.com.evil.example/x", False),
    ("https://kakao.com@evil.example/x", False),
    ("https://bot-api.kakao.com:99999/x", False),
    ("ftp://kakao.com/x", False),
    ("http://127.0.0.1:8080/cb", False),  # loopback only when listed
    ("", False),
    (None, False),
])
def test_callback_url_allow_list(url, ok):
    assert kakao.callback_url_allowed(url, ["bot-api.kakao.com", "kakao.com"]) is ok


def test_loopback_callback_is_allowed_over_http_only_when_listed():
    assert kakao.callback_url_allowed("http://127.0.0.1:8080/cb", ["kakao.com", "127.0.0.1"])
    assert not kakao.callback_url_allowed("http://localhost:8080/cb", ["kakao.com", "127.0.0.1"])


def test_parse_request_from_documented_shape():
    req = kakao.parse_request(kakao_request("callback"))
    assert req.utterance == "AI 사관학교 지원 자격이 궁금해요"
    assert req.user_id.startswith("4f1c2b7d")
    assert req.userRequest.callbackUrl.startswith("https://bot-api.kakao.com/")


@pytest.mark.parametrize("mutate, expected", [
    (lambda b: b["userRequest"].pop("user"), "userRequest.user 항목이 필요해요."),
    (lambda b: b["userRequest"].pop("utterance"), "userRequest.utterance 항목이 필요해요."),
    (lambda b: b.pop("userRequest"), "userRequest 항목이 필요해요."),
    (lambda b: b["userRequest"]["user"].update(id=""), "userRequest.user.id 값이 비어 있어요."),
    (lambda b: b["userRequest"].update(utterance=["x"]), "userRequest.utterance 값을 확인해 주세요."),
])
def test_parse_request_names_the_missing_field_in_korean(mutate, expected):
    body = kakao_request("greeting")
    mutate(body)
    with pytest.raises(ValueError, match=re.escape(expected)):
        kakao.parse_request(body)


def test_a_tap_reaches_rasa_as_the_payload():
    memory = kakao.OfferMemory()
    tapped = kakao.parse_request(kakao_request("quick_reply_tap"))
    assert kakao.rasa_text(tapped, memory) == "/propose"  # from action.clientExtra
    # Without extra: the payload offered to this user is remembered.
    plain = kakao.parse_request(kakao_request("greeting", utterance="생활 불편 제안하기"))
    assert kakao.rasa_text(plain, memory) == "생활 불편 제안하기"
    memory.remember(plain.user_id, kakao.offered_payloads([BotMessage("?", [Button("생활 불편 제안하기", "/propose")])]))
    assert kakao.rasa_text(plain, memory) == "/propose"
    other = kakao.parse_request(kakao_request("greeting", utterance="생활 불편 제안하기", user_id="someone-else"))
    assert kakao.rasa_text(other, memory) == "생활 불편 제안하기"
