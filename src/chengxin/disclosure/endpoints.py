"""Public disclosure API (信用公示): masked, in period, no minors; anyone may call it (rate-limited)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request

from chengxin.callers import permit
from chengxin.clock import today
from chengxin.deps import CatalogDep, KeysDep, SessionDep, lag_tolerant
from chengxin.disclosure import schemas as s
from chengxin.disclosure import service
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.params import Int64

router = APIRouter(prefix="/api/v1/public", tags=["信用公示"], responses=PROBLEM_RESPONSES)
Name = Annotated[str | None, Query(max_length=50, description="按姓名精确查询（全名）")]
Page = Annotated[Int64, Query(ge=1, le=500, description="页码")]


@router.get("/records", response_model=s.PublicRecordPage, summary="行政许可、行政处罚等公示信息",
            dependencies=[permit("public")])
@lag_tolerant
def public_records(request: Request, session: SessionDep, catalog: CatalogDep, keys: KeysDep, q: Name = None,
                   page: Page = 1) -> s.PublicRecordPage:
    """公示期内的公开信息（双公示等），姓名和证件号码脱敏；未成年人信息、已修复和已撤销的信息不公示。"""
    return service.search_records(session, catalog, keys, request.app.state.tiers, as_of=today(),
                                  name=(q or "").strip() or None, page=page)


@router.get("/records/{record_id}", response_model=s.PublicRecord, summary="公示信息详情",
            dependencies=[permit("public")])
@lag_tolerant
def public_record(record_id: str, request: Request, session: SessionDep, catalog: CatalogDep,
                  keys: KeysDep) -> s.PublicRecord:
    """一条公示信息：法律依据与公示截止日。"""
    return service.get_record(session, catalog, keys, request.app.state.tiers, record_id, today())


@router.get("/lists", response_model=s.PublicEntryPage, summary="红黑名单公示", dependencies=[permit("public")])
@lag_tolerant
def public_lists(session: SessionDep, keys: KeysDep, catalog: CatalogDep,
                 list_type: Annotated[Literal["black", "red"] | None, Query(
                     description="black 严重失信主体名单 / red 守信激励对象名单；缺省为两者")] = None,
                 q: Name = None, page: Page = 1) -> s.PublicEntryPage:
    """当前在列的红黑名单（重点关注名单不公开），姓名和证件号码脱敏，不含未成年人。"""
    return service.search_entries(session, keys, as_of=today(), list_type=list_type, name=(q or "").strip() or None,
                                  page=page, catalog=catalog)
