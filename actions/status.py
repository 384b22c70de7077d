"""Status lookup ("내 제안" or a receipt number) and support outside the form: thin adapters over civic.proposals."""
from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.proposals import in_thread, latest_text, open_store
from civic import proposals as P

log = logging.getLogger(__name__)
OWN_SHOWN = 5


def receipt_of(tracker: Tracker) -> str | None:
    """The receipt named in this message (NLU entity or the text itself), else the one kept in the slot."""
    entity = next(tracker.get_latest_entity_values("receipt_id"), None)
    return P.normalize_receipt(entity) or P.normalize_receipt(latest_text(tracker))


def describe(proposal: P.Proposal, own: bool) -> str:
    lines = [f"{proposal.receipt} 제안은 지금 '{proposal.status_label}' 상태예요."]
    if own:
        lines.append(f"• 내용: {proposal.snippet(80)}")
    lines.append(f"• 분야: {proposal.category or '기타'} · 공감 {proposal.support_count}명 · "
                 f"접수일 {proposal.created_at[:10]}")
    if proposal.answer:
        label = "반려 사유" if proposal.status == "rejected" else "담당 부서 답변"
        lines.append(f"• {label}: {proposal.answer}")
    elif proposal.status in {"received", "reviewing"}:
        lines.append("담당 부서에서 답변하면 여기서 바로 확인할 수 있어요.")
    return "\n".join(lines)


class CheckStatus(Action):
    def name(self) -> str:
        return "action_check_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        receipt = receipt_of(tracker)
        sender = tracker.sender_id

        def lookup():
            db = open_store()
            try:
                if receipt:
                    return P.lookup_status(db, receipt, sender)
                return P.proposals_of_sender(db, sender, OWN_SHOWN)
            finally:
                db.close()

        try:
            found = await in_thread(lookup)
        except Exception as exc:  # noqa: BLE001
            log.warning("status lookup failed: %s", type(exc).__name__)
            dispatcher.utter_message(response="utter_store_unavailable")
            return [SlotSet("receipt_id", None)]
        if receipt:
            if found is None:
                dispatcher.utter_message(response="utter_receipt_not_found", receipt_id=receipt)
            else:
                dispatcher.utter_message(text=describe(found.proposal, found.own))
        elif not found:
            dispatcher.utter_message(response="utter_no_own_proposals")
        elif len(found) == 1:
            dispatcher.utter_message(text=describe(found[0], own=True))
        else:
            items = [{"title": f"{p.receipt} · {p.status_label}", "description": p.snippet(60),
                      "payload": '/check_status{"receipt_id":"' + p.receipt + '"}'} for p in found]
            dispatcher.utter_message(json_message={"type": "list", "title": "내 제안", "items": items})
            summary = "\n".join(f"• {p.receipt} '{p.status_label}' — {p.snippet(30)}" for p in found)
            dispatcher.utter_message(text=f"최근에 접수하신 제안 {len(found)}건이에요.\n{summary}\n"
                                          "자세히 보려면 접수번호를 눌러 주세요.")
        return [SlotSet("receipt_id", None)]


class SupportProposal(Action):
    def name(self) -> str:
        return "action_support_proposal"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        receipt = receipt_of(tracker)
        if not receipt:
            dispatcher.utter_message(response="utter_ask_receipt_for_support")
            return []
        sender = tracker.sender_id

        def support():
            db = open_store()
            try:
                return P.add_support(db, receipt, sender)
            finally:
                db.close()

        try:
            result = await in_thread(support)
        except P.ProposalNotFound:
            dispatcher.utter_message(response="utter_receipt_not_found", receipt_id=receipt)
            return [SlotSet("receipt_id", None)]
        except Exception as exc:  # noqa: BLE001
            log.warning("support failed: %s", type(exc).__name__)
            dispatcher.utter_message(response="utter_store_unavailable")
            return [SlotSet("receipt_id", None)]
        dispatcher.utter_message(response=f"utter_support_{result.outcome}", receipt_id=receipt,
                                 support_count=result.proposal.support_count)
        return [SlotSet("receipt_id", None)]
