"""Disk full and a read-only file system under the proposal database (a small tmpfs): the citizen and the official get
a clear Korean message, no receipt is shown, nothing is half-written, `PRAGMA integrity_check` is ok afterwards, and
the next proposal works once the space is back.

Needs `mount` (we run as root in the dev container); where mounting is not permitted the tests skip and say why.
"""
# ruff: noqa: F811  (pytest fixtures imported from admin_support)
from __future__ import annotations

import asyncio
import gc
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.proposals import SubmitProposal
from actions.status import SupportProposal
from civic import proposals as P
from civic.db import open_db, open_migrated
from tests.app.admin_support import bearer, csrf_of, fast_hasher, login  # noqa: F401
from tests.app.domain_support import load_domain

SIZE = "4m"
LAMP = "북구 용봉동 전남대 후문 앞 가로등이 일주일째 꺼져 있어서 밤길이 너무 어두워요"
BENCH = "버스 정류장 의자가 부서져서 어르신들이 서서 기다려요. 새 의자로 바꿔 주세요"
FILLED = {"problem": BENCH, "location": "서구 치평동", "district": "서구", "place": "치평동", "category": "도로/시설",
          "contact_consent": "yes", "contact": "phone:010-0000-1234", "similar_receipts": [],
          "similar_decision": None, "proposal_confirmed": "yes"}


# ---------------------------------------------------------------------------------------------- fixtures
def _mount(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["mount", *args], capture_output=True, text=True, check=False)


@pytest.fixture
def tmpfs(tmp_path):
    """A SIZE tmpfs of its own; unmounted afterwards whatever happened."""
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    done = _mount("-t", "tmpfs", "-o", f"size={SIZE}", "tmpfs", str(mnt))
    if done.returncode != 0:
        reason = f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode}): these tests need root"
        print(reason)
        pytest.skip(reason)
    try:
        yield mnt
    finally:
        # A connection whose opening failed may still hold a file until it is collected (civic.db.open_db does
        # not close it): collect, and detach lazily if the kernel still finds the mount busy.
        gc.collect()
        _mount("-o", "remount,rw", str(mnt))
        if subprocess.run(["umount", str(mnt)], capture_output=True, check=False).returncode:
            subprocess.run(["umount", "-l", str(mnt)], capture_output=True, check=False)


@pytest.fixture
def settings_on_tmpfs(tmpfs, tmp_path, monkeypatch):
    """Process settings with the database on the tmpfs (the embedder's state stays on the ordinary disk)."""
    from civic.embeddings.runtime import current_embedder
    from civic.settings import get_settings

    monkeypatch.setenv("DB_PATH", str(tmpfs / "civic.db"))
    monkeypatch.setenv("VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    settings = get_settings()
    current_embedder(settings)  # fitted before the disk is filled, like a running action server's
    yield settings
    get_settings.cache_clear()


def fill(mnt: Path) -> Path:
    """Write a file until the tmpfs has no byte left."""
    path = mnt / "filler"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    try:
        for size in (1 << 20, 1 << 16, 1 << 12, 1 << 9, 1):
            while True:
                try:
                    os.write(fd, b"\0" * size)
                except OSError:
                    break
    finally:
        os.close(fd)
    return path


def checkpoint(db) -> None:
    # An empty WAL: the next write must grow a file, so it meets the full disk (SQLite reuses WAL space otherwise).
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def state(path: Path) -> dict:
    """Everything a proposal write touches, and the integrity check (a fresh read-only connection)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("proposals", "status_history", "contacts", "supports")}
        counts["receipt_counter"] = conn.execute("SELECT coalesce(max(last), 0) FROM receipt_counters").fetchone()[0]
        counts["support_count"] = conn.execute("SELECT coalesce(sum(support_count), 0) FROM proposals").fetchone()[0]
        counts["integrity"] = conn.execute("PRAGMA integrity_check").fetchone()[0]
        return counts
    finally:
        conn.close()


DOMAIN = load_domain()


def tracker(slots=None, text="", intent=None, entities=(), sender="web:citizen") -> Tracker:
    """What the action server receives after the last answer of the form (no active loop any more)."""
    parse = {"text": text, "intent": {"name": intent, "confidence": 1.0} if intent else {},
             "entities": [{"entity": e, "value": v} for e, v in entities]}
    return Tracker.from_dict({"sender_id": sender, "slots": dict(slots or {}), "latest_message": parse,
                              "events": [{"event": "user", "text": text, "parse_data": parse}],
                              "active_loop": {}, "latest_action_name": "proposal_form"})


def run_action(action, t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, DOMAIN))
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}, dispatcher.messages


def said(messages) -> str:
    texts = [m.get("text") or "" for m in messages]
    texts += [t["text"] for m in messages if m.get("response")
              for t in DOMAIN["responses"].get(m["response"], [])]
    return "\n".join(texts)


def seed(path: Path) -> P.Proposal:
    db = open_migrated(path)
    try:
        return P.create_proposal(db, P.ProposalDraft(LAMP), sender_id="web:first", assign_topic=False).proposal
    finally:
        db.close()


# ---------------------------------------------------------------------------------------------- disk full
def test_disk_full_store_api_refuses_in_korean_and_keeps_the_database_whole(tmpfs):
    path = tmpfs / "civic.db"
    first = seed(path)
    db = open_db(path)  # a connection kept open, as by a running process
    checkpoint(db)
    before = state(path)
    filler = fill(tmpfs)

    with pytest.raises(P.StoreUnavailable) as failed:
        P.create_proposal(db, P.ProposalDraft(BENCH, contact=P.pii.Contact("phone", "010-0000-1234")),
                          sender_id="web:second", assign_topic=False)
    assert "저장할 수 없어요" in failed.value.message and "잠시 후 다시" in failed.value.message
    with pytest.raises(P.StoreUnavailable):
        P.add_support(db, first.receipt, "kakao:fan")
    with pytest.raises(P.StoreUnavailable):
        P.change_status(db, first.id, "answered", actor="kim", answer="고쳤어요.")
    assert state(path) == before  # nothing half-written: no row, no history, no contact, no receipt number used

    filler.unlink()
    assert state(path)["integrity"] == "ok"
    again = P.create_proposal(db, P.ProposalDraft(BENCH), sender_id="web:second", assign_topic=False).proposal
    assert again.receipt == first.receipt[:8] + "000002"  # the failed attempt used no receipt number
    assert P.add_support(db, first.receipt, "kakao:fan").outcome == "added"
    db.close()
    after = state(path)
    assert (after["proposals"], after["support_count"], after["integrity"]) == (2, 1, "ok")


def test_disk_full_action_says_sorry_in_korean_and_shows_no_receipt(settings_on_tmpfs, tmpfs):
    path = settings_on_tmpfs.db_path
    first = seed(path)
    keeper = open_db(path)  # another process (the app) has the database open: its WAL files exist
    checkpoint(keeper)
    before = state(path)
    filler = fill(tmpfs)

    slots, messages = run_action(SubmitProposal(), tracker(FILLED, text="/affirm", intent="affirm"))
    text = said(messages)
    assert "저장하지 못했어요" in text and "다시 접수하기" in text
    assert "GJ-" not in text and "접수번호" not in text
    # The citizen's answers are kept (only the confirmation is asked again), so nothing needs typing twice.
    assert slots == {"proposal_confirmed": None, "proposal_outcome": None}
    _, messages = run_action(SupportProposal(), tracker(text=f"{first.receipt} 공감해요", intent="support_proposal",
                                                        entities=[("receipt_id", first.receipt)]))
    assert "불러오지 못했어요" in said(messages) and "공감을 더했어요" not in said(messages)
    assert state(path) == before

    filler.unlink()
    assert state(path)["integrity"] == "ok"
    slots, messages = run_action(SubmitProposal(), tracker(FILLED, text="/affirm", intent="affirm"))
    receipt = P.normalize_receipt(said(messages))
    assert "제안이 접수됐어요" in said(messages) and receipt == first.receipt[:8] + "000002"
    keeper.close()
    after = state(path)
    assert (after["proposals"], after["contacts"], after["integrity"]) == (2, 1, "ok")


# ---------------------------------------------------------------------------------------------- read-only
def remount_read_only(mnt: Path, db_path: Path, wal_files: bool) -> None:
    """Every connection must be closed first (the kernel refuses while a file is open for writing). A running
    system leaves the WAL's -shm file behind (reads keep working); after a clean shutdown there is none, and SQLite
    cannot open a WAL database on a read-only file system at all."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro" if wal_files else str(db_path), uri=wal_files)
    conn.execute("SELECT count(*) FROM proposals").fetchone()
    conn.close()
    assert db_path.with_name(db_path.name + "-shm").exists() == wal_files
    done = _mount("-o", "remount,ro", str(mnt))
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("wal_files", [True, False], ids=["wal-files-left", "clean-shutdown"])
def test_read_only_database_is_refused_cleanly_and_works_again_when_writable(settings_on_tmpfs, tmpfs, wal_files):
    path = settings_on_tmpfs.db_path
    first = seed(path)
    before = state(path)
    remount_read_only(tmpfs, path, wal_files)

    if wal_files:  # the store opens and reads, and refuses the write in Korean
        db = open_migrated(path)
        assert P.count_proposals(db) == 1
        with pytest.raises(P.StoreUnavailable) as failed:
            P.create_proposal(db, P.ProposalDraft(BENCH), sender_id="web:second", assign_topic=False)
        assert "저장할 수 없어요" in failed.value.message
        db.close()
    else:  # nothing opens: the caller gets SQLite's error, which the action and the app turn into Korean
        with pytest.raises(sqlite3.OperationalError):
            open_migrated(path)
    slots, messages = run_action(SubmitProposal(), tracker(FILLED, text="/affirm", intent="affirm"))
    text = said(messages)
    assert "저장하지 못했어요" in text and "GJ-" not in text
    assert slots == {"proposal_confirmed": None, "proposal_outcome": None}

    _mount("-o", "remount,rw", str(tmpfs))
    assert state(path) == before and before["integrity"] == "ok"
    _, messages = run_action(SubmitProposal(), tracker(FILLED, text="/affirm", intent="affirm"))
    assert P.normalize_receipt(said(messages)) == first.receipt[:8] + "000002"
    assert state(path)["integrity"] == "ok"


# ---------------------------------------------------------------------------------------------- the dashboard
@pytest.fixture
def dashboard(tmpfs, tmp_path, fast_hasher):
    from civic.admin import users
    from tests.app.conftest import make_settings
    from web.main import create_app

    settings = make_settings(tmp_path, db_path=tmpfs / "civic.db")
    proposal = seed(settings.db_path)
    db = open_migrated(settings.db_path)
    users.create_user(db, "kim", "correct-horse-42", role="admin")
    db.close()
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert login(client).status_code == 303
        client.headers.update(bearer(client))  # the JSON API's token too (the HTML pages use the cookie)
        yield client, proposal, settings


def answer(client, proposal, token: str):
    return client.post(f"/admin/proposals/{proposal.id}/answer", follow_redirects=False,
                       data={"csrf_token": token, "status": "answered", "answer": "이번 주에 가로등을 고칠 예정이에요."})


def assert_korean_error_page(resp) -> None:
    assert resp.status_code == 503, resp.text[:300]
    assert resp.headers["content-type"].startswith("text/html")
    assert "저장할 수 없어요" in resp.text and "Traceback" not in resp.text and "sqlite" not in resp.text.lower()


def test_dashboard_shows_a_korean_error_when_the_disk_is_full(dashboard, tmpfs):
    client, proposal, settings = dashboard
    token = csrf_of(client.get(f"/admin/proposals/{proposal.id}").text)
    keeper = open_db(settings.db_path)  # the action server's connection: reading still works, writing does not
    checkpoint(keeper)
    before = state(settings.db_path)
    filler = fill(tmpfs)

    assert client.get(f"/admin/proposals/{proposal.id}").status_code == 200
    assert_korean_error_page(answer(client, proposal, token))
    api = client.post(f"/api/admin/proposals/{proposal.id}/answer", json={"status": "reviewing"})
    assert api.status_code == 503 and "저장할 수 없어요" in api.json()["error"]["message"]
    assert state(settings.db_path) == before

    filler.unlink()
    assert answer(client, proposal, token).status_code == 303
    keeper.close()
    after = state(settings.db_path)
    assert after["status_history"] == before["status_history"] + 1 and after["integrity"] == "ok"


@pytest.mark.parametrize("wal_files", [True, False], ids=["wal-files-left", "clean-shutdown"])
def test_dashboard_shows_a_korean_error_when_the_database_is_read_only(dashboard, tmpfs, wal_files):
    client, proposal, settings = dashboard
    token = csrf_of(client.get(f"/admin/proposals/{proposal.id}").text)
    before = state(settings.db_path)
    remount_read_only(tmpfs, settings.db_path, wal_files)

    page = client.get(f"/admin/proposals/{proposal.id}")
    if wal_files:  # reading works; only the write is refused
        assert page.status_code == 200
    else:
        assert_korean_error_page(page)
    assert_korean_error_page(answer(client, proposal, token))
    api = client.post(f"/api/admin/proposals/{proposal.id}/answer", json={"status": "reviewing"})
    assert api.status_code == 503 and "저장할 수 없어요" in api.json()["error"]["message"]

    _mount("-o", "remount,rw", str(tmpfs))
    assert state(settings.db_path) == before and before["integrity"] == "ok"
    assert answer(client, proposal, token).status_code == 303
    assert state(settings.db_path)["integrity"] == "ok"
