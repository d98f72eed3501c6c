"""Integrity-points pages: the model in force (public) and the person's own points (opt in, ledger,
what would raise it, opt out)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from chengxin.callers import Caller, permit
from chengxin.cases.actors import actor_of
from chengxin.clock import today, utcnow
from chengxin.deps import CatalogDep, SessionDep, writes
from chengxin.editions import rules as edition_rules
from chengxin.editions import service as editions
from chengxin.errors import DomainError
from chengxin.points import grading, service
from chengxin.points import repository as repo
from chengxin.points.endpoints import PRINCIPLES, model_out
from chengxin.points.models import PointsRun
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Own = Annotated[Caller, permit("person.own")]
DONE = {"in": "已开通诚信积分。下面是您的积分明细，每一分都写明来自哪一事项。",
        "out": "已关闭诚信积分。平台不再为您计算任何分数，也不保存您的分数。"}


@router.get("/points", response_class=HTMLResponse, dependencies=[permit("public")])
def model_page(request: Request, catalog: CatalogDep) -> HTMLResponse:
    """诚信积分规则：现行模型的维度、计分的信息项、分值、上限和递减，各等级可享受的守信激励措施。"""
    state = request.app.state
    measures = {m.code: m for m in state.measures.measures.values()}
    return render(request, "points/model.html", model=model_out(state.points, state.measures, catalog),
                  measures=measures, principles=PRINCIPLES)


def _mine(request: Request, session: SessionDep, caller: Caller, catalog: CatalogDep, *, done: str = "",
          error: DomainError | None = None) -> HTMLResponse:
    state = request.app.state
    mine = service.mine(session, caller, catalog=catalog, model=state.points, measures=state.measures,
                        tiers=state.tiers, as_of=today())
    book = mine.ledger
    model = book.model if book else state.points
    return render(request, "points/mine.html", http_status=error.status if error else 200, mine=mine, book=book,
                  model=model, principles=PRINCIPLES, done=DONE.get(done, ""), error=error,
                  dimension_names={d.code: d.name for d in model.dimensions})


@router.get("/me/points", response_class=HTMLResponse)
@writes
def my_points_page(request: Request, caller: Own, session: SessionDep, catalog: CatalogDep,
                   done: str = "") -> HTMLResponse:
    """我的诚信积分：开通或关闭；开通后看分数、等级、每一分的来历、可享受的激励和怎样提高。"""
    return _mine(request, session, caller, catalog, done=done[:3])


@router.post("/me/points/consent", response_class=HTMLResponse)
def consent_page(request: Request, caller: Own, session: SessionDep, catalog: CatalogDep,
                 action: Annotated[str, Form(max_length=3)] = "",
                 agree: Annotated[str, Form(max_length=3)] = "") -> Response:
    """开通（须勾选同意）或关闭诚信积分。"""
    try:
        if action == "in":
            if agree != "yes":
                raise DomainError("POINTS_CONSENT_REQUIRED", "请先勾选“我已阅读并同意”，再开通诚信积分", 422)
            service.opt_in(session, caller, request.app.state.points, utcnow(), today())
        elif action == "out":
            service.opt_out(session, caller)
        else:
            raise DomainError("POINTS_ACTION", "请选择开通或关闭诚信积分", 422)
    except DomainError as err:
        return _mine(request, session, caller, catalog, error=err)
    return RedirectResponse(f"/me/points?done={action}", status_code=303)


# --- the office: classification and bias check --------------------------------------------------

Office = Annotated[Caller, permit("assessment.read")]
Editor = Annotated[Caller, permit("catalog.manage")]
MAX_DRAFT = 200_000


def _office(request: Request, session: SessionDep, run_id: str = "", *, draft: str = "",
            error: DomainError | None = None) -> HTMLResponse:
    state = request.app.state
    model = state.points
    runs = list(session.scalars(select(PointsRun).order_by(PointsRun.started_at.desc()).limit(10)))
    shown = next((r for r in runs if r.id == run_id), None) or next((r for r in runs if r.status == "done"), None)
    view = None
    if shown is not None and shown.status == "done" and shown.cells is not None:
        shown_model = edition_rules.parse_points_text(shown.model_text, state.catalog)
        grades = shown_model.grade_codes
        unlocking = tuple(g for g in grades if service.unlocks(state.measures, g))
        compared = edition_rules.parse_points_text(shown.compare_text, state.catalog) if shown.compare_text else None
        view = {"run": shown, "model": shown_model, "unlocking": unlocking,
                "dist": grading.distribution(shown.cells, grades, unlocking),
                "compared": compared, "moves": shown.moves or {},
                "compared_grades": compared.grade_codes if compared else ()}
    pending = any(r.status in ("queued", "running") for r in runs)
    return render(request, "points/office.html", http_status=error.status if error else 200, model=model,
                  runs=runs, view=view, pending=pending, draft=draft, error=error,
                  consents=repo.count_consents(session), gap=grading.GAP_POINTS, min_group=grading.MIN_GROUP)


@router.get("/console/points", response_class=HTMLResponse)
def office_page(request: Request, caller: Office, session: SessionDep,
                run: Annotated[str, Query(max_length=26)] = "") -> HTMLResponse:
    """积分分级评估：开通人数，按现行模型或一份草稿计算每人的等级（后台进行，显示进度），按地区、性别、
    年龄段看各等级占比并标出差异明显的群体；草稿与现行模型对比每人等级的变化。"""
    return _office(request, session, run)


@router.post("/console/points/runs", response_class=HTMLResponse)
def start_run(request: Request, caller: Editor, session: SessionDep,
              draft: Annotated[str, Form(max_length=MAX_DRAFT)] = "") -> Response:
    """发起一次分级计算：不填草稿即按现行模型；填了草稿则按草稿计算，并与现行模型逐人比较等级变化。"""
    state = request.app.state
    _, in_force_text = editions.text_in_force(session, "points")
    try:
        if draft.strip():
            model = edition_rules.parse_points_text(draft, state.catalog)
            grading.start(session, model=model, model_text=draft, compare_text=in_force_text, as_of=today(),
                          by=actor_of(caller))
        else:
            grading.start(session, model=state.points, model_text=in_force_text, compare_text=None, as_of=today(),
                          by=actor_of(caller))
    except DomainError as err:
        return _office(request, session, draft=draft, error=err)
    return RedirectResponse("/console/points", status_code=303)
