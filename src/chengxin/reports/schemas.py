"""Pydantic shapes of the reports API."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from chengxin.reports import rules


class OwnReportIn(BaseModel):
    """What a person asks for: the self report, an occupational report or the certificate."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"variant": "self"},
        {"variant": "occupational", "occupation": "teacher", "scenario": "hiring", "purpose": "应聘示范市第一中学教师"},
        {"variant": "certificate", "purpose": "申报评优"},
    ]})
    variant: str = Field(..., max_length=16, description="self 本人版 / occupational 职业信用报告 / "
                                                         "certificate 无严重失信记录证明")
    occupation: str | None = Field(None, max_length=40, description="职业（目录的重点职业人群编码），职业信用报告必填")
    scenario: str | None = Field(None, max_length=16, description="使用场景：" + "、".join(
        f"{k}（{v[0]}）" for k, v in rules.SCENARIOS.items()) + "，职业信用报告必填")
    purpose: str | None = Field(None, max_length=100, description="用途（印在报告登记中，可不填）")


REPORT_EXAMPLE = {
    "id": "01JEK3M5Q8R7S6T5V4W3X2Y1Z0", "number": "2026120604817733", "check_code": "K7M2QX", "variant": "self",
    "variant_label": "本人版", "channel": "online", "channel_label": "网上自助", "requester_kind": "person",
    "requester_label": "本人", "requester": None, "purpose": "本人申请", "occupation": None, "scenario": None,
    "authorisation_id": None, "as_of": "2026-12-06", "issued_at": "2026-12-06T02:00:00Z", "sha256": "0" * 64,
    "pages": 3, "matters": 4, "status": "valid", "status_label": "有效", "revoked_at": None, "revoked_reason": None}


class ReportOut(BaseModel):
    """One entry of the register (never the document itself)."""

    model_config = ConfigDict(json_schema_extra={"examples": [REPORT_EXAMPLE]})

    id: str
    number: str
    check_code: str | None = Field(None, description="校验码：仅向本人和出具人显示")
    variant: str
    variant_label: str
    channel: str
    channel_label: str
    requester_kind: str
    requester_label: str
    requester: str | None = Field(None, description="第三方机构的统一社会信用代码；本人和窗口办理时不显示账号")
    purpose: str
    occupation: str | None = None
    scenario: str | None = None
    authorisation_id: str | None = None
    as_of: date
    issued_at: datetime
    sha256: str
    pages: int
    matters: int
    status: str = Field(description="valid 有效 / superseded 已有更新 / revoked 已作废")
    status_label: str
    revoked_at: datetime | None = None
    revoked_reason: str | None = None


class ReportList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [REPORT_EXAMPLE], "total": 1}]})

    items: list[ReportOut]
    total: int


class VerifyOut(BaseModel):
    """The public verification: never more than the holder of the report already has."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "status": "valid", "status_label": "有效", "message": rules.STATUS_TEXT["valid"],
        "number": "2026120604817733", "variant_label": "本人版", "title": "个人公共信用信息报告（本人版）",
        "as_of": "2026-12-06", "issued_at": "2026-12-06T02:00:00Z", "issuer": "示范市公共信用信息中心",
        "sha256": "0" * 64, "pages": 3}]})
    status: str = Field(description="valid 有效 / superseded 已有更新 / revoked 已作废 / not_found 查无此报告")
    status_label: str
    message: str
    number: str | None = None
    variant_label: str | None = None
    title: str | None = None
    as_of: date | None = None
    issued_at: datetime | None = None
    issuer: str | None = None
    sha256: str | None = Field(None, description="登记的报告文件 SHA-256，可与手中文件比对")
    pages: int | None = None
    file_matches: bool | None = Field(None, description="上传文件时：文件是否与登记的报告逐字节一致")


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"reason": "出具有误"}]})
    reason: str = Field(..., min_length=1, max_length=200, description="作废原因")
