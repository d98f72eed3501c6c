"""Pydantic shapes of a person's notices and contact details."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

_MESSAGE = {"id": "01JD3X5Q7N9R2T4V6W8Y0Z1A2B", "kind": "objection_received", "title": "异议申请已受理",
            "body": "您于 2026年11月21日 提交的异议申请已受理，平台将在 20 日内答复。",
            "created_at": "2026-11-21T02:10:00Z", "read_at": None}


class MessageOut(BaseModel):
    """One in-app notice."""

    model_config = ConfigDict(from_attributes=True, json_schema_extra={"examples": [_MESSAGE]})
    id: str
    kind: str = Field(description="通知类别")
    title: str
    body: str
    created_at: datetime
    read_at: datetime | None = Field(description="本人首次标记已读的时间；未读为空")


class MessagePage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_MESSAGE], "next_before": None,
                                                                "unread": 1}]})
    items: list[MessageOut]
    next_before: str | None = Field(description="下一页：以此值作为 before 参数；无更多时为空")
    unread: int = Field(description="未读通知总数")


class ContactIn(BaseModel):
    """The whole contact record: a field left out or empty clears it."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"phone": "13800138000", "email": "zhangsan@example.cn"}]})
    phone: str | None = Field(None, max_length=32, description="中国大陆手机号码，用于短信通知")
    email: str | None = Field(None, max_length=254, description="电子邮件地址，用于邮件通知")


class ContactOut(BaseModel):
    """Contact details as shown back: masked (R8), never in full."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"phone": "138****8000", "email": "z***@example.cn", "updated_at": "2026-11-21T02:10:00Z"}]})
    phone: str | None = Field(description="手机号码（脱敏）；未留为空")
    email: str | None = Field(description="电子邮件地址（脱敏）；未留为空")
    updated_at: datetime | None
