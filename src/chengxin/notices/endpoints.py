"""A person's notices (the in-app mailbox) and the contact details SMS and e-mail notices use."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from chengxin.callers import Caller, permit
from chengxin.deps import KeysDep, SessionDep
from chengxin.errors import PROBLEM_RESPONSES
from chengxin.masking import mask_email, mask_phone
from chengxin.notices import schemas as s
from chengxin.notices import service
from chengxin.notices.channels import Contact
from chengxin.params import Int64

router = APIRouter(prefix="/api/v1", tags=["本人"], responses=PROBLEM_RESPONSES)
Limit = Annotated[Int64, Query(ge=1, le=100, description="每页条数")]
Before = Annotated[str | None, Query(max_length=26,
                                     description="只列出编号小于此值的通知（翻页用上一页的 next_before）")]
Person = Annotated[Caller, permit("person.own")]


@router.get("/me/notices", response_model=s.MessagePage, summary="我的通知")
def my_notices(caller: Person, session: SessionDep, limit: Limit = 20, before: Before = None) -> s.MessagePage:
    """本人的站内通知（异议、信用修复等办理进度），最新的在前，并给出未读总数。"""
    page = service.inbox(session, caller, limit=limit, before=before)
    return s.MessagePage(items=[s.MessageOut.model_validate(m) for m in page.items], next_before=page.next_before,
                         unread=page.unread)


@router.post("/me/notices/{message_id}/read", response_model=s.MessageOut, summary="标记通知已读")
def read_notice(message_id: str, caller: Person, session: SessionDep) -> s.MessageOut:
    """把本人的一条通知标记为已读；重复标记不改变首次已读时间。"""
    return s.MessageOut.model_validate(service.mark_read(session, caller, message_id))


def _masked(contact: Contact, updated_at: datetime | None) -> s.ContactOut:
    return s.ContactOut(phone=mask_phone(contact.phone) or None, email=mask_email(contact.email) or None,
                        updated_at=updated_at)


@router.get("/me/contact", response_model=s.ContactOut, summary="我的联系方式")
def my_contact(caller: Person, session: SessionDep, keys: KeysDep) -> s.ContactOut:
    """本人留存的手机号码与电子邮件地址（脱敏显示），用于短信与邮件通知。"""
    contact, updated_at = service.own_contact(session, keys, caller)
    return _masked(contact, updated_at)


@router.put("/me/contact", response_model=s.ContactOut, summary="设置联系方式")
def set_my_contact(body: s.ContactIn, caller: Person, session: SessionDep, keys: KeysDep) -> s.ContactOut:
    """设置本人的手机号码与电子邮件地址（整体替换，留空即删除），加密保存；返回脱敏后的结果。"""
    service.set_contact(session, keys, caller, phone=body.phone, email=body.email)
    contact, updated_at = service.own_contact(session, keys, caller)
    return _masked(contact, updated_at)
