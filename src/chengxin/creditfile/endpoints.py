"""Credit file API."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller, permit
from chengxin.creditfile.schemas import CreditFile, FileQuery
from chengxin.creditfile.service import build_file
from chengxin.deps import CatalogDep, KeysDep, SessionDep, StandbyDep, lag_tolerant, writes
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.identity.rules import parse_identifier
from chengxin.keyring.service import resolve_one

router = APIRouter(prefix="/api/v1", tags=["信用档案"], responses=PROBLEM_RESPONSES)


# The file views below read on a standby when one is within the lag bound (`lag_tolerant`, with
# `standby`), and log the read on the primary in the request's own transaction (`session`), which
# commits before the answer is sent: no file leaves without its access-log entry, as before. A file
# that cannot be built logs nothing, as before.
@router.post("/files/query", response_model=CreditFile, summary="按证件号码查询信用档案")
@lag_tolerant
def query_file(
    body: FileQuery, request: Request, caller: Annotated[Caller, permit("files.read")], session: SessionDep,
    standby: StandbyDep, catalog: CatalogDep, keys: KeysDep,
) -> CreditFile:
    """按证件类型和号码查询某人的信用档案（号码放在请求体中，不进入访问日志的 URL）。"""
    ident = parse_identifier(body.id_type, body.id_number)
    reader = standby or session
    key = resolve_one(reader, keys, ident.id_type, ident.number)  # the new key, or the old one mid re-key
    file = build_file(reader, catalog=catalog, keys=keys, tiers=request.app.state.tiers,
                      person_key=key, caller=caller, as_of=body.as_of, history=body.history)
    log_reads(session, caller, "file", [Read(key, "ok")], purpose=body.purpose)
    return file


@router.get("/persons/{person_key}/file", response_model=CreditFile, summary="按主体键查询信用档案")
@writes
@lag_tolerant
def get_file(
    person_key: str, request: Request, caller: Annotated[Caller, permit("files.read")], session: SessionDep,
    standby: StandbyDep, catalog: CatalogDep, keys: KeysDep,
    as_of: Annotated[date | None, Query(description="查看该日的档案")] = None,
    history: Annotated[bool, Query(description="附带历史版本")] = False,
    purpose: Annotated[str | None, Query(max_length=200, description="查询目的")] = None,
) -> CreditFile:
    """按主体键（证件号码的keyed hash）查询信用档案，可指定 as_of 日期与历史版本。"""
    file = build_file(standby or session, catalog=catalog, keys=keys, tiers=request.app.state.tiers,
                      person_key=person_key[:64], caller=caller, as_of=as_of, history=history)
    log_reads(session, caller, "file", [Read(file.person_key, "ok")], purpose=purpose)
    return file


@router.get("/me/file", response_model=CreditFile, summary="本人查询信用档案")
@writes
@lag_tolerant
def own_file(
    request: Request, caller: Annotated[Caller, permit("person.own")], session: SessionDep,
    standby: StandbyDep, catalog: CatalogDep, keys: KeysDep,
    as_of: Annotated[date | None, Query(description="查看该日的档案")] = None,
    history: Annotated[bool, Query(description="附带历史版本")] = False,
) -> CreditFile:
    """经身份认证的本人查看自己的信用档案（含全部类别与公示状态）；本人查询同样记入查询日志。"""
    assert caller.person_key is not None
    file = build_file(standby or session, catalog=catalog, keys=keys, tiers=request.app.state.tiers,
                      person_key=caller.person_key, caller=caller, as_of=as_of, history=history, own_view=True)
    log_reads(session, caller, "own_view", [Read(caller.person_key, "ok")], purpose="本人查询")
    return file
