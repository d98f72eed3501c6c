"""Explanation API: the person attaches, edits or withdraws their explanation of a matter (自主解释)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi.responses import Response

from chengxin.callers import Caller, permit
from chengxin.deps import SessionDep
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.explanations import service
from chengxin.explanations.schemas import ExplanationIn, ExplanationOut

router = APIRouter(prefix="/api/v1", tags=["信用修复"], responses=PROBLEM_RESPONSES)
Person = Annotated[Caller, permit("person.own")]


@router.put("/me/matters/{matter_id}/explanation", response_model=ExplanationOut, summary="对本人的失信事项作出解释")
def save_explanation(matter_id: str, body: ExplanationIn, caller: Person, session: SessionDep) -> ExplanationOut:
    """本人对自己的失信事项作出解释（自主解释），或修改已作出的解释；解释随该事项一并显示（本人档案、
    部门和信用办查看、经授权的查询），不改变事项的状态。"""
    assert caller.person_key is not None
    return ExplanationOut.of(service.save(session, caller=caller, person_key=caller.person_key, matter_id=matter_id,
                                          text=body.text))


@router.delete("/me/matters/{matter_id}/explanation", status_code=204, response_class=Response,
               summary="撤回本人对事项的解释")
def withdraw_explanation(matter_id: str, caller: Person, session: SessionDep) -> Response:
    """撤回后该解释不再随事项显示（办理记录留存）。"""
    assert caller.person_key is not None
    service.withdraw(session, caller=caller, person_key=caller.person_key, matter_id=matter_id)
    return Response(status_code=204)
