"""Integrity-points pages: the model in force (public) and the person's own points (opt in, ledger,
what would raise it, opt out)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.callers import Caller, permit
from chengxin.clock import today, utcnow
from chengxin.deps import CatalogDep, SessionDep, writes
from chengxin.errors import DomainError
from chengxin.points import service
from chengxin.points.endpoints import PRINCIPLES, model_out
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
