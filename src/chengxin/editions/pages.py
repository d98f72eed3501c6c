"""Catalog and measure-list editing as pages: the text in force, the editions so far, and a form that
publishes a new version with a change note (the same service as the API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.callers import Caller, permit
from chengxin.cases.actors import actor_of
from chengxin.deps import SessionDep
from chengxin.editions import repository as repo
from chengxin.editions import service
from chengxin.editions.rules import KINDS
from chengxin.errors import DomainError, NotFound
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Editor = Annotated[Caller, permit("catalog.manage")]


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise NotFound("EDITION_KIND", "只能编辑目录（catalog）或措施清单（measures）")
    return kind


def _page(request: Request, session: SessionDep, kind: str, *, content: str | None = None, note: str = "",
          error: DomainError | None = None, saved: bool = False) -> HTMLResponse:
    version, text = service.text_in_force(session, kind)
    return render(request, "editions/edit.html", http_status=error.status if error else 200, kind=kind,
                  kind_label=KINDS[kind], kinds=KINDS, version=version, content=text if content is None else content,
                  note=note, editions=repo.of_kind(session, kind), error=error, saved=saved)


@router.get("/console/editions/{kind}", response_class=HTMLResponse)
def edit(kind: str, request: Request, caller: Editor, session: SessionDep, saved: str = "") -> HTMLResponse:
    """目录或措施清单：现行版本全文、历次修订，以及发布新版本的表单。"""
    return _page(request, session, _kind(kind), saved=saved == "1")


@router.post("/console/editions/{kind}", response_class=HTMLResponse)
def publish(kind: str, request: Request, caller: Editor, session: SessionDep,
            content: Annotated[str, Form(max_length=2_000_000)],
            change_note: Annotated[str, Form(max_length=2000)] = "") -> Response:
    """校验并发布新版本，立即生效；不通过时在原表单说明原因，已改的内容保留。"""
    kind = _kind(kind)
    try:
        _, catalog, measures = service.publish(session, kind, content, change_note, actor_of(caller))
    except DomainError as err:
        return _page(request, session, kind, content=content, note=change_note, error=err)
    request.app.state.catalog, request.app.state.measures = catalog, measures
    return RedirectResponse(f"/console/editions/{kind}?saved=1", status_code=303)
