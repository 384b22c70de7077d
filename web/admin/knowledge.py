"""Dashboard pages that edit the knowledge base (knowledge/entries.yml) without code.

Thin: the rules live in knowledge.editing (validation, grounding in the seed articles, conflict check, atomic save).
The action server reloads the file when it changes, so a saved edit reaches citizens in seconds, no Rasa retraining.
"""
from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from civic.admin import audit
from knowledge.base import KnowledgeBaseError, KnowledgeData
from knowledge.editing import (
    EditError,
    EntryForm,
    EntryNotFound,
    delete_entry,
    file_version,
    read_versioned,
    save_entry,
)
from web.admin.deps import AdminSession, AppSettings, DbDep, WriterSession, client_ip
from web.admin.pages import not_found, render

log = logging.getLogger(__name__)

router = APIRouter(prefix="/admin/knowledge", include_in_schema=False)

EntryId = Annotated[str, Path(max_length=48)]
Text = Annotated[str, Form(max_length=20000)]
Rows = Annotated[list[str], Form()]
WRITE_FAILED = "지식베이스 파일을 저장할 수 없어요(저장 공간이 부족하거나 읽기 전용이에요). 아무것도 바뀌지 않았어요."
EMPTY_FIGURE_ROWS = 3  # blank rows under the figures, for new ones
SAVED = {"saved": "저장했어요. 몇 초 안에 챗봇 답변에 반영돼요 (Rasa 재학습은 필요 없어요).",
         "created": "새 항목을 추가했어요. 몇 초 안에 챗봇 답변에 반영돼요.",
         "deleted": "항목을 지웠어요. 챗봇은 더 이상 이 항목으로 답하지 않아요."}


def _load(settings) -> tuple[KnowledgeData | None, str, list[str]]:
    """The file, its version and, if it cannot be used, the Korean problems (shown; the bot keeps the last good one)."""
    path = settings.knowledge_path
    try:
        data, version = read_versioned(path)
        return data, version, []
    except KnowledgeBaseError as exc:
        try:
            version = file_version(path)
        except OSError:
            version = ""
        return None, version, exc.errors


def _form_page(request: Request, session, data: KnowledgeData, form: EntryForm, *, version: str,
               original_id: str | None, errors: list[str] | None = None, status_code: int = 200) -> HTMLResponse:
    figures = list(zip(form.figure_values, form.figure_quotes, form.figure_sources, strict=False))
    figures += [("", "", "")] * EMPTY_FIGURE_ROWS
    buttons = list(zip(form.button_titles, form.button_payloads, strict=False)) + [("", "")]
    return render(request, "knowledge_entry.html", session, status_code=status_code, nav="knowledge", form=form,
                  figures=figures, buttons=buttons, sources=data.sources, version=version, original_id=original_id,
                  errors=errors or [])


@router.get("")
def entries(request: Request, session: AdminSession, settings: AppSettings) -> HTMLResponse:
    data, _, problems = _load(settings)
    flash = SAVED.get(request.query_params.get("done", ""))
    return render(request, "knowledge.html", session, nav="knowledge", data=data, problems=problems,
                  flashes=[flash] if flash else [])


@router.get("/new")
def new_entry(request: Request, session: AdminSession, settings: AppSettings) -> HTMLResponse:
    data, version, problems = _load(settings)
    if data is None:
        return _broken(request, session, problems)
    return _form_page(request, session, data, EntryForm(sources=[]), version=version, original_id=None)


@router.get("/{entry_id}")
def entry(request: Request, entry_id: EntryId, session: AdminSession, settings: AppSettings) -> HTMLResponse:
    data, version, problems = _load(settings)
    if data is None:
        return _broken(request, session, problems)
    found = data.by_id.get(entry_id)
    if found is None:
        return not_found(request, session, "지식 항목")
    return _form_page(request, session, data, EntryForm.from_entry(found), version=version, original_id=entry_id)


def entry_form(id: Annotated[str, Form(max_length=200)] = "", title: Text = "", answer: Text = "",
               aliases: Text = "", questions: Text = "", unknowns: Text = "", note: Text = "",
               sources: Rows = [], figure_value: Rows = [], figure_quote: Rows = [],  # noqa: B006
               figure_source: Rows = [], button_title: Rows = [], button_payload: Rows = []) -> EntryForm:  # noqa: B006
    # Repeated fields (one per figure row) arrive as lists in the order of the form's rows.
    return EntryForm(id, title, answer, aliases, questions, unknowns, note, sources, figure_value, figure_quote,
                     figure_source, button_title, button_payload)


FormDep = Annotated[EntryForm, Depends(entry_form)]
Version = Annotated[str, Form(max_length=64)]


@router.post("")
def create(request: Request, session: WriterSession, db: DbDep, settings: AppSettings, form: FormDep,
           version: Version = "") -> Response:
    return _save(request, session, db, settings, form, version=version, original_id=None)


@router.post("/{entry_id}")
def update(request: Request, entry_id: EntryId, session: WriterSession, db: DbDep, settings: AppSettings,
           form: FormDep, version: Version = "") -> Response:
    return _save(request, session, db, settings, form, version=version, original_id=entry_id)


def _save(request: Request, session, db, settings, form: EntryForm, *, version: str,
          original_id: str | None) -> Response:
    try:
        saved = save_entry(settings.knowledge_path, form, original_id=original_id, expected_version=version,
                           seeds_dir=settings.seeds_dir)
    except EntryNotFound:
        return not_found(request, session, "지식 항목")
    except (EditError, KnowledgeBaseError, OSError) as exc:
        data, current, problems = _load(settings)
        if data is None:
            return _broken(request, session, problems)
        # The form keeps what the editor typed; the version stays the one they started from, so a conflict
        # keeps being reported until they reload the page and see the other edit.
        if isinstance(exc, OSError):  # a full disk or a read-only folder: nothing was written
            log.error("knowledge base not saved: %s", type(exc).__name__)
            return _form_page(request, session, data, form, version=version, original_id=original_id,
                              errors=[WRITE_FAILED], status_code=503)
        return _form_page(request, session, data, form, version=version, original_id=original_id,
                          errors=exc.errors, status_code=409 if current != version else 422)
    action = "knowledge_create" if original_id is None else "knowledge_edit"
    audit.record(db, session.user.username, action, target_type="knowledge", target_id=saved.id,
                 ip=client_ip(request, settings))
    log.info("knowledge entry %s by %s", action, session.user.username)
    done = "created" if original_id is None else "saved"
    return RedirectResponse(f"/admin/knowledge?done={done}", status_code=303)


@router.post("/{entry_id}/delete")
def delete(request: Request, entry_id: EntryId, session: WriterSession, db: DbDep, settings: AppSettings,
           version: Version = "",
           confirm: Annotated[str, Form(max_length=10)] = "") -> Response:
    data, current, problems = _load(settings)
    if data is None:
        return _broken(request, session, problems)
    if entry_id not in data.by_id:
        return not_found(request, session, "지식 항목")
    if confirm != "yes":
        return _form_page(request, session, data, EntryForm.from_entry(data.by_id[entry_id]), version=current,
                          original_id=entry_id, errors=["지우려면 '이 항목을 지웁니다'에 체크해 주세요."],
                          status_code=422)
    try:
        delete_entry(settings.knowledge_path, entry_id, expected_version=version)
    except OSError:
        log.error("knowledge base not saved (delete)")
        return _form_page(request, session, data, EntryForm.from_entry(data.by_id[entry_id]), version=version,
                          original_id=entry_id, errors=[WRITE_FAILED], status_code=503)
    except EditError as exc:
        return _form_page(request, session, data, EntryForm.from_entry(data.by_id[entry_id]), version=version,
                          original_id=entry_id, errors=exc.errors, status_code=409 if current != version else 422)
    audit.record(db, session.user.username, "knowledge_delete", target_type="knowledge", target_id=entry_id,
                 ip=client_ip(request, settings))
    return RedirectResponse("/admin/knowledge?done=deleted", status_code=303)


def _broken(request: Request, session, problems: list[str]) -> HTMLResponse:
    return render(request, "knowledge.html", session, status_code=503, nav="knowledge", data=None, problems=problems)
