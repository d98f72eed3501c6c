"""The person's own credit file, as a page (read through the access-log choke point like the API)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller, permit
from chengxin.creditfile.service import build_file
from chengxin.deps import CatalogDep, KeysDep, SessionDep, writes
from chengxin.errors import DomainError
from chengxin.masking import mask_id
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/me/file", response_class=HTMLResponse)
@writes
def own_file_page(request: Request, caller: Annotated[Caller, permit("person.own")], session: SessionDep,
                  catalog: CatalogDep, keys: KeysDep,
                  as_of: Annotated[date | None, Query(description="查看该日的档案")] = None) -> HTMLResponse:
    """本人信用档案：按类别分组，每个事项一张卡片：状态、名单、公示截止日与可办理的事项。"""
    assert caller.person_key is not None
    try:
        file = build_file(session, catalog=catalog, keys=keys, tiers=request.app.state.tiers,
                          person_key=caller.person_key, caller=caller, as_of=as_of, own_view=True)
    except DomainError as err:
        if err.code != "PERSON_NOT_FOUND":
            raise
        return render(request, "creditfile/own_file.html", file=None, masked_id="", as_of=as_of)
    log_reads(session, caller, "own_view", [Read(caller.person_key, "ok")], purpose="本人查询")
    return render(request, "creditfile/own_file.html", file=file, masked_id=mask_id(file.identity.id_number),
                  as_of=as_of)
