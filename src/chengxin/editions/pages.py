"""Catalog and measure-list editing as pages: the text in force, the editions so far, and a form that
publishes a new version with a change note (the same service as the API)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.callers import Caller, permit
from chengxin.cases.actors import actor_of
from chengxin.catalog import supplement
from chengxin.clock import today
from chengxin.deps import SessionDep
from chengxin.editions import forms, service
from chengxin.editions import repository as repo
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
    rows = [(e.get("code", ""), e.get("name", "")) for e in forms.entries(forms.document(text), kind)]
    return render(request, "editions/edit.html", http_status=error.status if error else 200, kind=kind,
                  kind_label=KINDS[kind], kinds=KINDS, version=version, content=text if content is None else content,
                  note=note, editions=repo.of_kind(session, kind), error=error, saved=saved, rows=rows)


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
    request.app.state.catalog, request.app.state.measures = supplement.in_force(request.app.state, catalog), measures
    request.app.state.points = service.points_model(session)
    return RedirectResponse(f"/console/editions/{kind}?saved=1", status_code=303)


def _entry_page(request: Request, session: SessionDep, kind: str, code: str, *, typed: dict[str, str] | None = None,
                version: str = "", note: str = "", errors: dict[str, str] | None = None,
                changes: list[forms.Change] | None = None) -> HTMLResponse:
    in_force, text = service.text_in_force(session, kind)
    found = forms.entry(forms.document(text), kind, code)
    if found is None:
        raise NotFound("EDITION_ENTRY_NOT_FOUND", f"现行版本中没有 {code}")
    taken = {e.version for e in repo.of_kind(session, kind)}
    return render(request, "editions/entry.html", kind=kind, kind_label=KINDS[kind], code=code,
                  name=found.get("name", code), fields=forms.fields_for(kind, found),
                  values=typed or forms.values_of(kind, found), in_force=in_force,
                  version=version or forms.next_version(in_force, taken), note=note, errors=errors or {},
                  changes=changes)


@router.get("/console/editions/{kind}/entries/{code}", response_class=HTMLResponse)
def entry_form(kind: str, code: str, request: Request, caller: Editor, session: SessionDep) -> HTMLResponse:
    """修改目录中的一个信息项或清单中的一项措施：逐项填写，先校验并查看与现行版本的差异，再发布。"""
    return _entry_page(request, session, _kind(kind), code[:40])


# Which field of the entry form an error is about ("" is the whole form).
ENTRY_FIELDS = {"EDITION_NOTE_REQUIRED": "change_note", "EDITION_VERSION_EXISTS": "version",
                "EDITION_BASIS_FORMAT": "legal_basis",
                "EDITION_VERSION_REQUIRED": "version"}


Field = Annotated[str, Form(max_length=20_000)]


@router.post("/console/editions/{kind}/entries/{code}", response_class=HTMLResponse)
def entry_submit(kind: str, code: str, request: Request, caller: Editor, session: SessionDep,
                 step: Annotated[str, Form(max_length=10)] = "validate",
                 version: Annotated[str, Form(max_length=40)] = "",
                 change_note: Annotated[str, Form(max_length=2000)] = "", name: Field = "", disclosure: Field = "",
                 severity: Field = "", legal_basis: Field = "", description: Field = "",
                 blocks_when_disputed: Field = "", nature: Field = "") -> Response:
    """第一步“校验”：按发布的同一套规则校验，显示与现行版本的差异，不保存；第二步“发布”：再校验一次后发布，立即生效。
    不通过时回到表单，说明原因并保留所填内容。"""
    kind, code = _kind(kind), code[:40]
    sent = {"name": name, "disclosure": disclosure, "severity": severity, "legal_basis": legal_basis,
            "description": description, "blocks_when_disputed": blocks_when_disputed, "nature": nature}
    _, current_text = service.text_in_force(session, kind)
    found = forms.entry(forms.document(current_text), kind, code)
    if found is None:
        raise NotFound("EDITION_ENTRY_NOT_FOUND", f"现行版本中没有 {code}")
    typed = {f.key: sent[f.key] for f in forms.fields_for(kind, found)}
    try:
        content, changes = forms.apply(forms.document(current_text), kind, code, typed, version=version,
                                       note=change_note, day=today())
        if len(" ".join(change_note.split())) < 4:
            raise DomainError("EDITION_NOTE_REQUIRED", "请写明修订说明（至少 4 个字）", 422)
        if step != "publish":
            service.check(session, kind, content)
            return _entry_page(request, session, kind, code, typed=typed, version=version, note=change_note,
                               changes=changes)
        _, catalog, measures = service.publish(session, kind, content, change_note, actor_of(caller))
    except DomainError as err:
        return _entry_page(request, session, kind, code, typed=typed, version=version, note=change_note,
                           errors={ENTRY_FIELDS.get(err.code, ""): err.message})
    request.app.state.catalog, request.app.state.measures = supplement.in_force(request.app.state, catalog), measures
    request.app.state.points = service.points_model(session)
    return RedirectResponse(f"/console/editions/{kind}?saved=1", status_code=303)
