"""The proposal form: thin rasa-sdk adapters over civic.proposals, civic.similar, civic.validation, civic.pii.

Flow (bot/domain/proposals.yml): problem -> location -> category -> contact consent -> (contact) ->
(similar proposals: support one or file anyway) -> summary and confirmation -> action_submit_proposal.
"취소"/"그만" at any step ends the form without storing; "장소 수정" etc. asks that field again.
Blocking work (SQLite, embeddings) runs in a worker thread with its own connection, never on the event loop.
"""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from civic import categories, pii
from civic import proposals as P
from civic.db import open_migrated

# Imported here, not on first use: numpy/scikit-learn take seconds to import, which the first chat turn that
# needs them cannot afford (the app waits 2.5 s for Rasa). Importing opens no database and loads no model.
from civic.embeddings.runtime import current_embedder as embedder_for
from civic.similar import find_similar
from civic.validation import check_text, correction_target, is_cancel, is_substantial, is_unknown, yes_no

log = logging.getLogger(__name__)

FORM_SLOTS = ("problem", "location", "district", "place", "category", "category_suggestion", "contact_consent",
              "contact", "similar_receipts", "similar_decision", "proposal_confirmed", "proposal_outcome",
              "receipt_id")
DISTRICTS = ("광산구", "동구", "서구", "남구", "북구")
SIMILAR_BUDGET_S = 1.2  # the whole chat turn must answer within the app's Rasa timeout (2.5 s)
SIMILAR_SHOWN = 3
UNKNOWN_LOCATION = "모름"
# Answers after which the next question is not free text: there a correction request ("장소 수정") is honoured.
CORRECTABLE_AT = {"category", "contact_consent", "contact", "similar_decision", "proposal_confirmed"}
CORRECTION_RESETS = {
    "location": ("location", "district", "place"),
    "category": ("category",),
    "contact": ("contact_consent", "contact"),
    "problem": ("problem", "category", "category_suggestion", "similar_receipts", "similar_decision"),
}


# ---------------------------------------------------------------------------------------------- plumbing
def settings():
    from civic.settings import get_settings

    return get_settings()


def open_store():
    return open_migrated(settings().db_path)


def current_embedder():
    return embedder_for(settings())


async def in_thread(fn, *args, **kwargs):
    return await asyncio.to_thread(fn, *args, **kwargs)


def support_payload(receipt: str) -> str:
    return '/support_proposal{"receipt_id":"' + receipt + '"}'


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def _similar_receipts(text: str) -> list[str]:
    db = open_store()
    try:
        found = find_similar(db, current_embedder(), text, k=SIMILAR_SHOWN)
        return [s.proposal.receipt for s in found]
    finally:
        db.close()


async def similar_receipts(text: str) -> list[str] | None:
    """Receipts of similar stored proposals; None when the lookup failed or took too long (the form goes on)."""
    try:
        return await asyncio.wait_for(in_thread(_similar_receipts, text), SIMILAR_BUDGET_S)
    except asyncio.TimeoutError:
        log.warning("similar-proposal lookup took longer than %.1f s: skipped for this proposal", SIMILAR_BUDGET_S)
    except Exception as exc:  # noqa: BLE001
        log.warning("similar-proposal lookup failed: %s", type(exc).__name__)
    return None


def split_location(text: str, district_entity: str | None = None) -> tuple[str | None, str | None]:
    """("북구 용봉동 전남대 후문 앞") -> ("북구", "용봉동 전남대 후문 앞"); the district may come from NLU."""
    district = district_entity if district_entity in DISTRICTS else None
    for name in DISTRICTS:
        if re.search(rf"(?<![가-힣]){name}", text):
            district = district or name
            text = re.sub(rf"(?:광주\s*)?(?<![가-힣]){name}(?:청)?", " ", text, count=1)
            break
    place = re.sub(r"^\s*(?:광주(?:광역시|시)?)\s*", "", re.sub(r"\s+", " ", text)).strip(" ,.")
    place = pii.mask_text(place)[:200] if place else None
    return district, place


# ---------------------------------------------------------------------------------------------- the form
class ValidateProposalForm(FormValidationAction):
    def name(self) -> str:
        return "validate_proposal_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        # Cancelling works at every step, whatever the NLU made of the message; nothing is stored.
        if tracker.get_slot("requested_slot") and is_cancel(latest_text(tracker)):
            return [SlotSet(s, None) for s in FORM_SLOTS] + [SlotSet("proposal_outcome", "cancelled"),
                                                               SlotSet("requested_slot", None)]
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> list[str]:
        if tracker.get_slot("proposal_outcome"):
            return []
        skip = set()
        if tracker.get_slot("contact_consent") != "yes":
            skip.add("contact")
        if not tracker.get_slot("similar_receipts"):
            skip.add("similar_decision")
        return [slot for slot in domain_slots if slot not in skip]

    # -------------------------------------------------------------- prefill from the first message
    async def extract_problem(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        text = latest_text(tracker)
        if tracker.get_slot("requested_slot") is None and not text.startswith("/") and is_substantial(text):
            return {"problem": text}
        return {}

    async def extract_location(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("requested_slot") is not None or tracker.get_slot("location"):
            return {}
        found = [*tracker.get_latest_entity_values("district"), *tracker.get_latest_entity_values("place")]
        return {"location": " ".join(dict.fromkeys(found))} if found else {}

    # -------------------------------------------------------------- validation, one method per slot
    async def validate_problem(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        if str(value or "").startswith("/"):  # an old button tapped mid-form ("/propose"): ask again
            return {"problem": None}
        check = check_text(value, settings().max_proposal_chars)
        if not check.ok:
            dispatcher.utter_message(response=f"utter_invalid_problem_{check.code}")
            return {"problem": None}
        if tracker.get_slot("requested_slot") is None:
            dispatcher.utter_message(response="utter_problem_noted")
        similar = await similar_receipts(check.text)
        return {"problem": check.text, "category_suggestion": categories.suggest(check.text).category,
                "similar_receipts": similar or [], "similar_decision": None}

    async def validate_location(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        text = str(value or "").strip()
        if text.startswith("/"):
            return {"location": None}
        if is_unknown(text):
            return {"location": UNKNOWN_LOCATION, "district": None, "place": None}
        entity = next(tracker.get_latest_entity_values("district"), None)
        district, place = split_location(text, entity)
        if not district and not (place and len(re.sub(r"\W", "", place)) >= 2):
            dispatcher.utter_message(response="utter_invalid_location")
            return {"location": None}
        return {"location": " ".join(p for p in (district, place) if p), "district": district, "place": place}

    async def validate_category(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> dict[str, Any]:
        correction = self._correction(dispatcher, tracker)
        if correction is not None:
            return correction
        category = categories.parse_category(value)
        if category is None and (yes_no(value, latest_intent(tracker)) or is_unknown(value)):
            category = tracker.get_slot("category_suggestion") or categories.DEFAULT
        if category is None:
            dispatcher.utter_message(response="utter_invalid_category")
            return {"category": None}
        return {"category": category}

    async def validate_contact_consent(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        correction = self._correction(dispatcher, tracker)
        if correction is not None:
            return correction
        # A phone number or e-mail typed right away is an answer too: consent is given by giving it.
        contact = pii.parse_contact(str(value or ""))
        if contact is not None:
            return {"contact_consent": "yes", "contact": f"{contact.kind}:{contact.value}"}
        answer = yes_no(value, latest_intent(tracker))
        if answer is None:
            dispatcher.utter_message(response="utter_invalid_contact_consent")
            return {"contact_consent": None}
        return {"contact_consent": "yes" if answer else "no", "contact": None}

    async def validate_contact(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        correction = self._correction(dispatcher, tracker)
        if correction is not None:
            return correction
        contact = pii.parse_contact(str(value or ""))
        if contact is not None:
            return {"contact": f"{contact.kind}:{contact.value}"}
        if yes_no(value, latest_intent(tracker)) is False or re.search(r"남기지|안\s*남|없어요|싫", str(value)):
            dispatcher.utter_message(response="utter_contact_skipped")
            return {"contact": None, "contact_consent": "no"}
        dispatcher.utter_message(response="utter_invalid_contact")
        return {"contact": None}

    async def validate_similar_decision(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                        domain: DomainDict) -> dict[str, Any]:
        correction = self._correction(dispatcher, tracker)
        if correction is not None:
            return correction
        text = str(value or "")
        offered = list(tracker.get_slot("similar_receipts") or [])
        chosen = self._chosen_receipt(text, tracker, offered)
        if chosen:
            return await self._support(chosen, dispatcher, tracker)
        if re.search(r"새로|따로|접수|제안할", text) or latest_intent(tracker) == "deny":
            return {"similar_decision": "new"}
        dispatcher.utter_message(response="utter_invalid_similar_decision")
        return {"similar_decision": None}

    async def validate_proposal_confirmed(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                          domain: DomainDict) -> dict[str, Any]:
        correction = self._correction(dispatcher, tracker)
        if correction is not None:
            return correction
        text = str(value or "")
        answer = yes_no(text, latest_intent(tracker))
        if answer or re.search(r"접수(?:하기|해|할)", text):
            return {"proposal_confirmed": "yes"}
        if answer is False:
            dispatcher.utter_message(response="utter_ask_what_to_change")
            return {"proposal_confirmed": None}
        dispatcher.utter_message(response="utter_invalid_proposal_confirmed")
        return {"proposal_confirmed": None}

    # -------------------------------------------------------------- helpers
    @staticmethod
    def _correction(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any] | None:
        """"장소 수정" / "내용 다시 쓸게요" while answering a non-free-text question: ask that field again."""
        if tracker.get_slot("requested_slot") not in CORRECTABLE_AT:
            return None
        field = correction_target(latest_text(tracker))
        if field is None:
            return None
        dispatcher.utter_message(response=f"utter_correction_{field}")
        reset = {slot: None for slot in CORRECTION_RESETS[field]}
        reset[tracker.get_slot("requested_slot")] = None
        reset["proposal_confirmed"] = None
        return reset

    @staticmethod
    def _chosen_receipt(text: str, tracker: Tracker, offered: list[str]) -> str | None:
        entity = next(tracker.get_latest_entity_values("receipt_id"), None)
        receipt = P.normalize_receipt(entity or text)
        if receipt in offered:
            return receipt
        wants_support = latest_intent(tracker) == "support_proposal" or re.search(r"공감|동참|지지|찬성", text)
        if not wants_support or not offered:
            return None
        ordinal = re.search(r"([1-9])\s*번|(첫|두|세)\s*번째", text)
        if ordinal:
            index = int(ordinal.group(1)) if ordinal.group(1) else {"첫": 1, "두": 2, "세": 3}[ordinal.group(2)]
            return offered[index - 1] if index <= len(offered) else None
        return offered[0]

    @staticmethod
    async def _support(receipt: str, dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
        def add() -> P.SupportResult:
            db = open_store()
            try:
                return P.add_support(db, receipt, tracker.sender_id)
            finally:
                db.close()

        try:
            result = await in_thread(add)
        except P.ProposalNotFound:
            dispatcher.utter_message(response="utter_receipt_not_found", receipt_id=receipt)
            return {"similar_decision": None}
        except Exception as exc:  # noqa: BLE001
            log.warning("support failed: %s", type(exc).__name__)
            dispatcher.utter_message(response="utter_store_unavailable")
            return {"similar_decision": None}
        dispatcher.utter_message(response=f"utter_support_{result.outcome}", receipt_id=receipt,
                                 support_count=result.proposal.support_count)
        if result.outcome == "own":
            return {"similar_decision": "own", "proposal_outcome": "own"}
        dispatcher.utter_message(text="새 제안은 따로 접수하지 않았어요. 처리 상황은 '내 제안'에서 확인할 수 있어요.",
                                 buttons=[{"title": "내 제안 확인", "payload": "/check_status"}])
        return {"similar_decision": "supported", "proposal_outcome": "supported"}


# ---------------------------------------------------------------------------------------------- questions
class AskCategory(Action):
    def name(self) -> str:
        return "action_ask_category"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        suggestion = categories.suggest(tracker.get_slot("problem") or "")
        buttons = [{"title": c, "payload": c} for c in suggestion.ranked()]
        if suggestion.confident:
            text = (f"이 제안은 '{suggestion.category}' 분야로 보여요. 맞으면 '{suggestion.category}'를, "
                    "아니면 알맞은 분야를 골라 주세요.")
        else:
            text = "어느 분야의 제안인가요? 잘 모르겠으면 '기타'를 골라 주세요."
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class AskContactConsent(Action):
    def name(self) -> str:
        return "action_ask_contact_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        days = settings().contact_retention_days
        dispatcher.utter_message(
            text=("[개인정보 수집·이용 동의(선택)]\n처리 결과를 문자나 이메일로 받으시겠어요?\n"
                  "• 수집 항목: 휴대전화 번호 또는 이메일 주소\n"
                  "• 이용 목적: 이 제안의 처리 결과 안내\n"
                  f"• 보관 기간: 접수일로부터 {days}일 (지나면 바로 삭제해요)\n"
                  "동의하지 않아도 제안은 접수돼요. 처리 상황은 접수번호로 확인할 수 있어요."),
            buttons=[{"title": "동의해요", "payload": "/affirm"}, {"title": "동의하지 않아요", "payload": "/deny"},
                     {"title": "취소", "payload": "취소"}],
        )
        return []


class AskSimilarDecision(Action):
    def name(self) -> str:
        return "action_ask_similar_decision"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        receipts = list(tracker.get_slot("similar_receipts") or [])

        def load() -> list[P.Proposal]:
            db = open_store()
            try:
                return [p for p in (P.get_by_receipt(db, r) for r in receipts) if p is not None]
            finally:
                db.close()

        similar = await in_thread(load)
        if not similar:  # vanished meanwhile: go straight on as a new proposal
            return [SlotSet("similar_decision", "new"), SlotSet("similar_receipts", [])]
        items = [{"title": f"{i}. {p.receipt} · {p.category or '기타'}",
                  "description": f"{p.snippet(60)} (공감 {p.support_count}명 · {p.status_label})",
                  "payload": support_payload(p.receipt)} for i, p in enumerate(similar, start=1)]
        dispatcher.utter_message(json_message={"type": "list", "title": "비슷한 제안이 이미 있어요", "items": items})
        dispatcher.utter_message(
            text=("같은 내용이라면 새로 접수하는 대신 기존 제안에 공감을 더해 주세요. 공감이 많은 제안은 먼저 살펴봐요. "
                  f"가장 비슷한 제안은 {similar[0].receipt}이에요."),
            buttons=[{"title": "이 제안에 공감하기", "payload": support_payload(similar[0].receipt)},
                     {"title": "새로 제안하기", "payload": "새로 제안하기"},
                     {"title": "취소", "payload": "취소"}],
        )
        return []


class AskProposalConfirmed(Action):
    def name(self) -> str:
        return "action_ask_proposal_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        problem = re.sub(r"\s+", " ", tracker.get_slot("problem") or "").strip()
        if len(problem) > 200:
            problem = problem[:199] + "…"
        location = tracker.get_slot("location")
        contact = _contact_of(tracker)
        dispatcher.utter_message(
            text=("접수 전에 내용을 확인해 주세요.\n"
                  f"• 내용: {problem}\n"
                  f"• 장소: {'잘 모름' if location in (None, UNKNOWN_LOCATION) else location}\n"
                  f"• 분야: {tracker.get_slot('category') or categories.DEFAULT}\n"
                  f"• 결과 안내: {pii.mask_contact(contact) if contact else '받지 않음'}\n"
                  "이대로 접수할까요?"),
            buttons=[{"title": "접수하기", "payload": "/affirm"}, {"title": "내용 수정", "payload": "내용 수정"},
                     {"title": "장소 수정", "payload": "장소 수정"}, {"title": "분야 수정", "payload": "분야 수정"},
                     {"title": "취소", "payload": "취소"}],
        )
        return []


def _contact_of(tracker: Tracker) -> pii.Contact | None:
    raw = tracker.get_slot("contact")
    if tracker.get_slot("contact_consent") != "yes" or not raw or ":" not in raw:
        return None
    kind, _, value = raw.partition(":")
    return pii.Contact(kind, value) if kind in {"phone", "email"} else None


# ---------------------------------------------------------------------------------------------- submit
class SubmitProposal(Action):
    """Runs when the form ends: stores the proposal (receipt only after the commit), or closes a cancelled one."""

    def name(self) -> str:
        return "action_submit_proposal"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        reset = [SlotSet(s, None) for s in FORM_SLOTS]
        outcome = tracker.get_slot("proposal_outcome")
        if outcome == "cancelled":
            dispatcher.utter_message(response="utter_proposal_cancelled")
            return reset
        if outcome in {"supported", "own"} or tracker.get_slot("proposal_confirmed") != "yes":
            return reset
        location = tracker.get_slot("location")
        draft = P.ProposalDraft(
            text=tracker.get_slot("problem") or "",
            category=tracker.get_slot("category"),
            district=tracker.get_slot("district") if location != UNKNOWN_LOCATION else None,
            place=tracker.get_slot("place") if location != UNKNOWN_LOCATION else None,
            contact=_contact_of(tracker),
        )

        def store() -> P.CreateResult:
            try:
                embedder = current_embedder()
            except Exception as exc:  # noqa: BLE001
                # store without a vector rather than not at all
                log.warning("embedder unavailable, storing without a vector: %s", type(exc).__name__)
                embedder = None
            db = open_store()
            try:
                return P.create_proposal(db, draft, sender_id=tracker.sender_id, embedder=embedder,
                                         retention_days=settings().contact_retention_days,
                                         max_chars=settings().max_proposal_chars)
            finally:
                db.close()

        try:
            result = await in_thread(store)
        except P.InvalidProposal as exc:
            dispatcher.utter_message(text=exc.message)
            return reset
        except Exception as exc:  # noqa: BLE001
            # Nothing was committed: keep the answers so "다시 접수하기" only asks for the confirmation again.
            log.warning("storing a proposal failed: %s", type(exc).__name__)
            dispatcher.utter_message(response="utter_proposal_failed")
            return [SlotSet("proposal_confirmed", None), SlotSet("proposal_outcome", None)]
        proposal = result.proposal
        lines = [f"제안이 접수됐어요. 접수번호는 {proposal.receipt}이에요.",
                 f"분야: {proposal.category or categories.DEFAULT} · 상태: {proposal.status_label}"]
        lines.append("처리 결과가 나오면 남겨 주신 연락처로 알려 드릴게요." if draft.contact else
                     "처리 상황은 '내 제안'이나 접수번호로 언제든 확인할 수 있어요.")
        dispatcher.utter_message(text="\n".join(lines),
                                 buttons=[{"title": "내 제안 확인", "payload": "/check_status"}])
        return reset
