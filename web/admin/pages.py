"""HTML pages of the dashboard under /admin (session cookie + CSRF). Thin: data comes from civic.admin.dashboard."""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader

from civic.admin import audit, dashboard, sessions, users
from civic.admin.models import JobOut
from civic.channels import CHANNEL_LABELS
from civic.proposals import STATUS_LABELS
from web.admin import auth
from web.admin.deps import (
    AdminSession,
    AppSettings,
    CsrfSession,
    DbDep,
    ExportSession,
    OptionalSession,
    RowId,
    WriterSession,
    client_ip,
)
from web.admin.exports import export_response

router = APIRouter(prefix="/admin", include_in_schema=False)

TEMPLATES = Jinja2Templates(env=Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                                            autoescape=True))
KST = timezone(timedelta(hours=9))


def kst(value: str | None) -> str:
    """Stored UTC ISO time -> Korean local time for display."""
    try:
        return datetime.fromisoformat(value).astimezone(KST).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return value or "-"


TEMPLATES.env.filters["kst"] = kst
# No inline script or style anywhere, so the policy can forbid both: injected markup cannot run.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
JOB_STATES = {"queued": "대기 중", "running": "진행 중", "done": "완료", "failed": "실패"}
SORTS = [("size", "제안 수"), ("supports", "공감 수"), ("growth", "증가세")]
PAGE_SIZE = 50
# Messages shown after a redirect (?saved=...): the POST-redirect-GET pattern keeps reloads harmless.
_SAVED = {"answer": "저장했어요. 시민이 처리 상태를 물으면 이 내용을 볼 수 있어요.", "note": "메모를 저장했어요.",
          "recluster": "주제 다시 묶기를 시작했어요.", "running": "이미 진행 중인 작업이 있어요. 그 작업의 진행 상황을 보여 드려요."}


def render(request: Request, name: str, session: sessions.Session | None = None, status_code: int = 200,
           **context) -> HTMLResponse:
    saved = _SAVED.get(request.query_params.get("saved", ""))
    context.setdefault("flashes", [saved] if saved else [])
    response = TEMPLATES.TemplateResponse(
        request, name, {"user": session.user if session else None,
                        "csrf_token": session.csrf_token if session else "", **context},
        status_code=status_code)
    response.headers.update(SECURITY_HEADERS)
    return response


def not_found(request: Request, session: sessions.Session, what: str) -> HTMLResponse:
    return render(request, "error.html", session, status_code=404, title="찾을 수 없어요",
                  message=f"요청하신 {what}을(를) 찾을 수 없어요. 삭제되었거나 번호가 잘못되었을 수 있어요.")


def _safe_next(target: str | None) -> str:
    # Only local dashboard paths: never an open redirect to another site.
    if target and target.startswith("/admin") and not target.startswith("//") and "\\" not in target:
        return target
    return "/admin"


# ------------------------------------------------------------------ login / logout
@router.get("/login")
def login_form(request: Request, settings: AppSettings, session: OptionalSession,
               next: Annotated[str, Query(max_length=500)] = "/admin") -> Response:
    if session is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, settings, next)


def _login_page(request: Request, settings, next: str, error: str | None = None, username: str = "",
                status_code: int = 200, headers: dict | None = None) -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", None, status_code=status_code, login_csrf=token,
                      next=_safe_next(next), error=error, username=username)
    auth.set_login_csrf(response, settings, token)
    response.headers.update(headers or {})
    return response


@router.post("/login")
def login(request: Request, db: DbDep, settings: AppSettings,
          username: Annotated[str, Form(max_length=200)] = "", password: Annotated[str, Form(max_length=1000)] = "",
          csrf_token: Annotated[str, Form(max_length=200)] = "", next: Annotated[str, Form(max_length=500)] = "/admin",
          ) -> Response:
    if not auth.csrf_ok(auth.login_csrf(settings, request.cookies.get(auth.LOGIN_CSRF_COOKIE)), csrf_token):
        return _login_page(request, settings, next, "로그인 화면이 만료됐어요. 다시 시도해 주세요.", username[:64],
                           status_code=403)
    ip = client_ip(request, settings)
    try:
        user = users.authenticate(db, username, password, ip)
    except users.LoginError as exc:
        audit.record_failed_login(db, username, ip, locked=exc.status_code == 429)
        headers = {"Retry-After": str(exc.retry_after_s)} if isinstance(exc, users.LoginLocked) else None
        return _login_page(request, settings, next, exc.message, username[:64], status_code=exc.status_code,
                           headers=headers)
    token, _ = sessions.create_session(db, user)
    audit.record(db, user.username, "login", ip=ip)
    response = RedirectResponse(_safe_next(next), status_code=303)
    auth.set_session_cookie(response, settings, token)
    response.delete_cookie(auth.LOGIN_CSRF_COOKIE, path="/admin/login")
    return response


@router.post("/logout")
def logout(request: Request, session: CsrfSession, db: DbDep, settings: AppSettings) -> Response:
    token = auth.session_token(settings, request.cookies.get(auth.SESSION_COOKIE))
    if token:
        sessions.end_session(db, token)
    audit.record(db, session.user.username, "logout", ip=client_ip(request, settings))
    response = RedirectResponse("/admin/login", status_code=303)
    auth.clear_session_cookie(response, settings)
    return response


# ------------------------------------------------------------------ pages
@router.get("")
def overview(request: Request, session: AdminSession, db: DbDep, settings: AppSettings) -> HTMLResponse:
    job = dashboard.latest_job(db)
    return render(request, "overview.html", session, nav="overview", overview=dashboard.overview(db), job=job,
                  job_states=JOB_STATES, embedder=dashboard.embedder_info(settings))


@router.get("/topics")
def topics(request: Request, session: AdminSession, db: DbDep,
           sort: Annotated[str, Query(pattern="^(size|supports|growth)$")] = "size") -> HTMLResponse:
    return render(request, "topics.html", session, nav="topics", topics=dashboard.list_topics(db, sort),
                  sort=sort, sorts=SORTS, has_proposals=dashboard.has_proposals(db))


@router.get("/topics/{topic_id}")
def topic(request: Request, topic_id: RowId, session: AdminSession, db: DbDep) -> HTMLResponse:
    detail = dashboard.topic_detail(db, topic_id)
    if detail is None:
        return not_found(request, session, "주제")
    return render(request, "topic.html", session, nav="topics", topic=detail)


@router.post("/topics/{topic_id}/notes")
def add_note(request: Request, topic_id: RowId, session: WriterSession, db: DbDep, settings: AppSettings,
             note: Annotated[str, Form(max_length=20000)] = "") -> Response:
    if dashboard.topic_detail(db, topic_id, with_proposals=False) is None:
        return not_found(request, session, "주제")
    try:
        dashboard.add_topic_note(db, topic_id, note, session.user.username, ip=client_ip(request, settings))
    except dashboard.InputError as exc:
        return render(request, "error.html", session, status_code=422, title="메모를 저장하지 못했어요",
                      message=exc.message, back=f"/admin/topics/{topic_id}")
    return RedirectResponse(f"/admin/topics/{topic_id}?saved=note", status_code=303)


@router.get("/proposals/{proposal_id}")
def proposal(request: Request, proposal_id: RowId, session: AdminSession, db: DbDep) -> HTMLResponse:
    detail = dashboard.proposal_detail(db, proposal_id)
    if detail is None:
        return not_found(request, session, "제안")
    return render(request, "proposal.html", session, nav="search", p=detail, statuses=STATUS_LABELS,
                  channel_labels=CHANNEL_LABELS)


@router.post("/proposals/{proposal_id}/answer")
def answer(request: Request, proposal_id: RowId, session: WriterSession, db: DbDep, settings: AppSettings,
           status: Annotated[str, Form(max_length=20)] = "", answer: Annotated[str, Form(max_length=20000)] = "",
           ) -> Response:
    try:
        dashboard.answer_proposal(db, proposal_id, status, answer, session.user.username,
                                  ip=client_ip(request, settings))
    except dashboard.NotFound:
        return not_found(request, session, "제안")
    except dashboard.InputError as exc:
        detail = dashboard.proposal_detail(db, proposal_id)
        return render(request, "proposal.html", session, status_code=422, nav="search", p=detail,
                      statuses=STATUS_LABELS, channel_labels=CHANNEL_LABELS, form_error=exc.message,
                      form_status=status, form_answer=answer)
    return RedirectResponse(f"/admin/proposals/{proposal_id}?saved=answer", status_code=303)


@router.get("/search")
def search(request: Request, session: AdminSession, db: DbDep, settings: AppSettings,
           q: Annotated[str, Query(max_length=200)] = "",
           mode: Annotated[str, Query(pattern="^(keyword|semantic)$")] = "keyword",
           offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> HTMLResponse:
    error = None
    try:
        page = dashboard.search_proposals(db, q, mode=mode, limit=PAGE_SIZE, offset=offset, settings=settings)
    except dashboard.InputError as exc:
        error = exc.message
        page = dashboard.search_proposals(db, "", limit=PAGE_SIZE)
    prev_url = next_url = None
    if mode == "keyword":
        if offset > 0:
            prev_url = "/admin/search?" + urlencode({"q": q, "mode": mode, "offset": max(0, offset - PAGE_SIZE)})
        if offset + PAGE_SIZE < page.total:
            next_url = "/admin/search?" + urlencode({"q": q, "mode": mode, "offset": offset + PAGE_SIZE})
    return render(request, "search.html", session, nav="search", page=page, search_error=error,
                  has_proposals=dashboard.has_proposals(db), prev_url=prev_url, next_url=next_url)


@router.post("/recluster")
def recluster(request: Request, session: WriterSession, db: DbDep, settings: AppSettings) -> Response:
    job = dashboard.start_recluster(db, settings, session.user.username, ip=client_ip(request, settings))
    return RedirectResponse(f"/admin?saved={'recluster' if job.created else 'running'}", status_code=303)


@router.get("/jobs/{job_id}", response_model=JobOut)
def job(job_id: RowId, session: AdminSession, db: DbDep) -> JSONResponse:
    found = dashboard.get_job(db, job_id)
    if found is None:
        raise HTTPException(404, "작업을 찾을 수 없어요.")
    return JSONResponse(found.model_dump(), headers={"Cache-Control": "no-store"})


@router.get("/audit")
def audit_log(request: Request, session: AdminSession, db: DbDep) -> HTMLResponse:
    return render(request, "audit.html", session, nav="audit", entries=audit.recent(db, limit=200))


@router.get("/export/{kind}.{fmt}")
def export_file(request: Request, kind: str, fmt: str, session: ExportSession, db: DbDep,
                settings: AppSettings) -> Response:
    return export_response(db, kind, fmt, session.user.username, client_ip(request, settings))
