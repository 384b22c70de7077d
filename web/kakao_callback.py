"""The Kakao skill's timing: answer within Kakao's 5 s, else through the one-time callback URL; coalesce retries.

Kakao waits at most 5 s for a skill response. We wait for Rasa until `kakao_deadline_s` (3.5 s). If the answer is not
ready by then and the request carried a callback URL on one of Kakao's hosts, Kakao gets {"useCallback": true} at once
and the real answer is POSTed to the callback URL when Rasa has it (the URL is valid one minute, for one use). Without
a callback URL the citizen gets a short apology before the deadline.

Kakao may send the same request again: an identical utterance from the same user while the first is still being
answered (or just after) joins the first turn instead of feeding Rasa twice.
"""
from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from civic.settings import Settings
from web import kakao
from web.rasa_client import BotMessage, RasaClient, RasaUnavailable
from web.routers.chat import rasa_sender as namespaced_sender

log = logging.getLogger(__name__)

CALLBACK_VALID_S = 60.0  # Kakao: a callback URL is valid for one minute, once
CALLBACK_RASA_TIMEOUT_S = 50.0  # leaves time to deliver before the URL expires
CALLBACK_POST_TIMEOUT_S = 5.0
RETRY_WINDOW_S = 3.0  # a finished turn still answers an identical retry this long
MAX_TURNS = 5_000


def _apology(exc: RasaUnavailable) -> str:
    # Slow or too busy (load shedding): the citizen should simply try again; anything else is a fault.
    return kakao.SLOW_TEXT if exc.reason in ("timeout", "busy") else kakao.DOWN_TEXT


@dataclass
class Turn:
    """One citizen utterance on its way through Rasa, shared by Kakao's retries of the same request."""

    task: asyncio.Task
    started: float = field(default_factory=time.monotonic)
    callback_url: str | None = None
    callback_started: float = 0.0
    delivering: bool = False


def rasa_sender(user_id: str) -> str:
    # Same namespacing as the web chat (contract: "kakao:<kakao user id>").
    return namespaced_sender("kakao", user_id)


class KakaoSkill:
    def __init__(self, rasa: RasaClient, settings: Settings) -> None:
        self.rasa = rasa
        self.deadline_s = settings.kakao_deadline_s
        self.hosts = list(settings.kakao_callback_hosts)
        self.memory = kakao.OfferMemory()
        self._turns: dict[tuple[str, str], Turn] = {}
        self._background: set[asyncio.Task] = set()
        self.stats = {"rasa_calls": 0, "coalesced": 0, "callbacks": 0, "callback_failures": 0}

    async def answer(self, req: kakao.SkillRequest) -> dict:
        callback = req.userRequest.callbackUrl
        if callback and not kakao.callback_url_allowed(callback, self.hosts):
            log.warning("kakao callback URL refused (host %s not allowed)", kakao.callback_host(callback))
            callback = None
        turn = self._turn(req, with_callback=bool(callback))
        if callback:
            # A retry's URL replaces the first one: Kakao gave up on the first request.
            turn.callback_url, turn.callback_started = callback, time.monotonic()
        try:
            # Kakao times each request on its own, a retry included: the deadline counts from now.
            messages = await asyncio.wait_for(asyncio.shield(turn.task), timeout=self.deadline_s)
        except asyncio.TimeoutError:
            if turn.callback_url:
                self._deliver_later(req.user_id, turn)
                return kakao.wait_response()
            return kakao.text_response(kakao.SLOW_TEXT)
        except RasaUnavailable as exc:
            log.warning("kakao skill: rasa unavailable (%s)", exc)
            return kakao.text_response(_apology(exc))
        return self.respond(req.user_id, messages)

    def respond(self, user_id: str, messages: list[BotMessage]) -> dict:
        self.memory.remember(user_id, kakao.offered_payloads(messages))
        return kakao.skill_response(messages)

    # ------------------------------------------------------------ turns and retries
    def _turn(self, req: kakao.SkillRequest, with_callback: bool) -> Turn:
        self._forget_old()
        key = (req.user_id, req.utterance)
        turn = self._turns.get(key)
        if turn and (not turn.task.done() or time.monotonic() - turn.started < RETRY_WINDOW_S):
            self.stats["coalesced"] += 1
            return turn
        text = kakao.rasa_text(req, self.memory)
        timeout = CALLBACK_RASA_TIMEOUT_S if with_callback else self.deadline_s
        task = asyncio.get_running_loop().create_task(self._ask(rasa_sender(req.user_id), text, timeout))
        task.add_done_callback(_consume_exception)
        turn = Turn(task)
        self._turns[key] = turn
        return turn

    async def _ask(self, sender: str, text: str, timeout_s: float) -> list[BotMessage]:
        self.stats["rasa_calls"] += 1
        return await self.rasa.send(sender, text, {"channel": "kakao"}, timeout_s=timeout_s)

    def _forget_old(self) -> None:
        now = time.monotonic()
        stale = [k for k, t in self._turns.items()
                 if t.task.done() and not t.delivering and now - t.started > RETRY_WINDOW_S]
        for k in stale:
            del self._turns[k]
        while len(self._turns) > MAX_TURNS:  # bounded even under a flood of distinct slow requests
            self._turns.pop(next(iter(self._turns)))

    # ------------------------------------------------------------ callback path
    def _deliver_later(self, user_id: str, turn: Turn) -> None:
        if turn.delivering:
            return
        turn.delivering = True
        task = asyncio.get_running_loop().create_task(self._deliver(user_id, turn))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _deliver(self, user_id: str, turn: Turn) -> None:
        try:
            try:
                body = self.respond(user_id, await turn.task)
            except RasaUnavailable as exc:
                log.warning("kakao callback: rasa unavailable (%s)", exc)
                body = kakao.text_response(_apology(exc))
            url = turn.callback_url
            if not url or time.monotonic() - turn.callback_started > CALLBACK_VALID_S:
                log.warning("kakao callback URL expired before the answer was ready")
                return
            await self._post(url, body)
        finally:
            turn.delivering = False

    async def _post(self, url: str, body: dict[str, Any]) -> None:
        # A fresh client: callbacks are rare, and redirects are never followed (they could leave Kakao's hosts).
        try:
            async with httpx.AsyncClient(timeout=CALLBACK_POST_TIMEOUT_S, follow_redirects=False) as client:
                resp = await client.post(url, json=body)
        except httpx.HTTPError as exc:
            self.stats["callback_failures"] += 1
            log.warning("kakao callback to %s failed: %s", kakao.callback_host(url), type(exc).__name__)
            return
        self.stats["callbacks"] += 1
        status = _kakao_status(resp)
        if resp.status_code >= 400 or status not in (None, "SUCCESS"):
            self.stats["callback_failures"] += 1
            log.warning("kakao callback to %s answered %s %s", kakao.callback_host(url), resp.status_code, status)
        else:
            log.info("kakao callback delivered to %s", kakao.callback_host(url))

    async def drain(self, timeout_s: float = 5.0) -> None:
        """Wait for callbacks still being delivered (shutdown, tests)."""
        if self._background:
            await asyncio.wait(set(self._background), timeout=timeout_s)


def _kakao_status(resp: httpx.Response) -> str | None:
    """Kakao answers a callback with {"taskId", "status": "SUCCESS"|"FAIL", "message", "timestamp"}."""
    try:
        data = resp.json()
    except ValueError:
        return None
    return data.get("status") if isinstance(data, dict) else None


def _consume_exception(task: asyncio.Task) -> None:
    # A turn nobody awaits any more (the citizen got the apology) must not log "exception never retrieved".
    if not task.cancelled():
        task.exception()
