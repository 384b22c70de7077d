"""Talks to Rasa's REST channel and the action server on loopback. No FastAPI here: routes stay thin."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

log = logging.getLogger(__name__)


class RasaUnavailable(Exception):
    """Rasa (or the action server behind it) did not answer in time."""

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


class RasaClient:
    def __init__(self, rasa_url: str, action_url: str, timeout_s: float = 2.5, token: str = "") -> None:
        self.rasa_url = rasa_url.rstrip("/")
        self.action_url = action_url.rstrip("/")
        self.timeout_s = timeout_s
        self.token = token
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=50)
        self._http = httpx.AsyncClient(timeout=httpx.Timeout(timeout_s, connect=1.0), limits=limits)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def send(
        self, sender: str, message: str, metadata: dict[str, Any] | None = None, timeout_s: float | None = None
    ) -> list[BotMessage]:
        body = {"sender": sender, "message": message, "metadata": metadata or {}}
        try:
            resp = await self._http.post(
                f"{self.rasa_url}/webhooks/rest/webhook",
                json=body,
                timeout=httpx.Timeout(timeout_s or self.timeout_s, connect=1.0),
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
        if not messages and not await self.actions_alive():
            # Rasa answers with nothing when a custom action could not run.
            raise RasaUnavailable("actions", "action server down")
        return messages

    async def rasa_alive(self) -> bool:
        return await self._ping(f"{self.rasa_url}/")

    async def actions_alive(self) -> bool:
        return await self._ping(f"{self.action_url}/health")

    async def _ping(self, url: str) -> bool:
        try:
            resp = await self._http.get(url, timeout=httpx.Timeout(1.0))
            return resp.status_code == 200
        except httpx.HTTPError:
            return False
