"""The dashboard in real headless Chromium against a real app process (uvicorn) and a seeded temporary database:
log in, see the overview (screenshot), re-cluster, open a topic, answer a proposal, export CSV."""
from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from civic import proposals as store
from civic.admin import users
from civic.db import open_migrated
from civic.settings import PROJECT_ROOT
from civic.supervisor import build_services, isolated_settings, running
from knowledge.base import load_entries
from tests.app.admin_support import PASSWORD, XSS, seed, seed_themed

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--no-first-run", "--disable-sync", "--disable-quic"]
SCREENSHOT = PROJECT_ROOT / "docs" / "screenshots" / "admin.png"

@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: run `make browser` (apt-get install chromium)")
    var = tmp_path_factory.mktemp("browser")
    shutil.copy(PROJECT_ROOT / "knowledge" / "entries.yml", var / "entries.yml")  # the editor test changes it
    settings = isolated_settings(var, knowledge_path=var / "entries.yml")
    db = open_migrated(settings.db_path)
    users.create_user(db, "kim", PASSWORD)
    db.close()
    seed_themed(settings)
    seed(settings, [(f"{XSS} 어르신 AI 교육 시간을 늘려 주세요.", None, None, "web:xss")])
    app = next(s for s in build_services(settings) if s.name == "app")
    # /healthz is 503 without Rasa; the login page tells that the app itself is up.
    argv = app.argv if "--ws" in app.argv else [*app.argv, "--ws", "none"]  # websockets 10 (rasa-sdk pin)
    app = dataclasses.replace(app, argv=argv, health_url=f"http://127.0.0.1:{settings.port}/admin/login")
    with running([app], timeout_s=120):
        yield settings


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


def test_login_topic_answer_export(live_app, browser, tmp_path):
    base = f"http://127.0.0.1:{live_app.port}"
    context = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}"))  # an XSS alert would land here
    # CSP violations and failed resource loads are console errors: none expected.
    page.on("console", lambda msg: msg.type == "error" and errors.append(f"console: {msg.text}"))

    page.goto(f"{base}/admin/topics")
    assert "/admin/login" in page.url
    page.get_by_label("아이디").fill("kim")
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"{base}/admin/topics")

    # Re-cluster from the overview: the job runs in the background and the page follows its progress.
    page.goto(f"{base}/admin")
    page.get_by_role("button", name="주제 다시 묶기").click()
    page.wait_for_selector("#job[data-state='done']", timeout=120_000)
    assert page.locator("canvas#chart-week").is_visible()
    page.wait_for_function("() => window.Chart && Chart.getChart('chart-district') !== undefined")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    page.get_by_role("link", name="주제", exact=True).click()
    first_topic = page.locator("table.topics tbody tr a").first
    label = first_topic.inner_text()
    first_topic.click()
    assert page.locator("h1").inner_text() == label
    assert page.locator(".badge.rep").count() >= 1, "representative proposals come first"

    page.locator("table.list tbody tr a").first.click()
    receipt = page.locator("h1").inner_text().split()[1]
    page.get_by_label("답변완료").check()
    page.get_by_label("답변 (시민에게 보여요, 존댓말로 써 주세요)").fill("현장을 확인했고 이번 주에 조치할게요.")
    page.get_by_role("button", name="저장").click()
    page.wait_for_selector("text=저장했어요")
    assert "현장을 확인했고" in page.locator(".history").inner_text()

    page.goto(f"{base}/admin")
    with page.expect_download() as info:
        page.get_by_role("link", name="제안 CSV").click()
    path = tmp_path / "export.csv"
    info.value.save_as(path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and receipt.encode() in data

    assert errors == [], errors
    context.close()

    db = open_migrated(live_app.db_path)
    proposal = store.get_by_receipt(db, receipt)
    assert proposal.status == "answered" and proposal.answer == "현장을 확인했고 이번 주에 조치할게요."
    assert store.history(db, proposal.id)[-1].actor == "kim"


def test_knowledge_editor_saves_an_alias_and_refuses_an_invented_phone_number(live_app, browser):
    base = f"http://127.0.0.1:{live_app.port}"
    context = browser.new_context(locale="ko-KR", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(f"console: {msg.text}"))
    page.goto(f"{base}/admin/login?next=/admin/knowledge")
    page.get_by_label("아이디").fill("kim")
    page.get_by_label("비밀번호").fill(PASSWORD)
    page.get_by_role("button", name="로그인").click()
    page.wait_for_url(f"{base}/admin/knowledge")

    page.get_by_role("link", name="AI 사관학교", exact=False).first.click()
    aliases = page.get_by_label("다른 이름 (한 줄에 하나: 줄임말, 영어, 시민이 부르는 이름)")
    aliases.fill(aliases.input_value() + "\n코딩 사관학교")
    page.get_by_role("button", name="저장").click()
    page.wait_for_selector("text=몇 초 안에 챗봇 답변에 반영돼요")
    assert "코딩 사관학교" in load_entries(live_app.knowledge_path).by_id["ai_academy"].aliases

    page.get_by_role("link", name="국가 AI 데이터센터").click()
    answer = page.get_by_label("답변 (2~5문장, 해요체. 숫자는 모두 아래 주요 수치에 있어야 해요)")
    answer.fill(answer.input_value() + " 문의는 062-123-4567로 하세요.")
    page.get_by_role("button", name="저장").click()
    alert = page.locator("#form-errors")
    alert.wait_for()
    assert "전화번호" in alert.inner_text()
    assert "062-123-4567" in answer.input_value()  # what the editor typed is still there
    assert "062-123-4567" not in load_entries(live_app.knowledge_path).by_id["data_center"].answer
    # The refused save is a 422 page: Chromium logs its status, and nothing else may be logged.
    assert [e for e in errors if "status of 422" not in e] == [], errors
    context.close()
