"""Integrity-points API: the model in force (public), and a person's consent and ledger."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request, Response

from chengxin.callers import Caller, permit
from chengxin.clock import today, utcnow
from chengxin.deps import CatalogDep, SessionDep, writes
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.points import schemas as s
from chengxin.points import service
from chengxin.points.rules import PointsModel
from chengxin.sanctions.measures import MeasureList

router = APIRouter(prefix="/api/v1", tags=["诚信积分"], responses=PROBLEM_RESPONSES)
Own = Annotated[Caller, permit("person.own")]

# What the model page and the API say first: the limits the platform holds a score to (R3, R13, R18).
PRINCIPLES = (
    "只为本人自愿开通积分的成年人计算，随时可以关闭；关闭即删除，未开通的人没有任何分数。",
    "只使用公共信用信息目录中的信息；须经本人书面同意才能采集的信息（收入、缴费等）、户籍登记信息和中性信息不计分。",
    "只用于守信激励（免押金、容缺受理、优先办理等）；任何惩戒措施都不得以积分或等级为依据。",
    "每一分都写明来自哪一事项、哪条规则、计至哪一天；事项经信用修复、撤销或公示期满即不再计分。",
)


def model_out(model: PointsModel, measures: MeasureList, catalog: CatalogDep) -> s.ModelOut:
    return s.ModelOut(
        version=model.version, effective_date=model.effective_date, changes=model.changes, base=model.base,
        min=model.low, max=model.high, principles=list(PRINCIPLES),
        dimensions=[s.DimensionOut(code=d.code, name=d.name, cap=d.cap, rules=[s.RuleOut(
            code=r.code, name=r.name, items=list(r.items),
            item_names=[catalog.items[c].name if c in catalog.items else c for c in r.items],
            points=r.points, max_matters=r.max_matters, months=r.months,
            decay_every_months=r.decay.every_months if r.decay else None,
            decay_keep_percent=r.decay.keep_percent if r.decay else None,
            description=r.describe()) for r in d.rules]) for d in model.dimensions],
        grades=[s.GradeOut(code=g.code, name=g.name, min=g.min,
                           unlocks=[m.code for m in service.unlocks(measures, g.code)]) for g in model.grades],
    )


@router.get("/points/model", response_model=s.ModelOut, summary="现行诚信积分模型",
            dependencies=[permit("public")])
def points_model(request: Request, catalog: CatalogDep) -> s.ModelOut:
    """现行的诚信积分模型（公开）：维度、计分的目录项、分值、上限、递减、基础分和等级，以及各等级可享受的
    守信激励措施。"""
    return model_out(request.app.state.points, request.app.state.measures, catalog)


def mine_out(mine: service.Mine, model: PointsModel) -> s.MyPointsOut:
    as_of = today()
    if mine.minor:
        return s.MyPointsOut(opted_in=False, minor=True, as_of=as_of, model_version=model.version,
                             message="未成年人不开通诚信积分。")
    if mine.consent is None or mine.ledger is None:
        return s.MyPointsOut(opted_in=False, as_of=as_of, model_version=model.version,
                             message="您尚未开通诚信积分，平台没有为您计算任何分数。")
    book = mine.ledger
    names = {d.code: d.name for d in book.model.dimensions}
    return s.MyPointsOut(
        opted_in=True, opted_in_at=mine.consent.opted_in_at, as_of=book.as_of, model_version=book.model.version,
        score=book.score, grade=book.grade.code, grade_name=book.grade.name, base=book.model.base,
        totals=[s.TotalOut(dimension=t.dimension.code, name=t.dimension.name, points=t.points, uncapped=t.uncapped,
                           cap=t.dimension.cap) for t in book.totals],
        lines=[s.LineOut(matter_id=ln.matter_id, item_code=ln.item_code, item_name=ln.item_name,
                         dimension=ln.dimension, dimension_name=names[ln.dimension], rule=ln.rule.code,
                         rule_name=ln.rule.name, decision_date=ln.start, points=ln.points,
                         full_points=ln.full_points, counts_until=ln.counts_until, note=ln.note)
               for ln in book.lines],
        raises=[s.RaiseOut(text=r.text, points=r.points) for r in book.raises],
        unlocks=[m.code for m in mine.unlocked],
        message=f"诚信积分 {book.score} 分，等级 {book.grade.code}（{book.grade.name}）。",
    )


@router.get("/me/points", response_model=s.MyPointsOut, summary="我的诚信积分")
@writes
def my_points(request: Request, caller: Own, session: SessionDep, catalog: CatalogDep) -> s.MyPointsOut:
    """本人的诚信积分明细：每一行写明事项、信息项、规则、分值和计至哪一天，以及怎样可以提高。未开通时只说明未开通。"""
    state = request.app.state
    mine = service.mine(session, caller, catalog=catalog, model=state.points, measures=state.measures,
                        tiers=state.tiers, as_of=today())
    return mine_out(mine, state.points)


@router.put("/me/points/consent", response_model=s.MyPointsOut, summary="开通诚信积分")
def opt_in(request: Request, caller: Own, session: SessionDep, catalog: CatalogDep) -> s.MyPointsOut:
    """本人自愿开通诚信积分（重复开通不变）。未成年人不能开通（422 POINTS_MINOR）。"""
    state = request.app.state
    service.opt_in(session, caller, state.points, utcnow(), today())
    return my_points(request, caller, session, catalog)


@router.delete("/me/points/consent", status_code=204, summary="关闭诚信积分")
def opt_out(caller: Own, session: SessionDep) -> Response:
    """本人关闭诚信积分：同意即撤回，平台不再为其计算任何分数（积分本就不单独保存，关闭后无分可查）。"""
    service.opt_out(session, caller)
    return Response(status_code=204)
