"""KakaoTalk channel (Kakao i Open Builder skill): parse skill requests, build skill responses version "2.0".

Pure code: pydantic models and functions, no FastAPI and no I/O, so every rule here is tested without a server.
Limits follow Kakao's "응답 타입별 JSON 포맷" (skill response format); see docs/channels.md for the sources.
"""
from __future__ import annotations

import re
import time
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from web.rasa_client import BotMessage, Button

VERSION = "2.0"
MAX_OUTPUTS = 3  # SkillTemplate.outputs: 1 to 3 components
MAX_QUICK_REPLIES = 10  # SkillTemplate.quickReplies: at most 10
SIMPLE_TEXT_MAX = 1000  # SimpleText.text: at most 1000 characters
LABEL_MAX = 14  # QuickReply.label / Button.label: at most 14 characters
LIST_ITEMS_MAX = 5  # ListCard.items: at most 5
# Display caps for list cards: Kakao cuts longer titles per device, so keep them short ourselves.
LIST_HEADER_MAX = 30
LIST_TITLE_MAX = 35
LIST_DESCRIPTION_MAX = 40
MESSAGE_TEXT_MAX = 200

WAIT_TEXT = "답변을 준비하고 있어요…"
EMPTY_UTTERANCE_TEXT = "메시지를 입력해 주세요."
NO_ANSWER_TEXT = "죄송해요, 답변을 찾지 못했어요. 다르게 말씀해 주시겠어요?"
SLOW_TEXT = "죄송해요, 답변이 늦어지고 있어요. 잠시 후 다시 말씀해 주세요."
DOWN_TEXT = "죄송해요, 지금 상담 서비스에 잠시 문제가 있어요. 잠시 후 다시 말씀해 주세요."
ELLIPSIS = "…"
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


# ---------------------------------------------------------------- skill request (Kakao → us)
class _Loose(BaseModel):
    # Kakao adds fields over time; unknown ones are ignored rather than refused.
    model_config = ConfigDict(extra="ignore")


class KakaoUser(_Loose):
    id: str = Field(min_length=1, max_length=128)
    type: str | None = None
    properties: dict[str, Any] = {}


class UserRequest(_Loose):
    utterance: str = Field(max_length=10_000)
    user: KakaoUser
    callbackUrl: str | None = Field(None, max_length=2048)
    timezone: str | None = None
    lang: str | None = None
    block: dict[str, Any] | None = None
    params: dict[str, Any] = {}


class SkillAction(_Loose):
    id: str | None = None
    name: str | None = None
    params: dict[str, Any] = {}
    detailParams: dict[str, Any] = {}
    clientExtra: Any = None


class SkillRequest(_Loose):
    userRequest: UserRequest
    bot: dict[str, Any] | None = None
    action: SkillAction | None = None
    intent: dict[str, Any] | None = None

    @property
    def user_id(self) -> str:
        return self.userRequest.user.id

    @property
    def utterance(self) -> str:
        return self.userRequest.utterance.strip()

    def extra_payload(self) -> str | None:
        """The Rasa payload we attached to a quick reply / list item, when Kakao hands it back."""
        extra = self.action.clientExtra if self.action else None
        payload = extra.get("payload") if isinstance(extra, dict) else None
        return payload if isinstance(payload, str) and payload.startswith("/") else None


def parse_request(data: Any) -> SkillRequest:
    """Raises ValueError with a short Korean message naming the first problem."""
    try:
        return SkillRequest.model_validate(data)
    except ValidationError as exc:
        raise ValueError(validation_message(exc)) from None


def validation_message(exc: ValidationError) -> str:
    for err in exc.errors():
        loc = ".".join(str(p) for p in err.get("loc", ()))
        kind = err.get("type", "")
        if not loc:
            return "카카오 스킬 요청 형식(JSON 객체)이 아니에요."
        if kind == "missing":
            return f"{loc} 항목이 필요해요."
        if kind == "string_too_short":
            return f"{loc} 값이 비어 있어요."
        if kind == "string_too_long":
            return f"{loc} 값이 너무 길어요."
        return f"{loc} 값을 확인해 주세요."
    return "카카오 스킬 요청 형식이 올바르지 않아요."


def callback_url_allowed(url: str | None, hosts: Iterable[str]) -> bool:
    """Only Kakao's hosts (exact or subdomain), over https; plain http only for a loopback host listed (tests)."""
    if not url:
        return False
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower().rstrip(".")
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    if not host or parts.username is not None or parts.password is not None:
        return False
    allowed = {h.lower().strip().rstrip(".") for h in hosts if h and h.strip()}
    if not any(host == h or host.endswith("." + h) for h in allowed):
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and host in LOOPBACK_HOSTS and host in allowed


def callback_host(url: str | None) -> str:
    """For logs: the host only, never the one-time token in the path."""
    try:
        return urlsplit(url or "").hostname or "?"
    except ValueError:
        return "?"


# ---------------------------------------------------------------- skill response (us → Kakao)
def text_response(text: str, quick_replies: list[dict] | None = None) -> dict:
    outputs = [{"simpleText": {"text": part}} for part in fit_text(text, MAX_OUTPUTS)]
    return _template(outputs, quick_replies or [])


def wait_response(text: str = WAIT_TEXT) -> dict:
    """The immediate answer when the real one will come through the callback URL."""
    return {"version": VERSION, "useCallback": True, "data": {"text": text}}


def skill_response(messages: Sequence[BotMessage]) -> dict:
    """Rasa's messages → one skill response: at most 3 outputs, text split within limits, buttons as quick replies."""
    blocks: list[tuple[str, Any]] = []
    buttons: list[Button] = []
    for m in messages:
        if m.text.strip():
            blocks.append(("text", m.text.strip()))
        if m.image and m.image.startswith(("https://", "http://")):
            blocks.append(("component", {"simpleImage": {"imageUrl": m.image, "altText": "이미지"}}))
        if m.custom:
            card = list_card(m.custom)
            if card:
                blocks.append(("component", card))
            elif isinstance(m.custom.get("text"), str) and m.custom["text"].strip():
                blocks.append(("text", m.custom["text"].strip()))
        buttons.extend(m.buttons)
    outputs = fit_outputs(blocks) or [{"simpleText": {"text": NO_ANSWER_TEXT}}]
    return _template(outputs, quick_replies(buttons))


def _template(outputs: list[dict], replies: list[dict]) -> dict:
    template: dict[str, Any] = {"outputs": outputs[:MAX_OUTPUTS]}
    if replies:
        template["quickReplies"] = replies[:MAX_QUICK_REPLIES]
    return {"version": VERSION, "template": template}


def fit_outputs(blocks: list[tuple[str, Any]], max_outputs: int = MAX_OUTPUTS) -> list[dict]:
    """Keep the order of texts and cards within `max_outputs` components, merging texts only when needed."""
    room = max_outputs - (1 if any(kind == "text" for kind, _ in blocks) else 0)
    kept: list[tuple[str, Any]] = []
    n_components = 0
    for kind, value in blocks:
        if kind == "text":
            kept.append((kind, value))
        elif n_components < room:
            kept.append((kind, value))
            n_components += 1

    def expand(items: list[tuple[str, Any]]) -> list[dict]:
        out: list[dict] = []
        for kind, value in items:
            if kind == "text":
                out.extend({"simpleText": {"text": part}} for part in split_text(value))
            else:
                out.append(value)
        return out

    outputs = expand(kept)
    if len(outputs) <= max_outputs:
        return outputs
    merged: list[tuple[str, Any]] = []
    for kind, value in kept:  # adjacent texts become one bubble
        if kind == "text" and merged and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + "\n\n" + value)
        else:
            merged.append((kind, value))
    outputs = expand(merged)
    if len(outputs) <= max_outputs:
        return outputs
    # Still too long: all text in one stream where the first text was, cut to what fits.
    all_text = "\n\n".join(v for k, v in merged if k == "text")
    budget = max_outputs - n_components
    out: list[dict] = []
    placed = False
    for kind, value in merged:
        if kind != "text":
            out.append(value)
        elif not placed:
            out.extend({"simpleText": {"text": part}} for part in fit_text(all_text, budget))
            placed = True
    return out


def fit_text(text: str, max_parts: int, limit: int = SIMPLE_TEXT_MAX) -> list[str]:
    """At most `max_parts` parts of at most `limit` characters; an overflow ends the last part with '…'."""
    parts = split_text(text, limit) or [NO_ANSWER_TEXT]
    if len(parts) <= max_parts:
        return parts
    kept = parts[: max_parts - 1]
    rest = " ".join(parts[max_parts - 1:])
    kept.append(shorten(rest, limit))
    return kept


def split_text(text: str, limit: int = SIMPLE_TEXT_MAX) -> list[str]:
    """Split at paragraph, line, sentence or word boundaries; a hard cut only inside a very long word."""
    text = text.strip()
    parts: list[str] = []
    while len(text) > limit:
        cut = _cut_point(text, limit)
        head, text = text[:cut].rstrip(), text[cut:].lstrip()
        if head:
            parts.append(head)
    if text:
        parts.append(text)
    return parts


_SENTENCE_END = re.compile(r"[.!?。…](?=\s)|[다요죠](?=[.!?]?\s)")


def _cut_point(text: str, limit: int) -> int:
    window = text[: limit + 1]  # a boundary right after the limit still lets the head be `limit` long
    floor = limit // 2
    for sep in ("\n\n", "\n"):
        idx = window.rfind(sep, floor, limit + 1)
        if idx > 0:
            return idx
    ends = [m.end() for m in _SENTENCE_END.finditer(window, floor) if m.end() <= limit]
    if ends:
        return ends[-1]
    idx = max(window.rfind(" ", floor, limit + 1), window.rfind("\t", floor, limit + 1))
    if idx > 0:
        return idx
    idx = max(window.rfind(" ", 1, limit + 1), 0)
    return idx if idx > limit // 5 else limit


def shorten(text: str, limit: int) -> str:
    """Cut to `limit` characters including a trailing '…', at a word boundary when there is one."""
    text = " ".join(text.split()) if "\n" not in text else text.strip()
    if len(text) <= limit:
        return text
    head = text[: limit - len(ELLIPSIS)]
    space = max(head.rfind(" "), head.rfind("\n"))
    if space >= (limit * 2) // 3:
        head = head[:space]
    return head.rstrip() + ELLIPSIS


def _action_fields(title: str, payload: str) -> dict:
    """A tap sends `messageText` as the citizen's next utterance; an intent payload rides along in `extra`."""
    payload = payload.strip()
    if payload.startswith("/"):
        return {"action": "message", "messageText": title[:MESSAGE_TEXT_MAX], "extra": {"payload": payload}}
    return {"action": "message", "messageText": (payload or title)[:MESSAGE_TEXT_MAX]}


def quick_replies(buttons: Iterable[Button]) -> list[dict]:
    out: list[dict] = []
    seen: set[tuple[str, str]] = set()
    for b in buttons:
        title, payload = b.title.strip(), (b.payload or "").strip()
        if not title or (title, payload) in seen:
            continue
        seen.add((title, payload))
        out.append({"label": shorten(title, LABEL_MAX), **_action_fields(title, payload or title)})
        if len(out) == MAX_QUICK_REPLIES:
            break
    return out


def list_card(custom: dict[str, Any]) -> dict | None:
    """The team's custom "list" message (similar proposals, topics) → a Kakao listCard with at most 5 items."""
    if custom.get("type") != "list" or not isinstance(custom.get("items"), list):
        return None
    items = []
    for item in custom["items"]:
        if not isinstance(item, dict) or not str(item.get("title") or "").strip():
            continue
        title = str(item["title"]).strip()
        entry: dict[str, Any] = {"title": shorten(title, LIST_TITLE_MAX)}
        description = str(item.get("description") or "").strip()
        if description:
            entry["description"] = shorten(description, LIST_DESCRIPTION_MAX)
        payload = str(item.get("payload") or "").strip()
        if payload:
            entry.update(_action_fields(title, payload))
        items.append(entry)
        if len(items) == LIST_ITEMS_MAX:
            break
    if not items:
        return None
    header = str(custom.get("title") or "목록").strip() or "목록"
    return {"listCard": {"header": {"title": shorten(header, LIST_HEADER_MAX)}, "items": items}}


def offered_payloads(messages: Sequence[BotMessage]) -> dict[str, str]:
    """messageText → intent payload for everything a response offers, to map a tap back without `extra`."""
    offers: dict[str, str] = {}
    for m in messages:
        for b in m.buttons:
            if b.payload.strip().startswith("/"):
                offers[b.title.strip()[:MESSAGE_TEXT_MAX]] = b.payload.strip()
        items = m.custom.get("items") if m.custom and m.custom.get("type") == "list" else None
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and str(item.get("payload") or "").strip().startswith("/"):
                offers[str(item.get("title") or "").strip()[:MESSAGE_TEXT_MAX]] = str(item["payload"]).strip()
    offers.pop("", None)
    return offers


class OfferMemory:
    """Per Kakao user, the quick replies last offered (bounded, expiring): a tap on "생활 불편 제안하기" is sent
    to Rasa as "/propose" even when Kakao does not hand back `extra`. Losing it only means NLU reads the title."""

    def __init__(self, max_users: int = 10_000, ttl_s: float = 600.0) -> None:
        self.max_users = max_users
        self.ttl_s = ttl_s
        self._data: OrderedDict[str, tuple[float, dict[str, str]]] = OrderedDict()

    def remember(self, user_id: str, offers: dict[str, str]) -> None:
        self._data.pop(user_id, None)
        if offers:
            self._data[user_id] = (time.monotonic(), offers)
            while len(self._data) > self.max_users:
                self._data.popitem(last=False)

    def resolve(self, user_id: str, utterance: str) -> str | None:
        entry = self._data.get(user_id)
        if not entry or time.monotonic() - entry[0] > self.ttl_s:
            return None
        return entry[1].get(utterance.strip())


def rasa_text(req: SkillRequest, memory: OfferMemory | None = None) -> str:
    """What Rasa should read: our payload when the citizen tapped one of our buttons, else the utterance."""
    return req.extra_payload() or (memory.resolve(req.user_id, req.utterance) if memory else None) or req.utterance


def outputs_text(response: dict) -> str:
    """All simpleText of a skill response joined (tests, benchmarks, logs of sizes)."""
    outputs = response.get("template", {}).get("outputs", [])
    return "\n".join(o["simpleText"]["text"] for o in outputs if "simpleText" in o)
