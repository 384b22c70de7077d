"""Talks to Rasa's REST channel and the action server on loopback. No FastAPI here: routes stay thin."""
from __future__ import annotations

import asyncio
import logging
import re
import time
import zlib
from dataclasses import dataclass, field
from typing import Any

import httpx

log = logging.getLogger(__name__)


# Rasa's own tracker commands that say nothing by design (a new session, undo the last turn). Typed by a citizen they
# are bad input: refused at the edge with INTERNAL_COMMAND_TEXT, since an empty Rasa answer means a fault (`_send`).
_SILENT_COMMAND = re.compile(r"^\s*/(?:session_start|back)\s*(?:[{(\[].*)?$", re.DOTALL)
INTERNAL_COMMAND_TEXT = "이 메시지는 보낼 수 없어요. 궁금한 점이나 제안을 글로 적어 주세요."


def is_silent_command(text: str) -> bool:
    return bool(_SILENT_COMMAND.match(text))


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) did not answer in time, or is too busy to take the message (`busy`)."""

    def __init__(self, part: str, reason: str) -> None:
        super().__init__(f"{part}: {reason}")
        self.part = part
        self.reason = reason


@dataclass
class Button:
    title: str
    payload: str


@dataclass
class BotMessage:
    text: str = ""
    buttons: list[Button] = field(default_factory=list)
    image: str | None = None
    custom: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text}
        if self.buttons:
            out["buttons"] = [{"title": b.title, "payload": b.payload} for b in self.buttons]
        if self.image:
            out["image"] = self.image
        if self.custom:
            out["custom"] = self.custom
        return out


# Bot answers quote citizens' text (the form summary, similar proposals, status and official answers). Our clients
# show plain text, but a site embedding the API might render HTML: angle brackets become their full-width
# look-alikes, so no quoted text can open a tag anywhere. Payloads go back to Rasa and are left as they are.
_INERT = str.maketrans({"<": "\uff1c", ">": "\uff1e"})


def inert(value: Any) -> Any:
    if isinstance(value, str):
        return value.translate(_INERT)
    if isinstance(value, list):
        return [inert(v) for v in value]
    if isinstance(value, dict):
        return {k: v if k == "payload" else inert(v) for k, v in value.items()}
    return value


def parse_messages(raw: Any) -> list[BotMessage]:
    """Rasa's REST channel answer -> typed messages (markup made inert); anything malformed is dropped."""
    out: list[BotMessage] = []
    if not isinstance(raw, list):
        return out
    for item in raw:
        if not isinstance(item, dict):
            continue
        buttons = [
            Button(inert(str(b.get("title", ""))), str(b.get("payload", "")))
            for b in item.get("buttons") or []
            if isinstance(b, dict) and b.get("title")
        ]
        custom = inert(item.get("custom")) if isinstance(item.get("custom"), dict) else None
        text = item.get("text") or ""
        if text or buttons or custom or item.get("image"):
            out.append(BotMessage(inert(str(text)), buttons, item.get("image"), custom))
    return out


def shard(sender: str, instances: int) -> int:
    """The Rasa instance of `sender`: crc32 is stable across processes and restarts (unlike hash())."""
    return zlib.crc32(sender.encode("utf-8")) % instances


class RasaClient:
    """Rasa's REST channel on one or more Rasa processes (`rasa_url` may be a list: RASA_INSTANCES).

    Sharding: each sender id always goes to the same instance (a stable hash), so Rasa's in-memory lock store and its
    tracker cache stay valid per sender. An instance that is down is not bypassed: its citizens get the apology and
    /healthz names it, while the others' citizens are served.

    Load shedding (`max_in_flight` > 0, per instance): Rasa handles one message at a time on one event loop, so
    requests beyond what it can finish before the deadline would only queue inside Rasa and time out there (and Rasa
    would still do the work after the citizen got the apology). A request that gets no slot within `queue_wait_s` is
    refused at once with `RasaUnavailable("rasa", "busy")`; Rasa never sees it."""

    def __init__(self, rasa_url: str | list[str], action_url: str, timeout_s: float = 2.5, token: str = "",
                 max_in_flight: int = 16, queue_wait_s: float = 1.0) -> None:
        urls = [rasa_url] if isinstance(rasa_url, str) else list(rasa_url)
        self.rasa_urls = [u.rstrip("/") for u in urls]
        self.rasa_url = self.rasa_urls[0]
        self.action_url = action_url.rstrip("/")
        self.timeout_s = timeout_s
        self.token = token
        self.max_in_flight = max_in_flight
        self.queue_wait_s = queue_wait_s
        self._slots = [asyncio.Semaphore(max_in_flight) for _ in self.rasa_urls] if max_in_flight > 0 else None
        self.stats = {"shed": 0}
        # Idle connections expire before Rasa's (Sanic's) 5 s keep-alive does: reusing one the server is closing at
        # that moment fails with no response (httpx and the server both default to 5 s).
        limits = httpx.Limits(max_connections=100 * len(self.rasa_urls), max_keepalive_connections=50,
                              keepalive_expiry=2.0)
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(timeout_s, connect=1.0), limits=limits)

    @classmethod
    def from_settings(cls, settings) -> RasaClient:
        return cls(settings.rasa_urls or settings.rasa_url, settings.action_url, settings.rasa_timeout_s,
                   settings.rasa_token, max_in_flight=settings.rasa_max_in_flight,
                   queue_wait_s=settings.rasa_queue_wait_s)

    async def aclose(self) -> None:
        await self._http.aclose()

    def instance(self, sender: str) -> int:
        return shard(sender, len(self.rasa_urls))

    @property
    def in_flight(self) -> int:
        return sum(self.max_in_flight - s._value for s in self._slots) if self._slots else 0

    async def send(
        self, sender: str, message: str, metadata: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> list[BotMessage]:
        deadline_s = timeout_s or self.timeout_s
        index = self.instance(sender)
        url = self.rasa_urls[index]
        if self._slots is None:
            return await self._send(url, sender, message, metadata, deadline_s)
        slots = self._slots[index]
        started = time.monotonic()
        try:
            # asyncio.timeout, not wait_for: a slot granted as the wait times out is given back, never leaked.
            async with asyncio.timeout(min(self.queue_wait_s, deadline_s)):
                await slots.acquire()
        except TimeoutError:
            self.stats["shed"] += 1
            raise RasaUnavailable("rasa", "busy") from None
        try:
            # The wait counts against the caller's deadline.
            remaining = max(0.1, deadline_s - (time.monotonic() - started))
            return await self._send(url, sender, message, metadata, remaining)
        finally:
            slots.release()

    async def _send(
        self, url: str, sender: str, message: str, metadata: dict[str, Any] | None, timeout_s: float
    ) -> list[BotMessage]:
        body = {"sender": sender, "message": message, "metadata": metadata or {}}
        try:
            resp = await self._http.post(
                f"{url}/webhooks/rest/webhook",
                json=body,
                timeout=httpx.Timeout(timeout_s, connect=1.0),
            )
        except httpx.TimeoutException as exc:
            raise RasaUnavailable("rasa", "timeout") from exc
        except httpx.HTTPError as exc:
            raise RasaUnavailable("rasa", type(exc).__name__) from exc
        if resp.status_code >= 500:
            raise RasaUnavailable("rasa", f"status {resp.status_code}")
        try:
            messages = parse_messages(resp.json())
        except ValueError:
            messages = []
        if not messages:
            # Every turn of this bot says something; nothing means a custom action could not run. The action server
            # may already be back by the time we ask (restart race), and a citizen must never get silence either way.
            if not await self.actions_alive():
                raise RasaUnavailable("actions", "action server down")
            raise RasaUnavailable("actions", "empty reply")
        return messages

    async def rasa_alive(self) -> bool:
        return all(await self.rasa_instances_alive())

    async def rasa_instances_alive(self) -> list[bool]:
        return list(await asyncio.gather(*(self._ping(f"{url}/") for url in self.rasa_urls)))

    async def actions_alive(self) -> bool:
        return await self._ping(f"{self.action_url}/health")

    async def _ping(self, url: str) -> bool:
        try:
            resp = await self._http.get(url, timeout=httpx.Timeout(1.0))
            return resp.status_code == 200
        except httpx.HTTPError:
            return False
