"""Topics in the dashboard and the API after a real background re-cluster: single flight, stable data, notes."""
# ruff: noqa: F811  (pytest fixtures imported from admin_support)
import time

import pytest

from civic.admin import audit
from civic.db import open_migrated
from tests.app.admin_support import (  # noqa: F401
    XSS,
    admin_accounts,
    bearer,
    fast_hasher,
    login,
    page_csrf,
    seed_themed,
)


def _wait(client, job_id, headers, timeout_s=180):
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        job = client.get(f"/api/admin/jobs/{job_id}", headers=headers).json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.5)
    pytest.fail(f"re-cluster job {job_id} still {job['state']} after {timeout_s} s")


@pytest.fixture
def clustered(client, admin_accounts, settings):
    """Proposals seeded through the proposal service, then one re-cluster started twice through the API."""
    seed_themed(settings)
    headers = bearer(client)
    first = client.post("/api/admin/recluster", headers=headers)
    second = client.post("/api/admin/recluster", headers=headers)
    assert first.status_code == second.status_code == 202
    assert first.json()["created"] is True
    assert second.json()["created"] is False and second.json()["id"] == first.json()["id"], "one job"
    job = _wait(client, first.json()["id"], headers)
    assert job["state"] == "done", job
    return headers, first.json()["id"]


def test_topics_api_after_recluster(client, settings, clustered):
    headers, job_id = clustered
    topics = client.get("/api/admin/topics", headers=headers).json()
    assert len(topics) >= 2
    assert [t["size"] for t in topics] == sorted((t["size"] for t in topics), reverse=True)
    top = topics[0]
    assert top["size"] >= 5 and top["label"] and top["trend"] and top["districts"]
    detail = client.get(f"/api/admin/topics/{top['id']}", headers=headers).json()
    assert detail["representative_ids"]
    assert [p["id"] for p in detail["proposals"][:len(detail["representative_ids"])]] == detail["representative_ids"]
    assert all(p["topic_id"] == top["id"] for p in detail["proposals"])
    by_growth = client.get("/api/admin/topics", params={"sort": "growth"}, headers=headers).json()
    assert [t["growth"] for t in by_growth] == sorted((t["growth"] for t in by_growth), reverse=True)
    assert client.get("/api/admin/topics", params={"sort": "label; drop"}, headers=headers).status_code == 422

    db = open_migrated(settings.db_path)
    assert [e.target_id for e in audit.recent(db) if e.action == "recluster"] == [str(job_id)], "audited once"


def test_topic_pages_notes_and_export(client, clustered):
    headers, _ = clustered
    topics = client.get("/api/admin/topics", headers=headers).json()
    login(client)
    page = client.get("/admin/topics").text
    assert all(t["label"] in page for t in topics) and "data-spark" in page
    tid = topics[0]["id"]
    token = page_csrf(client, f"/admin/topics/{tid}")
    resp = client.post(f"/admin/topics/{tid}/notes", files={"csrf_token": (None, token),
                                                            "note": (None, f"현장 확인 예정 {XSS}")},
                       follow_redirects=False)
    assert resp.status_code == 303
    html = client.get(f"/admin/topics/{tid}").text
    assert "현장 확인 예정" in html and "<script>alert" not in html and 'data-chart="chart-topic-district"' in html
    assert client.get(f"/api/admin/topics/{tid}", headers=headers).json()["notes"][0]["author"] == "kim"

    rows = client.get("/api/admin/export/topics.csv", headers=headers).content.decode("utf-8-sig").splitlines()
    assert rows[0].startswith("주제 번호,주제,제안 수") and len(rows) == len(topics) + 1


def test_dashboard_button_started_twice_runs_one_job(client, admin_accounts, settings):
    seed_themed(settings)
    login(client)
    token = page_csrf(client)
    first = client.post("/admin/recluster", data={"csrf_token": token}, follow_redirects=False)
    second = client.post("/admin/recluster", data={"csrf_token": token}, follow_redirects=False)
    assert first.headers["location"] == "/admin?saved=recluster"
    assert second.headers["location"] == "/admin?saved=running"
    page = client.get("/admin?saved=running").text
    assert "이미 진행 중인 작업" in page and 'id="job"' in page
    db = open_migrated(settings.db_path)
    [job_id] = [e.target_id for e in audit.recent(db) if e.action == "recluster"]
    job = client.get(f"/admin/jobs/{job_id}").json()
    assert job["state"] in ("queued", "running", "done") and 0 <= job["progress"] <= 1
    _wait(client, int(job_id), bearer(client))
