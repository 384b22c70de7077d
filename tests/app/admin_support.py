"""Shared fixtures for the admin tests (imported by tests/app/test_admin_*.py)."""
from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlite_utils import Database

from civic.admin import users
from civic.admin.schema import migrations
from civic.db import open_migrated

PASSWORD = "correct-horse-42"


@pytest.fixture
def fast_hasher(monkeypatch):
    """Still argon2id, with minimal cost: a login test should not spend a second per hash on 2 shared cores."""
    monkeypatch.setattr(users, "password_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(users, "_dummy_hash", None)


@pytest.fixture
def admin_db(fast_hasher):
    db = Database(memory=True)
    migrations.apply(db)
    yield db
    db.close()


VIEWER_PASSWORD = "read-only-pass-7"
_CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def admin_accounts(settings, fast_hasher):
    """An administrator "kim" and a read-only "viewer" in the app's temporary database."""
    db = open_migrated(settings.db_path)
    try:
        users.create_user(db, "kim", PASSWORD, role="admin")
        users.create_user(db, "viewer", VIEWER_PASSWORD, role="viewer")
    finally:
        db.close()
    return {"kim": PASSWORD, "viewer": VIEWER_PASSWORD}


def csrf_of(html: str) -> str:
    match = _CSRF_RE.search(html)
    assert match, "the page has a CSRF token field"
    return match.group(1)


def login(client, username: str = "kim", password: str = PASSWORD, next_url: str = "/admin"):
    """Log in through the real form (GET for its CSRF cookie+field, then POST); returns the POST response."""
    page = client.get("/admin/login")
    return client.post("/admin/login", data={"username": username, "password": password,
                                             "csrf_token": csrf_of(page.text), "next": next_url},
                       follow_redirects=False)


def page_csrf(client, path: str = "/admin") -> str:
    resp = client.get(path)
    assert resp.status_code == 200, resp.text
    return csrf_of(resp.text)


def bearer(client, username: str = "kim", password: str = PASSWORD) -> dict:
    resp = client.post("/api/admin/token", data={"username": username, "password": password})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
# Realistic, hand-written proposals (not from ../shared/data): (text, district, place, sender)
SAMPLE_PROPOSALS = [
    ("첨단지구 공원 앞 가로등이 며칠째 꺼져 있어서 밤에 너무 어두워요. 빨리 고쳐 주세요.", "북구", "첨단공원", "web:a1"),
    ("가로등이 고장 나서 골목길이 캄캄해요. 여학생들이 무서워해요.", "북구", "용봉동 골목", "kakao:k1"),
    ("학교 앞 횡단보도에 신호등이 없어서 아이들이 위험해요.", "광산구", "수완초 앞", "web:a2"),
    ("버스 배차 간격이 너무 길어요. 출근 시간에 30분씩 기다려요.", "서구", "상무지구 정류장", "kakao:k2"),
    ("공원 쓰레기통이 항상 넘쳐서 냄새가 심해요. 수거를 자주 해 주세요.", "남구", "푸른길공원", "web:a3"),
    ("인공지능 교육 프로그램을 어르신들도 들을 수 있게 해 주세요.", None, None, "kakao:k3"),
]


def seed(settings, items=SAMPLE_PROPOSALS, *, embed: bool = True, now=None) -> list:
    """Store proposals through the proposal service (C's API), as the chat form does. Returns the Proposals."""
    from civic import proposals as store
    from civic.embeddings.runtime import current_embedder

    embedder = current_embedder(settings) if embed else None
    db = open_migrated(settings.db_path)
    try:
        out = []
        for text, district, place, sender in items:
            draft = store.ProposalDraft(text=text, district=district, place=place)
            out.append(store.create_proposal(db, draft, sender_id=sender, embedder=embedder, now=now).proposal)
        return out
    finally:
        db.close()


# Three recurring themes (six proposals each, hand-written) and one-offs: enough for topics to form.
THEMED_PROPOSALS = [
    ("가로등이 꺼져서 밤길이 너무 어두워요. 고쳐 주세요.", "북구", "첨단공원"),
    ("골목 가로등이 고장 나서 캄캄해요. 가로등 수리해 주세요.", "북구", "용봉동"),
    ("가로등 불이 깜빡거리다 꺼졌어요. 가로등 점검해 주세요.", "서구", "치평동"),
    ("아파트 앞 가로등이 며칠째 안 켜져요. 밤에 어두워요.", "광산구", "수완동"),
    ("산책로 가로등이 꺼져 있어 어두워서 위험해요.", "남구", "푸른길"),
    ("공원 가로등이 고장이에요. 밤에 너무 어두워요.", "북구", "중외공원"),
    ("버스 배차 간격이 너무 길어서 출근이 힘들어요.", "서구", "상무지구"),
    ("마을버스 배차 간격을 줄여 주세요. 버스를 30분씩 기다려요.", "광산구", "첨단"),
    ("버스가 너무 늦게 와요. 버스 배차 간격 좀 줄여 주세요.", "북구", "운암동"),
    ("출퇴근 시간 버스 배차를 늘려 주세요. 버스가 부족해요.", "동구", "충장로"),
    ("시내버스 배차 간격이 길어서 학생들이 지각해요.", "남구", "봉선동"),
    ("버스 정류장에서 버스를 너무 오래 기다려요. 배차를 늘려 주세요.", "서구", "풍암동"),
    ("공원 쓰레기통이 넘쳐서 냄새가 나요. 쓰레기 자주 치워 주세요.", "남구", "푸른길공원"),
    ("쓰레기 수거가 늦어서 골목에 쓰레기가 쌓여 있어요.", "북구", "중흥동"),
    ("분리수거장 쓰레기가 넘쳐요. 쓰레기 수거 횟수를 늘려 주세요.", "서구", "화정동"),
    ("쓰레기 무단 투기가 심해요. 쓰레기 단속해 주세요.", "동구", "산수동"),
    ("길거리에 쓰레기가 많아요. 쓰레기통을 더 설치해 주세요.", "광산구", "송정동"),
    ("음식물 쓰레기 수거가 안 돼서 냄새가 심해요.", "북구", "두암동"),
    ("인공지능 교육을 어르신들도 받을 수 있게 해 주세요.", None, None),
    ("AI 데이터센터 견학 프로그램을 시민에게도 열어 주세요.", "북구", "첨단3지구"),
]


def seed_themed(settings, now=None, spread_days: int = 3) -> list:
    """THEMED_PROPOSALS stored one by one, a few days apart (newest first), from web and Kakao senders."""
    from civic import proposals as store

    now = now or store.utcnow()
    out = []
    for i, (text, district, place) in enumerate(THEMED_PROPOSALS):
        sender = f"{'kakao' if i % 3 == 0 else 'web'}:t{i}"
        out += seed(settings, [(text, district, place, sender)], now=now - timedelta(days=spread_days * i))
    return out


# ------------------------------------------------------------------ the knowledge-base editor
VERSION_RE = re.compile(r'name="version" value="([0-9a-f]+)"')


def form_fields(html: str) -> dict:
    """The edit form as a browser would post it (text inputs, textareas, checked boxes, selected options)."""
    fields: dict[str, list[str]] = {}
    form = html.split('enctype="multipart/form-data"', 1)[1].split("</form>", 1)[0]
    for name, value in re.findall(r'<input name="(\w+)" value="([^"]*)"', form):
        fields.setdefault(name, []).append(value)
    for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form):
        fields[name] = [value]
    for value in re.findall(r'name="sources" value="(\w+)" checked', form):
        fields.setdefault("sources", []).append(value)
    for select in re.findall(r'<select name="figure_source".*?</select>', form, flags=re.DOTALL):
        chosen = re.search(r'<option value="(\w*)" selected>', select)
        fields.setdefault("figure_source", []).append(chosen.group(1) if chosen else "")
    for name, value in re.findall(r'<textarea id="[\w-]+" name="(\w+)"[^>]*>(.*?)</textarea>', form, flags=re.DOTALL):
        fields[name] = [value]
    for name in ("id", "title"):
        fields[name] = [re.search(rf'<input id="kb-{name}" name="{name}" value="([^"]*)"', form).group(1)]
    return fields


def unescape(fields: dict) -> dict:
    return {k: [html.unescape(v) for v in vs] for k, vs in fields.items()}


def post_form(client, path: str, fields: dict):
    files = [(k, (None, v)) for k, vs in fields.items() for v in vs]
    return client.post(path, files=files, follow_redirects=False)
