"""The chat widget in a real headless browser (Debian's chromium via Playwright) against the real app and Rasa."""
from __future__ import annotations

import json
import shutil
import threading
import time
from pathlib import Path

import pytest
import uvicorn

from civic.supervisor import free_port
from tests.app.conftest import make_settings

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync", "--disable-quic"]
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshots" / "widget.png"


class AppServer:
    """The real FastAPI app under uvicorn on a free loopback port, in a thread."""

    def __init__(self, settings) -> None:
        from web.main import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # ws="none": the env pins websockets 10 for rasa-sdk, which uvicorn's websocket auto-detection cannot import.
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port, log_level="warning",
                                ws="none")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the app did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run `make browser` (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def app_url(rasa_stack):
    with AppServer(rasa_stack) as server:
        yield server.url


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1000, "height": 720}, locale="ko-KR")
    pg = context.new_page()
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(str(exc)))
    yield pg
    context.close()
    assert errors == [], f"JavaScript errors: {errors}"


def chat_requests(page) -> list[dict]:
    sent: list[dict] = []
    page.on("request", lambda r: sent.append(json.loads(r.post_data)) if r.url.endswith("/api/chat") else None)
    return sent


def last_bot_text(page) -> str:
    return page.locator(".gjc-bot:not(.gjc-typing) .gjc-text").last.inner_text()


def test_question_answer_quick_reply_and_history_after_reload(page, app_url):
    page.goto(app_url + "/")
    box = page.locator("#gjc-input")
    box.click()
    page.keyboard.type("안녕하세요")
    with page.expect_response("**/api/chat") as answer:
        page.keyboard.press("Enter")
    greeting = answer.value.json()["messages"]
    assert answer.value.status == 200 and "안녕하세요" in greeting[0]["text"]
    page.locator(".gjc-reply").first.wait_for()
    assert last_bot_text(page) == greeting[-1]["text"], "the bubble shows Rasa's text as it is"
    assert page.locator(".gjc-user .gjc-text").last.inner_text() == "안녕하세요"
    assert box.input_value() == ""

    titles = [b["title"] for b in greeting[0]["buttons"]]
    assert page.locator(".gjc-reply").all_inner_texts() == titles
    with page.expect_request("**/api/chat") as tapped:
        page.get_by_role("button", name="AI 사업 알아보기").click()
    assert json.loads(tapped.value.post_data)["message"] == "광주 AI 사업에 대해 알려주세요"
    assert page.locator(".gjc-user .gjc-text").last.inner_text() == "AI 사업 알아보기"
    page.locator(".gjc-typing").wait_for(state="detached", timeout=15_000)
    assert page.locator(".gjc-bot:not(.gjc-typing)").count() >= 3  # intro, greeting, the answer
    assert page.locator(".gjc-reply").first.is_disabled(), "an answered quick reply is retired"
    shown = page.locator(".gjc-log .gjc-msg").all_inner_texts()
    sender = page.evaluate("localStorage.getItem('gjchat:sender')")

    page.reload()
    page.locator(".gjc-user").first.wait_for()
    assert page.locator(".gjc-log .gjc-msg").all_inner_texts() == shown
    assert page.evaluate("localStorage.getItem('gjchat:sender')") == sender
    assert page.locator(".gjc-reply").first.is_disabled()
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))


def test_enter_while_composing_korean_sends_nothing_and_a_message_goes_once(page, app_url):
    page.goto(app_url + "/")
    sent = chat_requests(page)
    box = page.locator("#gjc-input")
    box.fill("안녕하")
    box.dispatch_event("keydown", {"key": "Enter", "code": "Enter", "isComposing": True, "bubbles": True,
                                   "cancelable": True})
    box.dispatch_event("keydown", {"key": "Enter", "code": "Enter", "keyCode": 229, "bubbles": True,
                                   "cancelable": True})
    page.wait_for_timeout(500)
    assert sent == [] and box.input_value() == "안녕하"
    assert page.locator(".gjc-user").count() == 0

    # Two submits in the same tick (double click, Enter + button): the second waits for the first answer.
    with page.expect_response("**/api/chat"):
        page.evaluate("""() => {
            const root = document.querySelector('.gjchat-host').shadowRoot;
            const input = root.querySelector('#gjc-input');
            const form = root.querySelector('form');
            input.value = '안녕하세요'; form.requestSubmit();
            input.value = '고마워요'; form.requestSubmit();
        }""")
    page.wait_for_timeout(300)
    assert [m["message"] for m in sent] == ["안녕하세요"]
    assert page.locator(".gjc-user").count() == 1
    assert box.input_value() == "고마워요", "the unsent text stays for the citizen"


def test_keyboard_only_embedded_launcher(page, app_url):
    page.goto(app_url + "/healthz")  # any page of the app's origin; the host page below only has the tag
    page.set_content(f'<main><h1>광주광역시 누리집</h1><a href="#">링크</a></main>'
                     f'<script src="{app_url}/widget.js" defer></script>')
    launcher = page.get_by_role("button", name="광주 AI 도우미 채팅 열기")
    launcher.wait_for()
    assert launcher.get_attribute("aria-expanded") == "false"
    launcher.focus()
    page.keyboard.press("Enter")
    assert page.locator("#gjc-panel").is_visible()
    assert page.evaluate("document.querySelector('.gjchat-host').shadowRoot.activeElement.id") == "gjc-input"
    assert page.locator("[role=log][aria-live=polite]").count() == 1
    assert page.get_by_label("메시지 입력").count() == 1
    page.keyboard.press("Escape")
    assert not page.locator("#gjc-panel").is_visible()
    assert page.evaluate("document.querySelector('.gjchat-host').shadowRoot.activeElement.className") == \
        "gjc-launcher"


def test_links_are_clickable_and_text_is_never_html(page, app_url):
    page.goto(app_url + "/")
    page.locator("#gjc-input").wait_for()
    page.evaluate("""() => localStorage.setItem('gjchat:history', JSON.stringify([
        {from: 'user', text: '<img src=x onerror=alert(1)>'},
        {from: 'bot', text: '자세한 내용은 https://www.gwangju.go.kr/ai 에서 확인해 주세요.\\n<b>굵게</b>',
         custom: {type: 'list', title: '비슷한 제안', items: [{title: '가로등 제안', description: '공감 3', payload: '/deny'}]}}
    ]))""")
    page.reload()
    link = page.locator(".gjc-bot a")
    link.wait_for()
    assert link.get_attribute("href") == "https://www.gwangju.go.kr/ai"
    assert link.get_attribute("rel") == "noopener noreferrer"
    assert page.locator(".gjc-log img, .gjc-log b").count() == 0
    assert "<b>굵게</b>" in last_bot_text(page)
    assert page.locator(".gjc-item-title").inner_text() == "가로등 제안"
    assert page.get_by_role("button", name="가로등 제안 공감 3").is_enabled()


def test_service_down_shows_the_apology_and_keeps_the_text(page, tmp_path):
    with AppServer(make_settings(tmp_path)) as down:  # nothing listens at its Rasa ports
        page.goto(down.url + "/")
        page.evaluate("""() => localStorage.setItem('gjchat:history', JSON.stringify([
            {from: 'bot', text: '무엇을 도와드릴까요?', buttons: [{title: '도움말', payload: '/help'}]}]))""")
        page.reload()
        with page.expect_response("**/api/chat") as answer:
            page.get_by_role("button", name="도움말").click()
        assert answer.value.status == 503
        page.locator(".gjc-error").wait_for()
        assert "죄송해요" in page.locator(".gjc-error").inner_text()
        assert page.get_by_role("button", name="도움말").is_enabled(), "the choice can be tried again"

        box = page.locator("#gjc-input")
        box.fill("AI 사관학교는 언제 모집해요?")
        with page.expect_response("**/api/chat") as answer:
            box.press("Enter")
        assert answer.value.status == 503
        page.locator(".gjc-error").nth(1).wait_for()
        assert box.input_value() == "AI 사관학교는 언제 모집해요?"

        page.route("**/api/chat", lambda route: route.abort("internetdisconnected"))
        box.press("Enter")
        page.locator(".gjc-error").nth(2).wait_for()
        assert "인터넷 연결" in page.locator(".gjc-error").nth(2).inner_text()
        assert box.input_value() == "AI 사관학교는 언제 모집해요?"
        kept = json.loads(page.evaluate("localStorage.getItem('gjchat:history')"))
        assert [m["text"] for m in kept] == ["무엇을 도와드릴까요?"], "failed exchanges are not stored"
