"""Answers about the AI Hub City programs from the knowledge base: a thin adapter over knowledge.replies."""
from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from knowledge.replies import reply_for
from knowledge.search import get_knowledge_base

log = logging.getLogger(__name__)


class ActionAnswerProgram(Action):
    def name(self) -> str:
        return "action_answer_program"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        text = (tracker.latest_message or {}).get("text") or ""
        topic = next(tracker.get_latest_entity_values("topic"), None)
        last_topic = tracker.get_slot("last_topic")
        try:
            # CPU-bound (and the first call builds the index): keep the action server's event loop free.
            reply = await asyncio.to_thread(reply_for, get_knowledge_base(), text, topic, last_topic)
        except Exception as exc:  # a broken knowledge file or index must not become a silent conversation
            log.error("knowledge search failed: %s", type(exc).__name__, exc_info=log.isEnabledFor(logging.DEBUG))
            dispatcher.utter_message(response="utter_kb_unavailable")
            return []
        log.debug("knowledge reply %s (confidence %.2f, topic %s)", reply.kind, reply.confidence, reply.topic)
        if reply.text is not None:
            dispatcher.utter_message(text=reply.text, buttons=reply.buttons or None)
        else:
            dispatcher.utter_message(response=reply.response, buttons=reply.buttons or None)
        return [SlotSet("last_topic", reply.topic)] if reply.topic else []
