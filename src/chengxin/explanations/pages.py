"""Explanation pages: the person writes, edits or withdraws their explanation of a matter, from its card."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.callers import Caller, permit
from chengxin.cases import targets
from chengxin.deps import CatalogDep, SessionDep
from chengxin.errors import DomainError
from chengxin.explanations import repository as repo
from chengxin.explanations import service
from chengxin.explanations.rules import MAX_CHARS
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Person = Annotated[Caller, permit("person.own")]


def _form(request: Request, session: SessionDep, catalog: CatalogDep, person_key: str, matter_id: str,
          text: str | None = None, error: DomainError | None = None) -> HTMLResponse:
    target = targets.find(session, catalog, person_key, "matter", matter_id)
    current = repo.get(session, person_key, target.id)
    return render(request, "explanations/form.html", http_status=error.status if error else 200, target=target,
                  saved=current, text=text if text is not None else (current.text if current else ""),
                  errors={"text": error.message} if error else {}, max_chars=MAX_CHARS,
                  department=catalog.departments.get(target.department_code, target.department_code))


@router.get("/me/matters/{matter_id}/explanation", response_class=HTMLResponse)
def explanation_page(matter_id: str, request: Request, caller: Person, session: SessionDep,
                     catalog: CatalogDep) -> HTMLResponse:
    """对本人失信事项的解释：写明情况，随事项一并显示；可修改、可撤回。"""
    assert caller.person_key is not None
    return _form(request, session, catalog, caller.person_key, matter_id)


@router.post("/me/matters/{matter_id}/explanation")
def save_page(matter_id: str, request: Request, caller: Person, session: SessionDep, catalog: CatalogDep,
              text: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """保存解释；不符合要求时回到同一表单，保留已填写的内容。"""
    assert caller.person_key is not None
    try:
        row = service.save(session, caller=caller, person_key=caller.person_key, matter_id=matter_id, text=text)
    except DomainError as err:
        if err.status == 404:
            raise
        session.rollback()
        return _form(request, session, catalog, caller.person_key, matter_id, text, err)
    return RedirectResponse(f"/me/file#m-{row.matter_id}", status_code=303)


@router.post("/me/matters/{matter_id}/explanation/withdraw")
def withdraw_page(matter_id: str, caller: Person, session: SessionDep) -> Response:
    """撤回解释：不再随事项显示。"""
    assert caller.person_key is not None
    service.withdraw(session, caller=caller, person_key=caller.person_key, matter_id=matter_id)
    return RedirectResponse(f"/me/file#m-{matter_id[:26]}", status_code=303)
