"""Pydantic shapes of the access log, its signed tree heads and inclusion proofs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

_ENTRY = {
    "seq": 1024, "at": "2026-11-21T02:10:00.123456Z", "who": "市人力资源和社会保障局", "role": "checker",
    "role_label": "部门核查系统", "department": "human_resources", "department_name": "市人力资源和社会保障局",
    "organisation": None, "organisation_name": None, "action": "check", "action_label": "联合奖惩核查",
    "purpose": "公务员招录资格审查", "basis": "civil_service_recruitment", "business_ref": "招录-2026-0001",
    "result": "clear", "result_label": "通过", "status": "sealed", "status_label": "已封存", "leaf_index": 1000,
}
_HEAD = {
    "tree_size": 1_000_000, "root_hash": "5c1a9e0f" + "0" * 56, "timestamp": 1795236600123,
    "signed_at": "2026-11-21T02:10:00.123000Z", "key_id": "ed25519:3f2a9c0d4b7e4a1c",
    "signature": "q1w2e3r4…（base64，64 字节）",
}


class AccessOut(BaseModel):
    """One access to a person's data, as the person sees it."""

    model_config = ConfigDict(json_schema_extra={"examples": [_ENTRY]})
    seq: int = Field(description="查询记录序号")
    at: datetime
    who: str = Field(description="查询方：部门或机构名称，或 本人 / 信用办")
    role: str
    role_label: str
    department: str | None
    department_name: str | None
    organisation: str | None = Field(description="第三方机构的统一社会信用代码")
    organisation_name: str | None
    action: str
    action_label: str
    purpose: str | None
    basis: str | None = Field(description="法律依据、业务场景或授权编号")
    business_ref: str | None
    result: str
    result_label: str
    status: str = Field(description="sealed（已封存，可出具证明）或 pending（待封存）")
    status_label: str
    leaf_index: int | None = Field(description="在查询日志 Merkle 树中的位置（封存后）")


class AccessPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [_ENTRY], "next_before": 1024}]})
    items: list[AccessOut]
    next_before: int | None = Field(description="下一页：以此值作为 before 参数；无更多时为空")


class AuditEntryOut(AccessOut):
    """An entry as an auditor sees it: also the account, the keyed subject and the reference."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        **_ENTRY, "account": "01JD3X5Q7N9R2T4V6W8Y0Z1A2B", "subject_key": "3f2a9c0d4b7e4a1c9d8e7f6a5b4c3d2e",
        "ref_id": "01JD3X5Q7N9R2T4V6W8Y0Z1A2C"}]})
    account: str | None
    subject_key: str = Field(description="主体键（证件号码的带密钥哈希）")
    ref_id: str | None = Field(description="核查编号等关联编号")


class AuditPage(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [{
        **_ENTRY, "account": "01JD3X5Q7N9R2T4V6W8Y0Z1A2B", "subject_key": "3f2a9c0d4b7e4a1c9d8e7f6a5b4c3d2e",
        "ref_id": None}], "next_before": None}]})
    items: list[AuditEntryOut]
    next_before: int | None


class SignedHeadOut(BaseModel):
    """A signed tree head (RFC 6962 §3.5)."""

    model_config = ConfigDict(json_schema_extra={"examples": [_HEAD]})
    tree_size: int
    root_hash: str = Field(description="根哈希（十六进制）")
    timestamp: int = Field(description="签名时间（自 1970 年起的毫秒数，RFC 6962）")
    signed_at: str
    key_id: str
    signature: str = Field(description="Ed25519 签名（base64），签名内容为 RFC 6962 TreeHeadSignature")


class VerificationOut(BaseModel):
    ok: bool
    finished_at: datetime
    tree_size: int
    problems: int
    pending: int


class TreeHeadOut(SignedHeadOut):
    model_config = ConfigDict(json_schema_extra={"examples": [{**_HEAD, "last_verification": {
        "ok": True, "finished_at": "2026-11-21T03:00:00Z", "tree_size": 1_000_000, "problems": 0, "pending": 12}}]})
    last_verification: VerificationOut | None = Field(description="最近一次 chengxin audit verify 的结果")


class ProofKeyOut(BaseModel):
    key_id: str
    algorithm: str
    public_key: str = Field(description="32 字节原始公钥（base64）")


class ProofOut(BaseModel):
    """An inclusion proof: anyone can check it offline (see how_to_verify)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "format": "chengxin/access-proof/v1", "status": "sealed", "status_label": "已封存",
        "entry": {"seq": 1024, "at": "2026-11-21T02:10:00.123456Z", "actor_role": "checker",
                  "actor_department": "human_resources", "actor_org": None, "actor_account": None,
                  "subject_key": "3f2a9c0d4b7e4a1c9d8e7f6a5b4c3d2e", "action": "check",
                  "purpose": "公务员招录资格审查", "basis": "civil_service_recruitment",
                  "business_ref": "招录-2026-0001", "ref_id": "01JD3X5Q7N9R2T4V6W8Y0Z1A2C", "result": "clear"},
        "leaf_data": '["cx-access/1",1024,"2026-11-21T02:10:00.123456Z","checker",…]',
        "leaf_hash": "9a0b" + "0" * 60, "leaf_index": 1000, "tree_size": 1_000_000,
        "audit_path": ["1f2e" + "0" * 60], "tree_head": _HEAD,
        "public_key": {"key_id": "ed25519:3f2a9c0d4b7e4a1c", "algorithm": "Ed25519",
                       "public_key": "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="},
        "how_to_verify": "叶子哈希 = SHA-256(0x00 ‖ leaf_data) …"}]})
    format: str
    status: str = Field(description="sealed（已封存）或 pending（待封存：尚无证明，请稍后再取）")
    status_label: str
    entry: dict[str, Any] = Field(description="叶子数据所编码的查询记录")
    leaf_data: str | None = None
    leaf_hash: str | None = None
    leaf_index: int | None = None
    tree_size: int | None = None
    audit_path: list[str] | None = None
    tree_head: SignedHeadOut | None = None
    public_key: ProofKeyOut | None = None
    how_to_verify: str | None = None
