"""Pydantic shapes of the exchange API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from chengxin.exchange import rules

BATCH_EXAMPLE = {
    "manifest": {"type": rules.BATCH_TYPE, "sender": {"code": "341021", "name": "凤台县公共信用信息平台",
                                                      "key_id": "ed25519:0123456789abcdef"},
                 "receiver": "340400", "first_seq": 1, "last_seq": 2, "count": 2, "counts": {"record": 2},
                 "changes_sha256": "…", "created_at": "2026-12-07T02:00:00+00:00"},
    "signature": "（发送方对清单的 Ed25519 签名，base64）",
    "sealed": "（加密给接收方的变更内容，base64）",
}
STATEMENT_ASK_EXAMPLE = {"type": rules.RECONCILE_TYPE, "sender": "341021", "receiver": "340400",
                         "day_from": "2026-12-01", "day_to": "2026-12-06", "at": "2026-12-07T01:00:00+00:00",
                         "ask": True, "signature": "（请求方签名，base64）"}


class NodeOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "code": "340400", "name": "淮南市公共信用信息平台", "key_id": "ed25519:0123456789abcdef",
        "algorithm": "Ed25519", "public_key": "MCowBQYDK2VwAyEA…"}]})
    code: str = Field(description="行政区划代码（GB/T 2260）")
    name: str
    key_id: str
    algorithm: str
    public_key: str = Field(description="Ed25519 公钥（32 字节的 base64）")


class ReceiptOut(BaseModel):
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "type": rules.RECEIPT_TYPE, "receiver": "340400", "sender": "341021", "applied_through": 2,
        "batch": [1, 2], "rejected": [], "at": "2026-12-07T02:00:01+00:00", "key_id": "ed25519:0123456789abcdef",
        "signature": "…"}]})
    type: str
    receiver: str
    sender: str
    applied_through: int = Field(description="已连续应用到的序号")
    batch: list[int] | None
    rejected: list[list[Any]] = Field(description="收下但未能应用的变更：[序号, 错误码]")
    at: str
    key_id: str
    signature: str


class StatementOut(BaseModel):
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "type": rules.RECONCILE_TYPE, "receiver": "340400", "sender": "341021", "day_from": "2026-12-01",
        "day_to": "2026-12-06", "days": {"XZCF|2026-12-05": [12, "9f…"]}, "at": "2026-12-07T01:00:01+00:00",
        "signature": "…"}]})
    type: str
    receiver: str
    sender: str
    day_from: str
    day_to: str
    days: dict[str, list[Any]] = Field(description="“类别|日期” → [条数, 摘要]")
    at: str
    signature: str


class NeighbourOut(BaseModel):
    code: str
    name: str
    direction: str
    direction_label: str
    mode: str
    mode_label: str
    last_seq: int = Field(description="已编号的最后一个序号（发往对方）")
    acked_through: int = Field(description="对方已确认到的序号")
    applied_through: int = Field(description="对方发来的、本平台已应用到的序号")
    backlog: int = Field(description="发往对方尚未确认的变更数")
    lag_seconds: float | None = Field(description="最早一条未确认变更的等待时间（秒）")
    last_ack_at: datetime | None
    last_received_at: datetime | None
    last_error: str | None
    reconciliation: dict[str, Any] | None


class RefusalOut(BaseModel):
    id: str
    direction: str = Field(description="in：本平台拒收的；out：对方拒收的")
    neighbour: str | None
    at: datetime
    code: str
    message: str
    first_seq: int | None
    last_seq: int | None
    source: str | None


class NeighboursOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "node": {"code": "340400", "name": "淮南市公共信用信息平台"}, "neighbours": [], "refusals": []}]})
    node: dict[str, str]
    neighbours: list[NeighbourOut]
    refusals: list[RefusalOut]


class ResendIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"from_seq": 1201}]})
    from_seq: int = Field(ge=1, description="从该序号起重发")


class ResendOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"neighbour": "340400", "from_seq": 1201,
                                                               "changes": 800}]})
    neighbour: str
    from_seq: int
    changes: int


def neighbours_out(node: rules.Node, statuses: list[Any], refusals: list[Any]) -> NeighboursOut:
    out = []
    for st in statuses:
        n = st.neighbour
        rec = st.reconciliation
        out.append(NeighbourOut(
            code=n.code, name=n.name, direction=n.direction, direction_label=rules.DIRECTIONS[n.direction],
            mode=n.mode, mode_label=rules.MODES[n.mode], last_seq=st.last_seq, acked_through=st.acked_through,
            applied_through=st.applied_through, backlog=st.backlog, lag_seconds=st.lag_seconds,
            last_ack_at=st.last_ack_at, last_received_at=st.last_received_at, last_error=st.last_error,
            reconciliation=None if rec is None else {"at": rec.at.isoformat(), "status": rec.status,
                                                     "day_from": _day(rec.day_from), "day_to": _day(rec.day_to),
                                                     "details": rec.details}))
    return NeighboursOut(node={"code": node.code, "name": node.name}, neighbours=out, refusals=[
        RefusalOut(id=r.id, direction=r.direction, neighbour=r.neighbour, at=r.at, code=r.code, message=r.message,
                   first_seq=r.first_seq, last_seq=r.last_seq, source=r.source) for r in refusals])


def _day(d: date) -> str:
    return d.isoformat()


LOOKUP_EXAMPLE = {"type": rules.QUERY_TYPE, "sender": "340400", "receiver": "341021",
                  "at": "2026-12-07T02:00:00+00:00", "nonce": "3f2a9c01d4e5b6a7",
                  "caller": {"department": "human_resources", "department_name": "市人力资源和社会保障局"},
                  "purpose": "公务员录用考察", "reference": "HR-2026-0001",
                  "sealed": "（加密的证件类型与号码，base64）", "signature": "（询问平台签名，base64）"}


class QueryIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "id_type": "citizen_id", "id_number": "11010519491231002X", "purpose": "公务员录用考察",
        "business_ref": "HR-2026-0001"}]})
    id_type: str = Field("citizen_id", max_length=32)
    id_number: str = Field(min_length=1, max_length=64)
    purpose: str = Field(min_length=1, max_length=200, description="查询目的（对方平台与本人都能看到）")
    business_ref: str | None = Field(None, max_length=100, description="业务编号")
    neighbours: list[str] | None = Field(None, max_length=50, description="只问这些相邻平台（缺省：全部可互查的）")


class QueryOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "node": {"code": "340400", "name": "淮南市公共信用信息平台"}, "local_found": True,
        "answers": [{"node": "341021", "name": "凤台县公共信用信息平台", "status": "answered",
                     "status_label": "已答复（签名有效）", "found": True, "answered_at": "2026-12-07T02:00:01+00:00"}],
        "matters": [{"origin_node": "341021", "origin_name": "凤台县公共信用信息平台",
                     "department_name": "县市场监督管理局", "item_code": "XZCF-01", "item_name": "行政处罚信息",
                     "category": "XZCF", "nature": "negative", "severity": "general", "decision_date": "2026-05-20",
                     "state": "in_effect", "state_label": "有效", "list_type": None, "answered_by": "341021"}]}]})
    node: dict[str, str]
    local_found: bool
    answers: list[dict[str, Any]]
    matters: list[dict[str, Any]] = Field(description="合并后的事项，每项注明来源平台（origin_node）与答复平台")


class SignedOut(BaseModel):
    model_config = ConfigDict(extra="allow", json_schema_extra={"examples": [{
        "type": rules.ANSWER_TYPE, "sender": "341021", "receiver": "340400", "nonce": "3f2a9c01d4e5b6a7",
        "found": True, "at": "2026-12-07T02:00:01+00:00", "sealed": "…", "signature": "…"}]})
    type: str
    signature: str


class UpdateOut(BaseModel):
    id: str = Field(description="变更通知编号（确认时使用）")
    matter_id: str
    via: str
    via_label: str
    via_ref: str = Field(description="取得该信息的授权编号或报告编号")
    received_at: datetime
    change: str | None
    change_label: str
    changed_on: date | None
    notified_at: datetime | None
    message: str


class UpdatesOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"items": [{
        "id": "01JD3Z8Q2W0000000000000000", "matter_id": "01JD3Z8Q2W0000000000000001", "via": "report",
        "via_label": "信用报告", "via_ref": "01JD3Z8Q2W0000000000000002", "received_at": "2026-11-20T02:00:00Z",
        "change": "repaired", "change_label": "已信用修复", "changed_on": "2026-12-01",
        "notified_at": "2026-12-07T02:00:00Z",
        "message": "贵机构于 2026-11-20 经信用报告（…）取得的一项信用信息已于 2026-12-01 完成信用修复，"
                   "请同步更新、不再使用。"}]}]})
    items: list[UpdateOut]


class UpdateConfirmed(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"id": "01JD3Z8Q2W0000000000000000",
                                                               "confirmed_at": "2026-12-07T02:05:00Z"}]})
    id: str
    confirmed_at: datetime
