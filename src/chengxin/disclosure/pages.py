"""Public portal pages (信用公示): the same masked, in-period search as the public API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from chengxin.callers import permit
from chengxin.clock import today
from chengxin.deps import CatalogDep, KeysDep, SessionDep
from chengxin.disclosure import service
from chengxin.matters.rules import LIST_LABELS
from chengxin.params import Int64
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Name = Annotated[str, Query(max_length=50)]
Page = Annotated[Int64, Query(ge=1, le=500)]
PUBLIC_LIST_LABELS = {code: LIST_LABELS[code] for code in ("black", "red")}


@router.get("/public/records", response_class=HTMLResponse, dependencies=[permit("public")])
def records_page(request: Request, session: SessionDep, catalog: CatalogDep, keys: KeysDep, q: Name = "",
                 page: Page = 1) -> HTMLResponse:
    """信用公示：公示期内的行政处罚、行政许可等信息，按姓名（全名）查询，身份信息脱敏。"""
    name = q.strip() or None
    found = service.search_records(session, catalog, keys, request.app.state.tiers, as_of=today(), name=name,
                                   page=page)
    return render(request, "disclosure/records.html", found=found, q=q.strip(), page=page)


@router.get("/public/records/{record_id}", response_class=HTMLResponse, dependencies=[permit("public")])
def record_page(record_id: str, request: Request, session: SessionDep, catalog: CatalogDep,
                keys: KeysDep) -> HTMLResponse:
    """一条公示信息：法律依据、公示截止日与处理状态。"""
    rec = service.get_record(session, catalog, keys, request.app.state.tiers, record_id, today())
    return render(request, "disclosure/record.html", r=rec)


@router.get("/public/lists", response_class=HTMLResponse, dependencies=[permit("public")])
def lists_page(request: Request, session: SessionDep, keys: KeysDep,
               list_type: Annotated[str, Query(max_length=8)] = "", q: Name = "", page: Page = 1) -> HTMLResponse:
    """红黑名单公示：当前在列的严重失信主体和守信激励对象，身份信息脱敏。"""
    kind = list_type if list_type in PUBLIC_LIST_LABELS else ""
    found = service.search_entries(session, keys, as_of=today(), list_type=kind or None, name=q.strip() or None,
                                   page=page)
    return render(request, "disclosure/lists.html", found=found, q=q.strip(), page=page, list_type=kind,
                  list_types=PUBLIC_LIST_LABELS.items())
