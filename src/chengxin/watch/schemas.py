"""Pydantic shapes for watch."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class SubscribeItem(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id_type: str = "citizen_id"
    id_number: str = Field(..., min_length=1, max_length=64)
    label: str | None = Field(None, max_length=100, description="本部门的业务标识，如许可证号")


class SubscribeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "persons": [{"id_type": "citizen_id", "id_number": "11010519491231002X", "label": "食品经营许可证 JY123"}]}]})
    persons: list[SubscribeItem] = Field(..., min_length=1, max_length=10_000)


class Subscribed(BaseModel):
    line: int
    label: str | None
    person_key: str | None = None
    error_code: str | None = None
    error_message: str | None = None


class SubscribeOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"subscribed": 1, "results": [
        {"line": 1, "label": "食品经营许可证 JY123", "person_key": "3f2a9c0d4b7e4a1c9d8e7f6a5b4c3d2e",
         "error_code": None, "error_message": None}]}]})
    subscribed: int
    results: list[Subscribed]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"url": "https://permits.example.gov.cn/chengxin/events"}]})
    url: str = Field(..., max_length=500)


class WebhookOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "url": "https://permits.example.gov.cn/chengxin/events", "secret": "只显示一次的签名密钥",
        "signature": "X-Chengxin-Signature: t=<时间戳>,v1=HMAC-SHA256(secret, \"<时间戳>.<请求体>\")"}]})
    url: str
    secret: str = Field(description="签名密钥，仅此一次显示")
    signature: str


class EventOut(BaseModel):
    event_id: str
    kind: str
    subject_key: str
    list_type: str
    list_label: str | None
    entry_id: str
    via_uscc: str | None
    reason: str | None
    at: str


class FeedOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"events": [{
        "event_id": "42", "kind": "listed", "subject_key": "3f2a9c0d4b7e4a1c9d8e7f6a5b4c3d2e",
        "list_type": "black", "list_label": "严重失信主体名单", "entry_id": "01JD3Z8Q2W0000000000000001",
        "via_uscc": None, "reason": None, "at": "2026-11-21T02:00:00+00:00"}], "next_after": 42}]})
    events: list[EventOut]
    next_after: int = Field(description="下次拉取时作为 after 参数")
