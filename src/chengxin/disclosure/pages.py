"""Public portal pages (信用公示): the same masked, in-period search as the public API."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from chengxin.callers import permit
from chengxin.clock import today
from chengxin.deps import CatalogDep, KeysDep, SessionDep, lag_tolerant
from chengxin.disclosure import service
from chengxin.disclosure.repository import COUNT_CAP
from chengxin.matters.rules import LIST_LABELS
from chengxin.params import Int64
from chengxin.web.pages import cached_figures
from chengxin.web.render import pager, render

router = APIRouter(include_in_schema=False)
Name = Annotated[str, Query(max_length=50)]
Page = Annotated[Int64, Query(ge=1, le=500)]
Code = Annotated[str, Query(max_length=64)]
PUBLIC_LIST_LABELS = {code: LIST_LABELS[code] for code in ("black", "red")}
LIST_TABS = {"black": "黑名单", "red": "红名单"}
KINDS = {"person": "自然人", "organisation": "单位"}
SIZE = 20


def _choice(value: str, allowed: Iterable[str]) -> str:
    return value if value in allowed else ""


@router.get("/public/records", response_class=HTMLResponse, dependencies=[permit("public")])
@lag_tolerant
def records_page(request: Request, session: SessionDep, catalog: CatalogDep, keys: KeysDep, q: Name = "",
                 page: Page = 1, kind: Code = "", category: Code = "", department: Code = "") -> HTMLResponse:
    """信用公示：公示期内的行政处罚、行政许可等信息，可按姓名、证件号码、单位名称或统一社会信用代码查询，
    按主体类型、信息类别和部门筛选，身份信息脱敏。"""
    categories = {c.code: c.name for c in catalog.categories if not c.parent or c.parent == "XZGL"}
    kind, category = _choice(kind, KINDS), _choice(category, categories)
    department = _choice(department, catalog.departments)
    # With no search and no filter, the total is the home page's (counted every few minutes, not per page).
    whole = None if (q.strip() or kind or category or department) else cached_figures(request, session).records
    found = service.search_records(session, catalog, keys, request.app.state.tiers, as_of=today(), name=q.strip(),
                                   page=page, size=SIZE, kind=kind or None, category=category or None,
                                   department=department or None, total=whole)
    params = {"q": q.strip(), "kind": kind, "category": category, "department": department}
    return render(request, "disclosure/records.html", found=found, q=q.strip(), page=page, kind=kind,
                  category=category, department=department, kinds=KINDS.items(), categories=categories.items(),
                  departments=catalog.departments.items(), capped=found.total > COUNT_CAP,
                  pager=pager("/public/records", params, page=page, total=min(found.total, COUNT_CAP), size=SIZE))


@router.get("/public/records/{record_id}", response_class=HTMLResponse, dependencies=[permit("public")])
@lag_tolerant
def record_page(record_id: str, request: Request, session: SessionDep, catalog: CatalogDep,
                keys: KeysDep) -> HTMLResponse:
    """一条公示信息：法律依据、公示截止日与处理状态。"""
    rec = service.get_record(session, catalog, keys, request.app.state.tiers, record_id, today())
    return render(request, "disclosure/record.html", r=rec)


@router.get("/public/lists", response_class=HTMLResponse, dependencies=[permit("public")])
@lag_tolerant
def lists_page(request: Request, session: SessionDep, keys: KeysDep, catalog: CatalogDep,
               list_type: Annotated[str, Query(max_length=8)] = "black", q: Name = "", page: Page = 1,
               kind: Code = "", department: Code = "") -> HTMLResponse:
    """红黑名单公示：当前在列的严重失信主体（黑名单）和守信激励对象（红名单），分开列出并各有条数；
    写明列入的行为或事由；自然人姓名和证件号码脱敏，单位名称和统一社会信用代码完整显示。"""
    chosen = _choice(list_type, PUBLIC_LIST_LABELS) or "black"
    kind, department = _choice(kind, KINDS), _choice(department, catalog.departments)
    # With no search and no filter, the counts are the home page's (counted every few minutes, not per page).
    whole = None if (q.strip() or kind or department) else cached_figures(request, session).lists
    found = service.search_entries(session, keys, as_of=today(), list_type=chosen, name=q.strip(), page=page,
                                   size=SIZE, catalog=catalog, kind=kind or None, department=department or None,
                                   counts=whole)
    params = {"q": q.strip(), "kind": kind, "department": department}
    tabs = [(code, label, found.counts.get(code, 0), "/public/lists?" + urlencode(
        {k: v for k, v in {"list_type": code, **params}.items() if v})) for code, label in LIST_TABS.items()]
    return render(request, "disclosure/lists.html", found=found, q=q.strip(), page=page, list_type=chosen,
                  cap=COUNT_CAP, list_label=PUBLIC_LIST_LABELS[chosen], tabs=tabs, kind=kind, department=department,
                  kinds=KINDS.items(), departments=catalog.departments.items(),
                  pager=pager("/public/lists", {"list_type": chosen, **params}, page=page,
                              total=min(found.total, COUNT_CAP), size=SIZE))
