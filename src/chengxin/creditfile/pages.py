"""The person's own credit file, as a page (read through the access-log choke point like the API):
the status banner first, then one card per matter with its cases' progress."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller, permit
from chengxin.cases.progress import Progress, of_objection, of_repair
from chengxin.catalog.rules import Catalog
from chengxin.creditfile.banner import banner
from chengxin.creditfile.service import build_file
from chengxin.deps import CatalogDep, KeysDep, SessionDep, StandbyDep, lag_tolerant, writes
from chengxin.errors import DomainError
from chengxin.listing import repository as listing
from chengxin.masking import mask_id
from chengxin.objections import repository as objections
from chengxin.repairs import repository as repairs
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)


def own_cases(session: Session, person_key: str) -> list[Progress]:
    """Every objection and repair application of the person, newest first, as trackers."""
    found = [*(of_objection(o) for o in objections.of_subject(session, person_key)),
             *(of_repair(r) for r in repairs.of_subject(session, person_key))]
    return sorted(found, key=lambda p: p.filed_at, reverse=True)


def _domains(catalog: Catalog) -> dict[str, tuple[str, ...]]:
    return {code: item.domains for code, item in catalog.items.items()}


@router.get("/me/file", response_class=HTMLResponse)
@writes
@lag_tolerant
def own_file_page(request: Request, caller: Annotated[Caller, permit("person.own")], session: SessionDep,
                  standby: StandbyDep, catalog: CatalogDep, keys: KeysDep,
                  as_of: Annotated[date | None, Query(description="查看该日的档案")] = None) -> HTMLResponse:
    """本人信用档案：最上方是状态（是否在黑名单上、原因、受到哪些限制、何时可以修复），
    然后每个事项一张卡片：状态、名单、公示截止日、异议和修复的办理进度与可办理的事项。"""
    assert caller.person_key is not None
    reader = standby or session  # the read on a standby within the lag bound; the log on the primary
    measures = request.app.state.measures.measures.values()
    # A prior notice of listing whose decision is pending comes first: the person has a right to act on.
    noticed = [p for p in listing.of_person(reader, caller.person_key) if p.state in ("noticed", "stated")]
    try:
        file = build_file(reader, catalog=catalog, keys=keys, tiers=request.app.state.tiers,
                          person_key=caller.person_key, caller=caller, as_of=as_of, own_view=True)
    except DomainError as err:
        if err.code != "PERSON_NOT_FOUND":
            raise
        return render(request, "creditfile/own_file.html", file=None, masked_id="", as_of=as_of,
                      status=banner([], measures, {}), cases={}, open_cases=[], noticed=noticed)
    log_reads(session, caller, "own_view", [Read(caller.person_key, "ok")], purpose="本人查询")
    own = [m for cat in file.categories for m in cat.matters]
    cases: dict[str, list[Progress]] = defaultdict(list)
    found = own_cases(reader, caller.person_key)
    for p in found:
        cases[p.matter_id].append(p)
    return render(request, "creditfile/own_file.html", file=file, masked_id=mask_id(file.identity.id_number),
                  as_of=as_of, status=banner(own, measures, _domains(catalog)), cases=cases,
                  open_cases=[p for p in found if p.open], noticed=noticed)
