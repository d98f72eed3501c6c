"""Edition API: the credit office publishes new versions of the catalog and the measure list."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request

from chengxin.callers import Caller, permit
from chengxin.cases.actors import actor_of
from chengxin.catalog import supplement
from chengxin.deps import SessionDep
from chengxin.editions import repository as repo
from chengxin.editions import service
from chengxin.editions.schemas import EditionIn, EditionList, EditionOut, EditionText
from chengxin.errors import PROBLEM_RESPONSES, NotFound

router = APIRouter(prefix="/api/v1/editions", tags=["目录与措施清单修订"], responses=PROBLEM_RESPONSES)
Editor = Annotated[Caller, permit("catalog.manage")]
Kind = Annotated[Literal["catalog", "measures", "points"],
                 Path(description="catalog 目录 / measures 措施清单 / points 诚信积分模型")]


def apply(request: Request, session: SessionDep) -> None:
    """Serve what is now in force from this process at once (others follow the editions counter
    within `sync_seconds`, `app.follow_editions`)."""
    catalog, request.app.state.points, request.app.state.measures = service.in_force(session)
    request.app.state.catalog = supplement.in_force(request.app.state, catalog)  # the county's layer stays on


@router.get("/{kind}", response_model=EditionList, summary="修订版本列表")
def editions(kind: Kind, caller: Editor, session: SessionDep) -> EditionList:
    """已发布的修订版本（最新的为现行版本）。"""
    in_force, _ = service.text_in_force(session, kind)
    rows = repo.of_kind(session, kind)
    return EditionList(kind=kind, in_force=in_force,
                       editions=[EditionOut.of(r, r.version == in_force) for r in rows])


@router.get("/{kind}/current", response_model=EditionText, summary="现行版本全文")
def current_text(kind: Kind, caller: Editor, session: SessionDep) -> EditionText:
    """现行版本的 YAML 全文（作为修订的起点）。"""
    version, content = service.text_in_force(session, kind)
    return EditionText(kind=kind, version=version, content=content)


@router.get("/{kind}/{version}", response_model=EditionText, summary="某一版本全文")
def edition_text(kind: Kind, version: str, caller: Editor, session: SessionDep) -> EditionText:
    """某一已发布版本的 YAML 全文。"""
    row = repo.get(session, kind, version)
    if row is None:
        raise NotFound("EDITION_NOT_FOUND", "没有该版本")
    return EditionText(kind=kind, version=row.version, content=row.content)


@router.post("/{kind}", response_model=EditionOut, status_code=201, summary="发布新版本")
def publish(kind: Kind, body: EditionIn, request: Request, caller: Editor, session: SessionDep) -> EditionOut:
    """校验并发布新版本（须写修订说明、使用新的版本号；目录须仍能支撑现行措施清单），立即生效。"""
    row, catalog, measures = service.publish(session, kind, body.content, body.change_note, actor_of(caller))
    request.app.state.catalog, request.app.state.measures = supplement.in_force(request.app.state, catalog), measures
    request.app.state.points = service.points_model(session)
    return EditionOut.of(row, True)
