"""Organisation API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Response

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller, permit
from chengxin.deps import KeysDep, SessionDep, writes
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.masking import mask_id, mask_name
from chengxin.organisations import service
from chengxin.organisations.models import ROLES
from chengxin.organisations.schemas import ConflictRef, OrganisationIn, OrganisationOut, RolePersonOut
from chengxin.persons import repository as persons

router = APIRouter(prefix="/api/v1/organisations", tags=["组织"], responses=PROBLEM_RESPONSES)


def _out(session: SessionDep, keys: KeysDep, uscc: str, reveal: bool,
         conflicts: list[tuple[str, str]] | None = None) -> OrganisationOut:
    org, roles = service.roles(session, uscc)
    out = []
    for r in roles:
        person = persons.get(session, r.person_key)
        assert person is not None
        number = keys.decrypt(person.id_cipher, person.person_key.encode())
        out.append(RolePersonOut(
            role=r.role, role_label=ROLES[r.role], person_key=r.person_key,
            name=(person.name or "") if reveal else mask_name(person.name),
            id_number=number if reveal else mask_id(number), since=r.since))
    return OrganisationOut(uscc=org.uscc, name=org.name, registered_by=org.registered_by, persons=out,
                           conflicts=[ConflictRef(id=i, kind=k) for i, k in conflicts or ()])


@router.put("/{uscc}", response_model=OrganisationOut, summary="登记组织及其责任人", responses={
    202: {"model": OrganisationOut, "description": "与登记部门的信息不一致，未予采用，已提交信用办核实"}})
def put_organisation(
    uscc: str, body: OrganisationIn, response: Response, caller: Annotated[Caller,
    permit("organisations.write")], session: SessionDep, keys: KeysDep
) -> OrganisationOut:
    """登记或更新组织（统一社会信用代码）及其法定代表人、相关责任人名单（整体替换）。

    组织的名称与责任人由首先登记它的部门负责：只有该部门能修改。其他部门报送的不同信息不会改变组织，
    而是作为信息冲突提交信用办核实（HTTP 202，`conflicts` 列出冲突编号）；相同的信息直接返回 200。"""
    department = caller.require_department()
    done = service.register(session, keys, department, uscc, body)
    if done.conflicts:
        response.status_code = 202
    return _out(session, keys, done.organisation.uscc, caller.may_see_identity, done.conflicts)


@router.get("/{uscc}", response_model=OrganisationOut, summary="查看组织及其责任人")
@writes
def get_organisation(
    uscc: str, caller: Annotated[Caller, permit("organisations.read")], session: SessionDep, keys: KeysDep
) -> OrganisationOut:
    """查看组织及其责任人（无权查看者看到的是脱敏姓名和号码）。"""
    out = _out(session, keys, uscc, caller.may_see_identity)
    log_reads(session, caller, "organisation", [Read(p.person_key, "ok") for p in out.persons])
    return out
