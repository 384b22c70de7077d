"""A scripted citizen: one whole proposal conversation through the public door (/api/chat or /kakao/skill).

The citizen reads what the bot asked (its text and its buttons) and answers that question, so it follows the real
form whatever order or repetition the bot chooses: an invalid answer asked again, a similar-proposal offer that may or
may not come, an apology during an outage. Every request and its answer is recorded (status, latency, apology), and
every receipt or support the citizen was *shown* is kept for the checks against the database (bench/load.py).

Used by `make load` (bench/load.py) and by the fault tests (tests/app/test_faults.py). Loopback only, bounded: at
most MAX_TURNS requests per citizen and a per-request deadline, so a stuck stack cannot hang a run.
"""
from __future__ import annotations

import asyncio
import random
import re
import time
from dataclasses import dataclass, field
from typing import Literal

import httpx

from web import kakao
from web.routers.chat import APOLOGY as CHAT_APOLOGY

Kind = Literal["file", "support_similar", "support_receipt"]
# Kakao gives a skill 5 s; the app answers Kakao within 3.5 s and the web chat within 2.5 s (+1 s health probe).
# An answer later than this is a "silent timeout" for the citizen.
DEADLINE_S = 5.0
MAX_TURNS = 40  # requests per citizen, retries included (the fault tests allow more)
MAX_RESTARTS = 3  # how often a citizen starts the form over before giving up
RECEIPT_RE = re.compile(r"GJ-\d{4}-\d{6}")
KAKAO_APOLOGIES = (kakao.SLOW_TEXT, kakao.DOWN_TEXT)
# Kakao treats an identical utterance from the same user within this window as a retry of the same request
# (web/kakao_callback.py RETRY_WINDOW_S); a citizen repeating an answer on purpose waits a little longer.
KAKAO_REPEAT_GAP_S = 3.2

PROBLEMS = (
    "골목 가로등이 며칠째 꺼져 있어서 밤에 다니기 무서워요. 빨리 고쳐 주세요",
    "학교 앞 횡단보도 신호가 너무 짧아서 아이들이 건너기 위험해요",
    "버스 정류장 의자가 부서져서 어르신들이 서서 기다려요",
    "공원 쓰레기통이 매일 넘쳐서 냄새가 심하고 벌레가 많아요",
    "인도에 불법 주차한 차들 때문에 유모차를 끌고 지나갈 수가 없어요",
    "도서관 열람실 운영 시간을 저녁 늦게까지 늘려 주세요",
    "아파트 단지 옆 공사장 소음이 새벽부터 너무 심해요",
    "하천 산책로에 조명이 없어서 저녁에 운동하기 어려워요",
    "주민센터 민원 대기 시간이 너무 길어서 점심시간에 처리를 못 해요",
    "자전거 도로가 끊겨 있어서 차도로 내려가야 해서 위험해요",
)
LOCATIONS = ("북구 용봉동 전남대 후문 앞", "광산구 수완동 행정복지센터 앞", "서구 치평동 상무지구 정류장",
             "남구 봉선동 푸른길공원 입구", "동구 충장로 3가 골목", "잘 모르겠어요")


# ---------------------------------------------------------------------------------------------- the bot's answer
@dataclass
class Button:
    title: str
    payload: str  # web: what to send; Kakao: the intent payload in `extra` ("" when none)
    message: str = ""  # Kakao: messageText, the utterance a tap sends


@dataclass
class Reply:
    status: int | None  # None: no HTTP answer (connection refused, timeout)
    ms: float
    texts: list[str] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    error: str | None = None  # "timeout" | "refused" | exception class name
    apology: bool = False

    @property
    def ok(self) -> bool:
        return self.status == 200 and not self.apology and self.error is None

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def button(self, title: str) -> Button | None:
        return next((b for b in self.buttons if b.title == title), None)


@dataclass
class Request:
    """One request as the citizen made it, and what came back (for the summary and the checks)."""
    step: str
    status: int | None
    ms: float
    error: str | None
    apology: bool
    at: float  # monotonic time when sent


class Channel:
    name = ""

    def __init__(self, client: httpx.AsyncClient, base_url: str, user: str) -> None:
        self.client, self.base_url, self.user = client, base_url.rstrip("/"), user
        self.last_sent: tuple[str, float] = ("", 0.0)

    @property
    def rasa_sender(self) -> str:
        return f"{self.name}:{self.user}"

    async def say(self, text: str, payload: str | None = None) -> Reply:
        raise NotImplementedError

    async def press(self, button: Button) -> Reply:
        raise NotImplementedError

    async def _post(self, path: str, **kwargs) -> tuple[httpx.Response | None, float, str | None]:
        started = time.perf_counter()
        try:
            # The deadline is for the whole exchange (httpx's timeout is per socket operation).
            resp = await asyncio.wait_for(self.client.post(self.base_url + path, timeout=DEADLINE_S, **kwargs),
                                          DEADLINE_S)
            return resp, (time.perf_counter() - started) * 1000, None
        except (httpx.TimeoutException, asyncio.TimeoutError):
            return None, (time.perf_counter() - started) * 1000, "timeout"
        except httpx.ConnectError:
            return None, (time.perf_counter() - started) * 1000, "refused"
        except httpx.HTTPError as exc:
            return None, (time.perf_counter() - started) * 1000, type(exc).__name__


def _json_object(resp: httpx.Response) -> dict:
    """The answer's JSON object, or {} for a body that is not one (the load test records it, it does not crash)."""
    try:
        data = resp.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


class WebChannel(Channel):
    """The city website's widget: JSON to /api/chat, a button tap sends its payload."""
    name = "web"

    async def say(self, text: str, payload: str | None = None) -> Reply:
        resp, ms, error = await self._post("/api/chat", json={"sender": self.user, "message": payload or text})
        if resp is None:
            return Reply(None, ms, error=error)
        messages = _json_object(resp).get("messages") or []
        texts = [m.get("text") or "" for m in messages if m.get("text")]
        buttons = [Button(b["title"], b["payload"]) for m in messages for b in m.get("buttons") or []]
        for m in messages:  # a list of similar proposals / own proposals: its items are buttons too
            for item in (m.get("custom") or {}).get("items") or []:
                buttons.append(Button(str(item.get("title", "")), str(item.get("payload", ""))))
        apology = resp.status_code == 503 and CHAT_APOLOGY in texts
        return Reply(resp.status_code, ms, texts, buttons, apology=apology)

    async def press(self, button: Button) -> Reply:
        return await self.say(button.title, button.payload)


class KakaoChannel(Channel):
    """KakaoTalk through Kakao i Open Builder: skill request bodies in Kakao's shape, with the skill secret header."""
    name = "kakao"

    def __init__(self, client: httpx.AsyncClient, base_url: str, user: str, secret: str) -> None:
        super().__init__(client, base_url, user)
        self.secret = secret

    def body(self, utterance: str, extra: str | None) -> dict:
        return {
            "intent": {"id": "load-fallback", "name": "폴백 블록"},
            "userRequest": {
                "timezone": "Asia/Seoul", "params": {"ignoreMe": "true"},
                "block": {"id": "load-fallback", "name": "폴백 블록"}, "utterance": utterance, "lang": "ko",
                "user": {"id": self.user, "type": "botUserKey",
                         "properties": {"botUserKey": self.user, "isFriend": True}},
            },
            "bot": {"id": "load-bot", "name": "광주 AI 도우미"},
            "action": {"name": "rasa_skill", "clientExtra": {"payload": extra} if extra else None, "params": {},
                       "id": "load-action", "detailParams": {}},
        }

    async def say(self, text: str, payload: str | None = None) -> Reply:
        last, at = self.last_sent
        if last == text and time.monotonic() - at < KAKAO_REPEAT_GAP_S:
            await asyncio.sleep(KAKAO_REPEAT_GAP_S - (time.monotonic() - at))
        self.last_sent = (text, time.monotonic())
        resp, ms, error = await self._post("/kakao/skill", json=self.body(text, payload),
                                           headers={"X-Skill-Secret": self.secret})
        if resp is None:
            return Reply(None, ms, error=error)
        template = _json_object(resp).get("template") or {}
        texts, buttons = [], []
        for output in template.get("outputs") or []:
            if "simpleText" in output:
                texts.append(output["simpleText"]["text"])
            for item in (output.get("listCard") or {}).get("items") or []:
                buttons.append(Button(item.get("title", ""), (item.get("extra") or {}).get("payload", ""),
                                      item.get("messageText") or item.get("title", "")))
        for qr in template.get("quickReplies") or []:
            buttons.append(Button(qr.get("label", ""), (qr.get("extra") or {}).get("payload", ""),
                                  qr.get("messageText") or qr.get("label", "")))
        apology = any(t in KAKAO_APOLOGIES for t in texts)
        return Reply(resp.status_code, ms, texts, buttons, apology=apology)

    async def press(self, button: Button) -> Reply:
        # A tap sends messageText as the utterance; Kakao hands our intent payload back in clientExtra.
        return await self.say(button.message or button.title, button.payload or None)


# ---------------------------------------------------------------------------------------------- what was asked
QUESTIONS = (  # (kind, pattern) checked on each message from the last one back; outcomes before questions
    ("receipt", re.compile(r"제안이 접수됐어요")),
    ("support_added", re.compile(r"공감을 더했어요")),
    ("support_already", re.compile(r"이미 공감하셨어요")),
    ("support_own", re.compile(r"직접 접수하신 제안")),
    ("cancelled", re.compile(r"제안 작성을 취소했어요")),
    ("store_failed", re.compile(r"제안을 저장하지 못했어요")),
    ("status", re.compile(r"제안은 지금 '.+' 상태|최근에 접수하신 제안|접수하신 제안이 없어요")),
    ("confirm", re.compile(r"이대로 접수할까요|'접수하기'를")),
    ("similar", re.compile(r"비슷한 제안이 이미 있어요|새로 접수하는 대신|'새로 제안하기'를")),
    ("contact", re.compile(r"휴대전화 번호나 이메일 주소를 적어|전화번호나 이메일 형식이 아니에요")),
    ("consent", re.compile(r"개인정보 수집·이용 동의|'동의하지 않아요'를")),
    ("category", re.compile(r"분야로 보여요|어느 분야의 제안|분야 중에서 골라|분야를 다시")),
    ("location", re.compile(r"어디에서 생긴 일인가요|장소를 알아보기 어려워요")),
    ("problem", re.compile(r"어떤 불편이나 개선 아이디어|제안 내용을 다시|내용이 너무 짧아요|제안 내용이 비어")),
)


def classify(reply: Reply) -> str:
    """What the bot's answer asks for (or reports), judged from the latest message that says something known."""
    for text in reversed(reply.texts):
        for kind, pattern in QUESTIONS:
            if pattern.search(text):
                return kind
    return "unknown"


# ---------------------------------------------------------------------------------------------- the citizen
@dataclass
class Plan:
    index: int
    channel: str  # "web" | "kakao"
    kind: Kind
    marker: str  # a unique word in the problem text: finds the row again without the receipt
    problem: str
    location: str
    consent: bool
    contact: str | None
    target: str | None = None  # the seed proposal a supporter means to support
    twice: bool = False  # tries to support the same proposal a second time
    opener: str = "button"  # "button": taps "생활 불편 제안하기"; "sentence": says place and problem at once


@dataclass
class Result:
    plan: Plan
    sender: str  # the Rasa sender id ("web:..." / "kakao:...")
    requests: list[Request] = field(default_factory=list)
    receipt: str | None = None  # shown after the confirmation (or found again under "내 제안")
    recovered: bool = False  # the receipt came from "내 제안" after an outage hid the confirmation
    confirm_sent: int = 0  # how many times the citizen pressed "접수하기"
    supports: dict[str, list[str]] = field(default_factory=dict)  # receipt -> outcomes shown ("added", ...)
    support_attempts: set[str] = field(default_factory=set)  # receipts the citizen asked to support
    offered_similar: bool = False
    restarts: int = 0
    troubled: set[str] = field(default_factory=set)  # steps that met an apology or no answer (then retried)
    asked: list[str] = field(default_factory=list)  # the question kinds, in order
    done: bool = False
    failure: str | None = None

    @property
    def apologies(self) -> int:
        return sum(r.apology for r in self.requests)


def make_plan(index: int, rng: random.Random, kind: Kind, channel: str, seeds: list[tuple[str, str]],
              twice: bool = False) -> Plan:
    """`seeds`: (receipt, text) of stored proposals that supporters target."""
    marker = "qx" + "".join(rng.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(8))
    consent = rng.random() < 0.4
    contact = (f"010-0000-{index % 10000:04d}" if rng.random() < 0.5 else f"citizen{index}@example.com") \
        if consent else None
    target = None
    if kind == "file" or not seeds:
        problem = f"{rng.choice(PROBLEMS)} (표시어 {marker})"
    else:
        target, seed_text = seeds[index % len(seeds)]
        problem = f"{seed_text} (표시어 {marker})"
    opener = rng.choice(("button", "sentence", "sentence"))
    location = rng.choice(LOCATIONS[:-1] if opener == "sentence" else LOCATIONS)
    if opener == "sentence":  # the first message already says where and what: the form asks only the rest
        problem = f"{location}에 {problem}"
    return Plan(index, channel, kind, marker, problem, location, consent, contact, target, twice, opener)


def expected_turns(plan: Plan) -> int:
    """Answers the citizen will probably give (a similar-proposal offer or an apology adds one)."""
    return (1 + (2 if plan.opener == "button" else 0) + 2 + (1 if plan.consent else 0) + 1
            + (1 if plan.twice else 0))


class Citizen:
    def __init__(self, plan: Plan, channel: Channel, think_s: tuple[float, float] = (0.0, 0.0),
                 retry_for_s: float = 20.0, rng: random.Random | None = None, max_requests: int = MAX_TURNS) -> None:
        self.plan, self.channel = plan, channel
        self.think_s = think_s
        self.max_requests = max_requests
        self.retry_for_s = retry_for_s  # how long to keep retrying through apologies (an outage)
        self.rng = rng or random.Random(plan.index)
        self.result = Result(plan, channel.rasa_sender)

    # -------------------------------------------------------------- one request, with retries through outages
    async def _send(self, step: str, text: str, payload: str | None = None, *, retry: bool = True) -> Reply | None:
        """Send, and while the answer is an apology or no answer, wait and send again (bounded)."""
        await self._think()
        give_up = time.monotonic() + self.retry_for_s
        backoff = 3.0
        while True:
            if len(self.result.requests) >= self.max_requests:
                self.result.failure = self.result.failure or "too many requests"
                return None
            sent = time.monotonic()
            reply = await (self.channel.press(Button(text, payload or "", text)) if payload is not None
                           else self.channel.say(text))
            self.result.requests.append(Request(step, reply.status, reply.ms, reply.error, reply.apology, sent))
            if reply.ok or not retry or time.monotonic() > give_up:
                return reply
            self.result.troubled.add(step)
            # "잠시 후 다시 말씀해 주세요": the citizen waits a little and sends the same answer again.
            await asyncio.sleep(backoff * (1 + self.rng.random()))
            backoff = min(backoff * 1.5, 12.0)

    async def _think(self) -> None:
        low, high = self.think_s
        if high > 0:
            await asyncio.sleep(self.rng.uniform(low, high))

    # -------------------------------------------------------------- the conversation
    async def run(self) -> Result:
        try:
            if self.plan.kind == "support_receipt":
                await self._support_by_receipt(self.plan.target)
            else:
                await self._file()
        except Exception as exc:  # noqa: BLE001 - a citizen's bug must show in the report, not kill the run
            self.result.failure = f"{type(exc).__name__}: {exc}"
        return self.result

    async def _file(self) -> None:
        r = self.result
        if self.plan.opener == "sentence":
            reply = await self._send("start", self.plan.problem)
        else:
            reply = await self._send("start", "생활 불편 제안하기", "/propose")
        while reply is not None and not r.done:
            if not reply.ok:
                # Still no answer after retrying: if the confirmation may have gone through, ask "내 제안"; else stop.
                if not r.confirm_sent:
                    r.failure = f"no answer ({reply.error or reply.status})"
                    return
                reply = await self._recover()
                continue
            kind = classify(reply)
            r.asked.append(kind)
            reply = await self._answer(kind, reply)

    async def _answer(self, kind: str, reply: Reply) -> Reply | None:
        r, plan = self.result, self.plan
        if kind == "receipt":
            r.receipt = _receipt(reply)
            r.done = True
            return None
        if kind in {"support_added", "support_already", "support_own"}:
            receipt = _receipt(reply) or plan.target or ""
            r.supports.setdefault(receipt, []).append(kind.removeprefix("support_"))
            if plan.twice:
                await self._support_by_receipt(receipt, again=True)
            r.done = True
            return None
        if kind == "problem":
            return await self._send("problem", plan.problem)
        if kind == "location":
            return await self._send("location", plan.location)
        if kind == "category":  # accept the suggestion: the first button is the suggested category
            first = reply.buttons[0] if reply.buttons else Button("기타", "기타", "기타")
            return await self._press("category", first)
        if kind == "consent":
            choice = reply.button("동의해요" if plan.consent else "동의하지 않아요")
            return await self._press("consent", choice) if choice else await self._send(
                "consent", "동의해요" if plan.consent else "동의하지 않아요")
        if kind == "contact":
            return await self._send("contact", plan.contact or "남기지 않을게요")
        if kind == "similar":
            r.offered_similar = True
            if plan.kind == "support_similar":
                choice = reply.button("이 제안에 공감하기")
                if choice:
                    r.support_attempts.add(_payload_receipt(choice.payload) or "")
                    return await self._press("support", choice)
            return await self._press("new", reply.button("새로 제안하기") or Button("새로 제안하기", "", "새로 제안하기"))
        if kind == "confirm":
            if plan.kind == "support_similar":
                # Wanted to support, but no similar proposal was offered (lookup skipped under load): cancel and
                # support by receipt instead, as a citizen who knows the receipt would.
                reply = await self._send("cancel", "취소")
                if reply is not None and reply.ok and classify(reply) == "cancelled":
                    await self._support_by_receipt(plan.target)
                    r.done = True
                    return None
                return reply
            r.confirm_sent += 1
            return await self._press("confirm", reply.button("접수하기") or Button("접수하기", "/affirm", "접수하기"))
        if kind == "store_failed":
            return await self._press("retry", reply.button("다시 접수하기") or Button("다시 접수하기", "/propose"))
        if kind == "cancelled" or kind == "status" or kind == "unknown":
            # The form is not running (lost its state, or the bot understood something else): start over.
            if r.confirm_sent:
                return await self._recover()
            return await self._restart()
        r.failure = f"unhandled question {kind}"
        return None

    async def _press(self, step: str, button: Button) -> Reply | None:
        return await self._send(step, button.message or button.title, button.payload or None) \
            if isinstance(self.channel, KakaoChannel) else await self._send(step, button.title, button.payload)

    async def _restart(self) -> Reply | None:
        self.result.restarts += 1
        if self.result.restarts > MAX_RESTARTS:
            self.result.failure = "the form could not be completed"
            return None
        return await self._send("start", "생활 불편 제안하기", "/propose")

    async def _recover(self) -> Reply | None:
        """After pressing "접수하기" without seeing a receipt: look under "내 제안" (this citizen files one)."""
        r = self.result
        reply = await self._send("my_proposals", "내 제안 확인", "/check_status")
        if reply is None or not reply.ok:
            r.failure = "confirmation unanswered and '내 제안' unavailable"
            return None
        receipt = _receipt(reply)
        if receipt and classify(reply) == "status":
            r.receipt, r.recovered, r.done = receipt, True, True
            return None
        if classify(reply) == "status":  # nothing stored: file it again
            r.confirm_sent = 0
            return await self._restart()
        return reply  # the form still runs and asked something: answer it

    async def _support_by_receipt(self, receipt: str | None, again: bool = False) -> None:
        r = self.result
        if not receipt:
            r.failure = "no receipt to support"
            return
        payload = '/support_proposal{"receipt_id":"' + receipt + '"}'
        text = f"{receipt} 한 번 더 공감할게요" if again else f"{receipt} 제안에 공감해요"
        r.support_attempts.add(receipt)
        reply = await self._send("support_again" if again else "support", text, payload)
        if reply is None or not reply.ok:
            r.failure = f"support unanswered ({reply.error or reply.status if reply else 'bounded'})"
            return
        kind = classify(reply)
        r.asked.append(kind)
        if kind in {"support_added", "support_already", "support_own"}:
            r.supports.setdefault(receipt, []).append(kind.removeprefix("support_"))
            if self.plan.twice and not again:
                await self._support_by_receipt(receipt, again=True)
            r.done = True
        else:
            r.failure = f"support answered with {kind}"


def _receipt(reply: Reply) -> str | None:
    found = RECEIPT_RE.findall(reply.text)
    return found[0] if found else None


def _payload_receipt(payload: str) -> str | None:
    found = RECEIPT_RE.findall(payload or "")
    return found[0] if found else None
