"""From a citizen's message to what the assistant says: the plain logic behind `action_answer_program`.

Never echoes the question: replies are built only from the knowledge base and fixed response names, so HTML,
script or prompt-like text in a question can never come back to the citizen.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field

from knowledge.base import Entry
from knowledge.search import KnowledgeBase, SearchResult

PROPOSE_BUTTON = {"title": "생활 불편 제안하기", "payload": "/propose"}


@dataclass(frozen=True)
class Reply:
    kind: str  # "answer" | "clarify" | "not_in_sources" | "unknown"
    text: str | None = None  # the answer itself (answer band); otherwise a domain response is used
    response: str | None = None  # domain response name for the fixed wording
    buttons: list[dict] = field(default_factory=list)
    topic: str | None = None  # entry id to remember as `last_topic` (None: keep the previous one)
    confidence: float = 0.0


def topic_payload(entry: Entry) -> str:
    """A quick-reply payload that asks for one entry directly, bypassing the NLU."""
    return "/ask_program" + json.dumps({"topic": entry.id}, ensure_ascii=False)


def topic_button(entry: Entry) -> dict:
    return {"title": entry.title, "payload": topic_payload(entry)}


# Said before the entry when the citizen checked a figure the entry states otherwise ("10개 기관이랑 맺었죠?"): the bot
# neither confirms it nor repeats it (a reply never echoes the question), and the entry gives the articles' figure.
UNCONFIRMED_NOTE = "말씀하신 숫자는 제가 가진 자료와 달라요. 자료에는 이렇게 나와 있어요."


def answer_reply(kb: KnowledgeBase, entry: Entry, confidence: float = 1.0, note: str = "") -> Reply:
    # One newline: Rasa's output channels split a text on blank lines, and the source belongs in the same bubble.
    text = f"{entry.answer}\n{kb.data.source_line(entry)}"
    if note:
        text = f"{note}\n{text}"
    buttons = [{"title": b.title, "payload": b.payload} for b in entry.buttons]
    return Reply("answer", text=text, buttons=buttons, topic=entry.id, confidence=confidence)


def reply_for(kb: KnowledgeBase, message: str, topic: str | None = None, last_topic: str | None = None) -> Reply:
    """What to say to `message`; `topic` is an NLU/payload `topic` entity, `last_topic` the slot."""
    message = message or ""
    # A quick-reply payload ("/ask_program{...}") or a bare topic: answer that entry directly.
    if message.lstrip().startswith("/") or not message.strip():
        entry = kb.resolve_topic(topic)
        if entry is not None:
            return answer_reply(kb, entry)
        message = topic or ""
    result = kb.search(message, context_topic=last_topic)
    return from_result(kb, result)


def topic_is_clear(kb: KnowledgeBase, result: SearchResult) -> bool:
    """Whether a question the top entry cannot answer is still about that entry's topic.

    The calibrated confidence is trained to say "do not answer", so it is low exactly for the questions that name a
    fact the articles lack ("성과가 실제로 달성됐나요?" on the 10-year goals: 0.16); every content word being the entry's
    own, with a clear lead over the next entry, says the topic is right even then.
    """
    if result.confidence >= kb.params.clarify_threshold:
        return True
    f = result.candidates[0].features
    return f.get("cov", 0.0) >= 0.75 and f.get("unc", 1.0) == 0.0 and f.get("margin", 0.0) >= 0.1


def from_result(kb: KnowledgeBase, result: SearchResult) -> Reply:
    if result.band == "answer" and result.entry is not None:
        return answer_reply(kb, result.entry, result.confidence, UNCONFIRMED_NOTE if result.unconfirmed else "")
    if result.band == "clarify":
        buttons = [topic_button(e) for e in result.suggestions(3)]
        return Reply("clarify", response="utter_kb_clarify", buttons=buttons, confidence=result.confidence)
    if result.missing and result.top is not None and topic_is_clear(kb, result):
        # The topic is known but not this detail (a phone number, a later year...): say so, offer the topic.
        return Reply("not_in_sources", response="utter_kb_not_in_sources",
                     buttons=[topic_button(result.top), PROPOSE_BUTTON], confidence=result.confidence)
    return Reply("unknown", response="utter_kb_unknown", confidence=result.confidence)
