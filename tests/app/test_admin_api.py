"""JSON API under /api/admin with bearer tokens: typed proposals, answers, exports (CSV for Excel, JSON)."""
# ruff: noqa: F811  (pytest fixtures imported from admin_support)
import csv
import io
import json

import pytest

from civic import proposals as store
from civic.admin import audit
from civic.db import open_migrated
from tests.app.admin_support import admin_accounts, bearer, fast_hasher, seed  # noqa: F401


@pytest.fixture
def api(client, admin_accounts):
    client.headers.update(bearer(client))
    return client


def test_proposal_list_and_detail_are_typed_and_masked(api, settings):
    [p, *_] = seed(settings, [("가로등이 고장났어요. 연락은 010-1234-5678 로 주세요.", "북구", "첨단공원", "web:u1"),
                              ("버스 배차 간격을 줄여 주세요.", "서구", None, "kakao:u2")], embed=False)
    page = api.get("/api/admin/proposals", params={"query": "가로등"}).json()
    assert page["total"] == 1 and page["mode"] == "keyword"
    item = page["items"][0]
    assert item["receipt"] == p.receipt and item["status"] == "received" and item["status_label"] == "접수"
    assert "010-1234-5678" not in json.dumps(page, ensure_ascii=False)
    detail = api.get(f"/api/admin/proposals/{p.id}").json()
    assert "010-1234-5678" not in detail["masked_text"] and "가로등" in detail["masked_text"]
    assert detail["history"][0]["status"] == "received"
    assert api.get("/api/admin/proposals", params={"limit": 1, "offset": 1}).json()["items"][0]["id"] == p.id


def test_answer_through_the_api_with_a_korean_status_label(api, settings):
    [p] = seed(settings, [("공원 쓰레기통이 넘쳐요. 수거를 자주 해 주세요.", "남구", None, "kakao:u3")], embed=False)
    resp = api.post(f"/api/admin/proposals/{p.id}/answer", json={"status": "답변완료", "answer": "주 3회로 늘렸어요."})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["status"] == "answered" and body["answer"] == "주 3회로 늘렸어요."
    assert [h["actor"] for h in body["history"]] == ["system", "kim"]
    db = open_migrated(settings.db_path)
    assert store.lookup_status(db, p.receipt).proposal.answer == "주 3회로 늘렸어요."


@pytest.mark.parametrize("proposal_id, body, status, fragment", [
    (None, {"status": "done"}, 422, "상태는"),
    (None, {"status": "rejected"}, 422, "반려 사유"),
    (None, {"answer": "상태가 없어요"}, 422, "status"),
    (None, {"status": "reviewing", "answer": "가" * 5001}, 422, "answer"),
    (987654, {"status": "reviewing"}, 404, "찾을 수 없어요"),
])
def test_bad_answers_are_korean_4xx(api, settings, proposal_id, body, status, fragment):
    [p] = seed(settings, [("가로등이 깜빡거려요. 점검해 주세요.", "동구", None, "web:u4")], embed=False)
    resp = api.post(f"/api/admin/proposals/{proposal_id or p.id}/answer", json=body)
    assert resp.status_code == status
    assert fragment in resp.json()["error"]["message"]


def test_unknown_ids_are_korean_404(api):
    for path in ("/api/admin/proposals/5555", "/api/admin/topics/5555", "/api/admin/jobs/5555"):
        resp = api.get(path)
        assert resp.status_code == 404 and "찾을 수 없어요" in resp.json()["error"]["message"], path


def test_csv_export_opens_in_excel_and_defuses_formulas(api, settings):
    seed(settings, [
        ("=HYPERLINK(\"http://evil.example\",\"클릭\") 가로등 고쳐 주세요", "북구", "+82 광장", "web:f1"),
        ("- 버스 정류장 의자가 부서졌어요. 연락처 010-9876-5432", "서구", "@정류장", "web:f2"),
    ], embed=False)
    resp = api.get("/api/admin/export/proposals.csv")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/csv")
    assert "attachment" in resp.headers["content-disposition"]
    raw = resp.content
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM so that Excel reads Korean"
    assert b"\r\n" in raw and raw.count(b"\n") == raw.count(b"\r\n")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    header = rows[0]
    assert header[0] == "접수번호" and "내용(개인정보 가림)" in header
    text_col, place_col = header.index("내용(개인정보 가림)"), header.index("장소")
    cells = [c for row in rows[1:] for c in row]
    assert not any(c[:1] in "=+-@" for c in cells if c), "no cell starts a formula"
    assert rows[1][text_col].startswith("'=HYPERLINK") and rows[1][place_col] == "'+82 광장"
    assert rows[2][text_col].startswith("'- 버스") and "010-9876-5432" not in raw.decode("utf-8-sig")

    db = open_migrated(settings.db_path)
    [entry] = audit.recent(db, limit=1)
    assert entry.action == "export" and entry.detail == {"kind": "proposals", "format": "csv", "rows": 2}


def test_json_exports_and_unknown_export_names(api, settings):
    seed(settings, embed=False)
    body = api.get("/api/admin/export/proposals.json").json()
    assert body["kind"] == "proposals" and body["count"] == len(body["items"]) == 6
    assert {"receipt", "masked_text", "status_label", "district"} <= set(body["items"][0])
    assert "text" not in body["items"][0]
    topics = api.get("/api/admin/export/topics.json").json()
    assert topics["kind"] == "topics" and topics["count"] == len(topics["items"])
    assert api.get("/api/admin/export/topics.csv").content.startswith(b"\xef\xbb\xbf")
    for bad in ("users.csv", "proposals.xlsx"):
        resp = api.get(f"/api/admin/export/{bad}")
        assert resp.status_code == 404 and "내보낼 수 있는" in resp.json()["error"]["message"]
    resp = api.get("/api/admin/export/proposals")  # no extension: no such route
    assert resp.status_code == 404 and "찾을 수 없어요" in resp.json()["error"]["message"]
