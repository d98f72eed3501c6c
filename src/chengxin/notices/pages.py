"""My notices (the in-app mailbox) as a page: newest first, unread marked, mark one read; and my contact
details (phone and e-mail for SMS and e-mail notices), shown masked."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.callers import Caller, permit
from chengxin.deps import KeysDep, SessionDep
from chengxin.errors import DomainError
from chengxin.masking import mask_email, mask_phone
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


@router.get("/me/contact", response_class=HTMLResponse)
def contact_page(request: Request, caller: Person, session: SessionDep, keys: KeysDep,
                 saved: Annotated[str, Query(max_length=1)] = "") -> HTMLResponse:
    """我的联系方式：留存的手机号码与电子邮件（脱敏显示），用于短信与邮件通知。"""
    contact, updated_at = service.own_contact(session, keys, caller)
    return render(request, "notices/contact.html", phone=mask_phone(contact.phone), email=mask_email(contact.email),
                  updated_at=updated_at, saved=saved == "1", error=None)


@router.post("/me/contact", response_class=HTMLResponse)
def set_contact_page(request: Request, caller: Person, session: SessionDep, keys: KeysDep,
                     phone: Annotated[str, Form(max_length=32)] = "", email: Annotated[str, Form(max_length=254)] = "",
                     clear_phone: Annotated[str, Form(max_length=3)] = "",
                     clear_email: Annotated[str, Form(max_length=3)] = "") -> Response:
    """修改联系方式：填写的项替换原值，留空的项保持不变，勾选“删除”的项清除。"""
    current, updated_at = service.own_contact(session, keys, caller)
    try:
        service.set_contact(session, keys, caller,
                            phone=None if clear_phone else (phone.strip() or current.phone),
                            email=None if clear_email else (email.strip() or current.email))
    except DomainError as err:
        return render(request, "notices/contact.html", http_status=err.status, phone=mask_phone(current.phone),
                      email=mask_email(current.email), updated_at=updated_at, saved=False, error=err.message)
    return RedirectResponse("/me/contact?saved=1", status_code=303)
