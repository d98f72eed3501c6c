"""Pydantic shapes of authorisations, their receipts and authorised queries."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chengxin.authorisations.rules import PURPOSES, USE_MODES
from chengxin.creditfile.schemas import CreditFile

_PURPOSE_HELP = "查询目的编码：" + "、".join(f"{k}（{v}）" for k, v in PURPOSES.items())
_USE_HELP = "使用方式：" + "、".join(f"{k}（{v}）" for k, v in USE_MODES.items())

RECEIPT_EXAMPLE: dict[str, Any] = {
    "receipt": {
        "type": "chengxin.authorisation.v1", "id": "01JD8Z6Q4W3X2Y1Z0A9B8C7D6E",
        "grantor": "3f2a9c0d4b7e4a1c9d8e7f6a5b4c3d2e", "grantee": "91350100M000100Y43",
        "purpose_code": "loan", "purpose_label": "贷款审批", "purpose": "个人住房贷款审批",
        "scope": ["SFCP", "XZCF"], "valid_from": "2026-11-21T02:00:00Z", "valid_until": "2026-12-21T02:00:00Z",
        "use": "single", "issued_at": "2026-11-21T02:00:00Z",
    },
    "signature": {"algorithm": "Ed25519", "key_id": "ed25519:9c1f0e5d2b7a4c83",
                  "value": "q1V0y3...（64 字节签名的 base64）"},
}


class GrantIn(BaseModel):
    """A person grants a third party (by USCC) a query of their file for one purpose."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "grantee_uscc": "91350100M000100Y43", "purpose_code": "loan", "purpose": "个人住房贷款审批",
        "scope": ["SFCP", "XZCF"], "valid_from": None, "valid_until": "2026-12-21T00:00:00+08:00",
        "use_mode": "single"}]})
    grantee_uscc: str = Field(..., min_length=1, max_length=32, description="被授权机构的统一社会信用代码")
    purpose_code: str = Field(..., max_length=24, description=_PURPOSE_HELP)
    purpose: str | None = Field(None, max_length=200, description="具体目的说明；目的为“其他”时必填")
    scope: list[str] = Field(..., min_length=1, max_length=50,
                             description="授权范围：目录类别编码（上级类别含其下级），或 full_report（完整信用报告）")
    valid_from: datetime | None = Field(None, description="生效时间；缺省为现在。未带时区的按北京时间")
    valid_until: datetime = Field(..., description="截止时间（不含）；未带时区的按北京时间")
    use_mode: Literal["single", "repeated"] = Field("single", description=_USE_HELP)


class SignatureOut(BaseModel):
    algorithm: str = Field(description="签名算法，固定为 Ed25519")
    key_id: str = Field(description="平台签名密钥编号（公钥见 GET /api/v1/signing-keys）")
    value: str = Field(description="签名（base64），签名对象为 receipt 的规范 JSON（键排序、无空白、UTF-8）")


class ReceiptDoc(BaseModel):
    """A signed receipt: anyone can verify it offline with the platform's published public key."""

    model_config = ConfigDict(json_schema_extra={"examples": [RECEIPT_EXAMPLE]})
    receipt: dict[str, Any] = Field(description="授权内容（授权人为主体键，不含证件号码）")
    signature: SignatureOut


class AuthorisationOut(BaseModel):
    """A grant as its person sees it, with its state now and its signed receipt."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "id": "01JD8Z6Q4W3X2Y1Z0A9B8C7D6E", "grantee_uscc": "91350100M000100Y43", "purpose_code": "loan",
        "purpose_label": "贷款审批", "purpose": "个人住房贷款审批", "scope": ["SFCP", "XZCF"],
        "scope_labels": ["司法裁判及执行", "行政处罚"], "valid_from": "2026-11-21T02:00:00Z",
        "valid_until": "2026-12-21T02:00:00Z", "use_mode": "single", "use_mode_label": "单次使用",
        "issued_at": "2026-11-21T02:00:00Z", "revoked_at": None, "use_count": 0, "last_used_at": None,
        "status": "active", "status_label": "有效", "receipt": RECEIPT_EXAMPLE}]})
    id: str
    grantee_uscc: str
    purpose_code: str
    purpose_label: str
    purpose: str
    scope: list[str]
    scope_labels: list[str]
    valid_from: datetime
    valid_until: datetime
    use_mode: str
    use_mode_label: str
    issued_at: datetime
    revoked_at: datetime | None
    use_count: int
    last_used_at: datetime | None
    status: str = Field(description="active | not_yet_valid | expired | revoked | used")
    status_label: str
    receipt: ReceiptDoc


class AuthorisationList(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [], "total": 0}]})
    items: list[AuthorisationOut]
    total: int


class QueryIn(BaseModel):
    """What a third party states when it queries with an authorisation."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "purpose_code": "loan", "purpose": "个人住房贷款审批", "scope": ["XZCF"], "business_ref": "DK-2026-000123"}]})
    purpose_code: str = Field(..., max_length=24, description=_PURPOSE_HELP + "；须与授权目的一致")
    purpose: str | None = Field(None, max_length=200, description="具体目的；授权目的为“其他”时须与授权所写一致")
    scope: list[str] | None = Field(None, max_length=50,
                                    description="要查询的类别（须在授权范围内）；缺省为授权的全部范围")
    business_ref: str | None = Field(None, max_length=100, description="本机构的业务编号（如贷款申请号），记入查询日志")


class AuthorisedReport(BaseModel):
    """The answer to an authorised query: the file restricted to the granted scope, masked."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "authorisation_id": "01JD8Z6Q4W3X2Y1Z0A9B8C7D6E", "grantee_uscc": "91350100M000100Y43",
        "purpose_code": "loan", "purpose_label": "贷款审批", "scope": ["XZCF"], "as_of": "2026-11-21",
        "queried_at": "2026-11-21T03:00:00Z", "use_count": 1, "file": None, "found": False,
        "notice": "仅含授权范围内的信息；仅政务共享的信息、已撤销的记录和依法保护的未成年人信息不予提供。"}]})
    authorisation_id: str
    grantee_uscc: str
    purpose_code: str
    purpose_label: str
    scope: list[str]
    as_of: date
    queried_at: datetime
    use_count: int
    found: bool = Field(description="平台中是否有此人的信用档案")
    file: CreditFile | None = Field(description="脱敏后的信用档案（证件号码只显示前4位和后4位，姓名只显示姓）")
    notice: str


class VerifyOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "valid": True, "code": "RECEIPT_VALID", "key_id": "ed25519:9c1f0e5d2b7a4c83",
        "message": "签名有效：回执由平台签发且内容未被改动（授权是否仍有效以查询时平台的校验为准）"}]})
    valid: bool
    code: str = Field(description="RECEIPT_VALID | RECEIPT_SIGNATURE_INVALID | RECEIPT_KEY_UNKNOWN | RECEIPT_MALFORMED")
    key_id: str | None
    message: str


class SigningKeysOut(BaseModel):
    """The platform's published verification keys (Ed25519, raw 32-byte public keys in base64)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"keys": [{
        "key_id": "ed25519:9c1f0e5d2b7a4c83", "algorithm": "Ed25519",
        "public_key": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "active": True}]}]})
    keys: list[dict[str, Any]]
