"""JSON API under /api/admin: OAuth2 password flow at /api/admin/token, bearer tokens on every other route."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response
from fastapi.security import OAuth2PasswordRequestForm

from civic.admin import audit, dashboard, users
from civic.admin.models import (
    AnswerIn,
    JobOut,
    ProposalDetail,
    ProposalPage,
    Token,
    TopicDetail,
    TopicSummary,
)
from web.admin import auth
from web.admin.deps import ApiAdmin, ApiWriter, AppSettings, DbDep, RowId, client_ip
from web.admin.exports import export_response
from web.errors import error_responses

# Every route reads or writes the database: a full disk or read-only file gives errors.py's storage 503.
router = APIRouter(prefix="/api/admin", tags=["admin"], responses=error_responses({503: "저장소를 쓸 수 없음"}))

_AUTH_ERRORS = error_responses({401: "토큰이 없거나 올바르지 않음", 403: "읽기 전용 계정"})
# Routes with parameters: FastAPI would otherwise document its own 422 body, which errors.py never sends.
_BAD_PARAMS = error_responses({422: "잘못된 매개변수"})
_NOT_FOUND = error_responses({404: "없는 번호"})
# Routes with a body: undecodable (400) or oversized (413, from the body-size middleware) bodies.
_BODY_ERRORS = error_responses({400: "본문을 읽을 수 없음", 413: "본문이 너무 큼"})


@router.post("/token", response_model=Token,
             responses={**_BODY_ERRORS, **error_responses({401: "아이디 또는 비밀번호가 틀림", 422: "필수 항목 누락",
                                                            429: "요청이 너무 많거나 잠김"})})
def token(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], db: DbDep,
          settings: AppSettings) -> Token:
    """OAuth2 password flow: form fields `username`, `password`; returns a bearer token valid for one hour."""
    ip = client_ip(request, settings)
    try:
        user = users.authenticate(db, form.username[:200], form.password[:1000], ip)
    except users.LoginError as exc:
        audit.record_failed_login(db, form.username, ip, locked=exc.status_code == 429)
        headers = {"WWW-Authenticate": "Bearer"}
        if isinstance(exc, users.LoginLocked):
            headers = {"Retry-After": str(exc.retry_after_s)}
        raise HTTPException(exc.status_code, exc.message, headers=headers) from None
    audit.record(db, user.username, "token", ip=ip)
    return Token(access_token=auth.issue_token(settings, user.id), expires_in=auth.TOKEN_LIFETIME_S)


@router.get("/topics", response_model=list[TopicSummary], responses={**_AUTH_ERRORS, **_BAD_PARAMS})
def topics(user: ApiAdmin, db: DbDep,
           sort: Annotated[str, Query(pattern="^(size|supports|growth)$")] = "size") -> list[TopicSummary]:
    return dashboard.list_topics(db, sort)


@router.get("/topics/{topic_id}", response_model=TopicDetail,
            responses={**_AUTH_ERRORS, **_BAD_PARAMS, **_NOT_FOUND})
def topic(topic_id: RowId, user: ApiAdmin, db: DbDep) -> TopicDetail:
    detail = dashboard.topic_detail(db, topic_id)
    if detail is None:
        raise HTTPException(404, "주제를 찾을 수 없어요.")
    return detail


@router.get("/proposals", response_model=ProposalPage, responses={**_AUTH_ERRORS, **_BAD_PARAMS})
def proposals(user: ApiAdmin, db: DbDep, settings: AppSettings,
              query: Annotated[str, Query(max_length=dashboard.MAX_QUERY_CHARS)] = "",
              mode: Annotated[str, Query(pattern="^(keyword|semantic)$")] = "keyword",
              limit: Annotated[int, Query(ge=1, le=500)] = 50,
              offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> ProposalPage:
    try:
        return dashboard.search_proposals(db, query, mode=mode, limit=limit, offset=offset, settings=settings)
    except dashboard.InputError as exc:
        raise HTTPException(422, exc.message) from None


@router.get("/proposals/{proposal_id}", response_model=ProposalDetail,
            responses={**_AUTH_ERRORS, **_BAD_PARAMS, **_NOT_FOUND})
def proposal(proposal_id: RowId, user: ApiAdmin, db: DbDep) -> ProposalDetail:
    detail = dashboard.proposal_detail(db, proposal_id)
    if detail is None:
        raise HTTPException(404, "제안을 찾을 수 없어요.")
    return detail


@router.post("/proposals/{proposal_id}/answer", response_model=ProposalDetail,
             responses={**_AUTH_ERRORS, **_NOT_FOUND, **_BODY_ERRORS,
                        **error_responses({422: "상태나 답변이 올바르지 않음"})})
def answer(proposal_id: RowId, body: AnswerIn, request: Request, user: ApiWriter, db: DbDep,
           settings: AppSettings) -> ProposalDetail:
    """Set the status (received/reviewing/answered/rejected or the Korean label) and the official answer."""
    try:
        result = dashboard.answer_proposal(db, proposal_id, body.status, body.answer, user.username,
                                           ip=client_ip(request, settings))
    except dashboard.NotFound:
        raise HTTPException(404, "제안을 찾을 수 없어요.") from None
    except dashboard.InputError as exc:
        raise HTTPException(422, exc.message) from None
    return result.proposal


@router.post("/recluster", response_model=JobOut, status_code=202, responses=_AUTH_ERRORS)
def recluster(request: Request, user: ApiWriter, db: DbDep, settings: AppSettings) -> JobOut:
    """Start a full re-cluster in the background; while one runs, that job is returned (`created: false`)."""
    return dashboard.start_recluster(db, settings, user.username, ip=client_ip(request, settings))


@router.get("/jobs/{job_id}", response_model=JobOut, responses={**_AUTH_ERRORS, **_BAD_PARAMS, **_NOT_FOUND})
def job(job_id: RowId, user: ApiAdmin, db: DbDep) -> JobOut:
    found = dashboard.get_job(db, job_id)
    if found is None:
        raise HTTPException(404, "작업을 찾을 수 없어요.")
    return found


@router.get("/export/{kind}.{fmt}", responses={**_AUTH_ERRORS, **_BAD_PARAMS, **_NOT_FOUND, 200: {
    "content": {"text/csv": {}, "application/json": {}},
    "description": "CSV (UTF-8 BOM, CRLF) or JSON; masked text only"}}, response_class=Response)
def export_file(kind: str, fmt: str, request: Request, user: ApiWriter, db: DbDep, settings: AppSettings) -> Response:
    """`proposals.csv`, `proposals.json`, `topics.csv`, `topics.json`."""
    return export_response(db, kind, fmt, user.username, client_ip(request, settings))
