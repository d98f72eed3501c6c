"""My notices (the in-app mailbox) as a page: newest first, unread marked, mark one read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.callers import Caller, permit
from chengxin.deps import SessionDep
from chengxin.notices import service
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
Person = Annotated[Caller, permit("person.own")]


@router.get("/me/notices", response_class=HTMLResponse)
def inbox_page(request: Request, caller: Person, session: SessionDep,
               before: Annotated[str | None, Query(max_length=26)] = None) -> HTMLResponse:
    """我的通知：异议、信用修复等办理进度，最新的在前。"""
    page = service.inbox(session, caller, limit=20, before=before)
    return render(request, "notices/inbox.html", page=page)


@router.post("/me/notices/{message_id}/read")
def read_page(message_id: str, caller: Person, session: SessionDep) -> Response:
    """把一条通知标记为已读。"""
    row = service.mark_read(session, caller, message_id)
    return RedirectResponse(f"/me/notices#n-{row.id}", status_code=303)
