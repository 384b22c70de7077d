"""Proposal form and status actions, run without a server: Tracker.from_dict + CollectingDispatcher, real SQLite."""
import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.proposals import (
    AskCategory,
    AskContactConsent,
    AskProposalConfirmed,
    AskSimilarDecision,
    SubmitProposal,
    ValidateProposalForm,
)
from actions.status import CheckStatus, SupportProposal
from civic import proposals as P
from civic.db import open_migrated
from tests.app.domain_support import load_domain

SENDER = "kakao:test-user-1"
LAMP = "북구 용봉동 전남대 후문 앞 가로등이 일주일째 꺼져 있어서 밤길이 너무 어두워요"


DOMAIN = load_domain()


@pytest.fixture(scope="module")
def var_dir(tmp_path_factory):
    """One fitted offline embedder for the module (fitting it is the slow part), a fresh database per test."""
    return tmp_path_factory.mktemp("var")


@pytest.fixture(autouse=True)
def store(var_dir, tmp_path, monkeypatch):
    from civic.embeddings.runtime import current_embedder
    from civic.settings import get_settings

    monkeypatch.setenv("DB_PATH", str(tmp_path / "civic.db"))
    monkeypatch.setenv("VAR_DIR", str(var_dir))
    get_settings.cache_clear()
    current_embedder(get_settings())  # ready before the form's similar lookup, which has a time budget
    db = open_migrated(get_settings().db_path)
    yield db
    db.close()
    get_settings.cache_clear()


def tracker(slots=None, text="", intent=None, entities=(), candidates=None, sender=SENDER,
            active=True) -> Tracker:
    """The tracker the action server receives: latest user message, then the slot candidates to validate."""
    slots = dict(slots or {})
    candidates = dict(candidates or {})
    slots.update(candidates)
    parse = {"text": text, "intent": {"name": intent, "confidence": 1.0} if intent else {},
             "entities": [{"entity": e, "value": v} for e, v in entities]}
    events = [{"event": "user", "text": text, "parse_data": parse},
              {"event": "action", "name": "proposal_form"}]
    events += [{"event": "slot", "name": k, "value": v} for k, v in candidates.items()]
    return Tracker.from_dict({
        "sender_id": sender, "slots": slots, "latest_message": parse, "events": events,
        "active_loop": {"name": "proposal_form"} if active else {}, "latest_action_name": "action_listen",
    })


def run(action, t: Tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, DOMAIN))
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}, dispatcher.messages


def responses(messages):
    return [m.get("response") for m in messages if m.get("response")]


FILLED = {"problem": LAMP, "location": "북구 용봉동", "district": "북구", "place": "용봉동",
          "category": "도로/시설", "contact_consent": "no", "similar_receipts": [], "proposal_confirmed": "yes"}


# ---------------------------------------------------------------------------------------------- the form
def test_first_message_with_the_problem_and_place_is_kept():
    t = tracker({"requested_slot": None}, text=LAMP, intent="propose",
                entities=[("district", "북구"), ("place", "용봉동")])
    slots, messages = run(ValidateProposalForm(), t)
    assert slots["problem"] == LAMP
    assert (slots["district"], slots["place"], slots["location"]) == ("북구", "용봉동", "북구 용봉동")
    assert slots["category_suggestion"] == "도로/시설" and slots["similar_receipts"] == []
    assert slots["requested_slot"] == "category"  # asks only what is missing
    assert responses(messages) == ["utter_problem_noted"]


def test_a_mere_announcement_asks_for_the_problem():
    slots, _ = run(ValidateProposalForm(), tracker({"requested_slot": None}, text="제안하고 싶어요",
                                                   intent="propose"))
    assert "problem" not in slots and slots["requested_slot"] == "problem"


@pytest.mark.parametrize(("text", "response"), [("😡😡😡", "utter_invalid_problem_emoji"),
                                                ("ㅋㅋㅋㅋㅋㅋㅋㅋ", "utter_invalid_problem_spam"),
                                                ("네", "utter_invalid_problem_too_short"),
                                                ("가" * 5001, "utter_invalid_problem_too_long")])
def test_bad_problem_text_is_refused_with_a_named_response(text, response):
    t = tracker({"requested_slot": "problem"}, text=text, candidates={"problem": text})
    slots, messages = run(ValidateProposalForm(), t)
    assert slots["problem"] is None and slots["requested_slot"] == "problem"
    assert responses(messages) == [response]


def test_cancel_at_any_step_ends_the_form_and_stores_nothing(store):
    t = tracker({"requested_slot": "location", "problem": LAMP}, text="그만할래요",
                candidates={"location": "그만할래요"})
    slots, _ = run(ValidateProposalForm(), t)
    assert slots["proposal_outcome"] == "cancelled" and slots["requested_slot"] is None
    assert slots["problem"] is None
    slots, messages = run(SubmitProposal(), tracker({"proposal_outcome": "cancelled"}, active=False))
    assert responses(messages) == ["utter_proposal_cancelled"]
    assert P.count_proposals(store) == 0 and all(v is None for v in slots.values())


def test_location_unknown_and_category_suggestion_accepted():
    t = tracker({"requested_slot": "location", "problem": LAMP}, text="잘 모르겠어요",
                candidates={"location": "잘 모르겠어요"})
    slots, _ = run(ValidateProposalForm(), t)
    assert slots["location"] == "모름" and slots["requested_slot"] == "category"
    t = tracker({"requested_slot": "category", "problem": LAMP, "location": "모름",
                 "category_suggestion": "도로/시설"}, text="네 맞아요", intent="affirm", candidates={"category": "네 맞아요"})
    slots, _ = run(ValidateProposalForm(), t)
    assert slots["category"] == "도로/시설" and slots["requested_slot"] == "contact_consent"


def test_category_question_offers_every_category_with_the_suggestion_first():
    _, messages = run(AskCategory(), tracker({"problem": "버스 배차 간격이 40분이에요"}))
    assert next(b["title"] for b in messages[0]["buttons"]) == "교통"
    assert len(messages[0]["buttons"]) == 10 and "'교통' 분야" in messages[0]["text"]


def test_consent_question_says_what_why_and_how_long():
    _, messages = run(AskContactConsent(), tracker())
    text = messages[0]["text"]
    for words in ("개인정보 수집·이용 동의", "휴대전화 번호 또는 이메일", "처리 결과 안내", "180일",
                  "동의하지 않아도 제안은 접수돼요"):
        assert words in text


def test_consent_yes_then_contact_no_then_skip():
    base = {"problem": LAMP, "location": "모름", "category": "기타"}
    slots, _ = run(ValidateProposalForm(), tracker({**base, "requested_slot": "contact_consent"}, text="/affirm",
                                                   intent="affirm", candidates={"contact_consent": "/affirm"}))
    assert slots["contact_consent"] == "yes" and slots["requested_slot"] == "contact"
    base["contact_consent"] = "yes"
    slots, messages = run(ValidateProposalForm(), tracker({**base, "requested_slot": "contact"}, text="공일공",
                                                          candidates={"contact": "공일공"}))
    assert slots["contact"] is None and responses(messages) == ["utter_invalid_contact"]
    slots, _ = run(ValidateProposalForm(), tracker({**base, "requested_slot": "contact"}, text="010 2345 6789",
                                                   candidates={"contact": "010 2345 6789"}))
    assert slots["contact"] == "phone:010-2345-6789" and slots["requested_slot"] == "proposal_confirmed"
    slots, messages = run(ValidateProposalForm(), tracker({**base, "requested_slot": "contact"},
                                                          text="남기지 않을게요",
                                                          candidates={"contact": "남기지 않을게요"}))
    assert slots["contact_consent"] == "no" and responses(messages) == ["utter_contact_skipped"]


def test_summary_then_correction_of_the_place():
    filled = {**FILLED, "contact_consent": "yes", "contact": "phone:010-2345-6789", "proposal_confirmed": None}
    _, messages = run(AskProposalConfirmed(), tracker(filled))
    assert "장소: 북구 용봉동" in messages[0]["text"] and "010-****-6789" in messages[0]["text"]
    assert {"title": "장소 수정", "payload": "장소 수정"} in messages[0]["buttons"]
    t = tracker({**filled, "requested_slot": "proposal_confirmed"}, text="장소 수정",
                candidates={"proposal_confirmed": "장소 수정"})
    slots, messages = run(ValidateProposalForm(), t)
    assert slots["location"] is None and slots["requested_slot"] == "location"
    assert responses(messages) == ["utter_correction_location"]


def test_submit_stores_after_commit_and_shows_the_receipt(store):
    slots, messages = run(SubmitProposal(), tracker({**FILLED, "contact_consent": "yes",
                                                      "contact": "email:kim@example.com"}, active=False))
    assert all(v is None for v in slots.values())
    (p,) = P.list_proposals(store)
    assert f"접수번호는 {p.receipt}이에요" in messages[0]["text"]
    assert (p.channel, p.district, p.category) == ("kakao", "북구", "도로/시설")
    assert P.contact_for(store, p.id).value == "kim@example.com"
    assert P.proposals_of_sender(store, SENDER)[0].id == p.id
    assert p.embedding_version  # embedded with the configured backend


def test_double_submit_is_one_proposal(store):
    first = run(SubmitProposal(), tracker(FILLED, active=False))[1][0]["text"]
    second = run(SubmitProposal(), tracker(FILLED, active=False))[1][0]["text"]
    assert first == second and P.count_proposals(store) == 1


# ---------------------------------------------------------------------------------------------- similar + support
def stored(store, text, sender="web:someone-else"):
    from actions.proposals import current_embedder

    return P.create_proposal(store, P.ProposalDraft(text), sender_id=sender, embedder=current_embedder(),
                             assign_topic=False).proposal


def test_similar_proposal_is_offered_and_supported_instead_of_filed(store):
    existing = stored(store, LAMP)
    t = tracker({"requested_slot": "problem"}, text="전남대 후문 가로등이 꺼져서 밤길이 어두워요",
                candidates={"problem": "전남대 후문 가로등이 꺼져서 밤길이 어두워요"})
    slots, _ = run(ValidateProposalForm(), t)
    assert slots["similar_receipts"] == [existing.receipt]
    filled = {**FILLED, "similar_receipts": slots["similar_receipts"], "proposal_confirmed": None}
    _, messages = run(AskSimilarDecision(), tracker(filled))
    listing, question = messages
    assert listing["custom"]["type"] == "list" and listing["custom"]["items"][0]["payload"].endswith(
        f'"{existing.receipt}"}}')
    assert [b["title"] for b in question["buttons"]][:2] == ["이 제안에 공감하기", "새로 제안하기"]
    payload = question["buttons"][0]["payload"]
    t = tracker({**filled, "requested_slot": "similar_decision"}, text=payload, intent="support_proposal",
                entities=[("receipt_id", existing.receipt)], candidates={"similar_decision": payload})
    slots, messages = run(ValidateProposalForm(), t)
    assert slots["proposal_outcome"] == "supported" and slots["requested_slot"] is None
    assert responses(messages) == ["utter_support_added"] and messages[0]["support_count"] == 1
    run(SubmitProposal(), tracker({**filled, "proposal_outcome": "supported"}, active=False))
    assert P.count_proposals(store) == 1 and P.get_proposal(store, existing.id).support_count == 1


def test_new_proposal_anyway_goes_to_the_confirmation(store):
    existing = stored(store, LAMP)
    filled = {**FILLED, "similar_receipts": [existing.receipt], "proposal_confirmed": None,
              "requested_slot": "similar_decision"}
    slots, _ = run(ValidateProposalForm(), tracker(filled, text="새로 제안하기",
                                                   candidates={"similar_decision": "새로 제안하기"}))
    assert slots["similar_decision"] == "new" and slots["requested_slot"] == "proposal_confirmed"


def test_support_outside_the_form_once_per_citizen(store):
    p = stored(store, LAMP)
    t = tracker(text=f"{p.receipt.lower()} 공감해요", intent="support_proposal",
                entities=[("receipt_id", p.receipt)], active=False)
    assert responses(run(SupportProposal(), t)[1]) == ["utter_support_added"]
    assert responses(run(SupportProposal(), t)[1]) == ["utter_support_already"]
    own = tracker(text=p.receipt, intent="support_proposal", sender="web:someone-else", active=False)
    assert responses(run(SupportProposal(), own)[1]) == ["utter_support_own"]
    assert responses(run(SupportProposal(), tracker(text="공감해요", active=False))[1]) == [
        "utter_ask_receipt_for_support"]
    missing = tracker(text="GJ-2026-999999 공감", active=False)
    assert responses(run(SupportProposal(), missing)[1]) == ["utter_receipt_not_found"]


# ---------------------------------------------------------------------------------------------- status
def test_status_by_receipt_shows_answer_but_text_only_to_the_author(store):
    p = stored(store, LAMP, sender=SENDER)
    P.change_status(store, p.id, "answered", actor="kim", answer="3월 5일에 가로등을 교체했어요.")
    _, messages = run(CheckStatus(), tracker(text=f"{p.receipt} 어떻게 됐어요", intent="check_status",
                                             entities=[("receipt_id", p.receipt)], active=False))
    assert "'답변완료'" in messages[0]["text"] and "가로등을 교체했어요" in messages[0]["text"]
    assert "내용:" in messages[0]["text"]
    _, messages = run(CheckStatus(), tracker(text=p.receipt, sender="web:stranger", active=False))
    assert "가로등을 교체했어요" in messages[0]["text"] and "내용:" not in messages[0]["text"]


def test_my_proposals_none_one_and_many(store):
    assert responses(run(CheckStatus(), tracker(text="내 제안", active=False))[1]) == ["utter_no_own_proposals"]
    stored(store, LAMP, sender=SENDER)
    (one,) = run(CheckStatus(), tracker(text="내 제안", active=False))[1]
    assert "'접수' 상태" in one["text"]
    stored(store, "버스 정류장 의자가 부서졌어요", sender=SENDER)
    listing, summary = run(CheckStatus(), tracker(text="내 제안", active=False))[1]
    assert len(listing["custom"]["items"]) == 2 and "2건" in summary["text"]
    # another channel's citizen with the same raw id sees none of them
    other = tracker(text="내 제안", sender="web:test-user-1", active=False)
    assert responses(run(CheckStatus(), other)[1]) == ["utter_no_own_proposals"]


def test_an_old_button_tapped_mid_form_is_not_taken_as_the_answer():
    t = tracker({"requested_slot": "problem"}, text="/propose", intent="propose", candidates={"problem": "/propose"})
    slots, messages = run(ValidateProposalForm(), t)
    assert slots["problem"] is None and slots["requested_slot"] == "problem" and messages == []
