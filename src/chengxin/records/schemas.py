"""Pydantic shapes for collection: JSON batches, receipts, per-row reports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

RECORD_EXAMPLE = {
    "item_code": "XZCF-01",
    "id_type": "citizen_id",
    "id_number": "11010519491231002X",
    "name": "张三",
    "source_record_id": "SCJG-2026-000123",
    "decision_date": "2026-05-20",
    "fields": {"decision_no": "京朝市监罚〔2026〕123号", "penalty_type": "罚款"},
}


class BatchIn(BaseModel):
    """A JSON batch. Each record is checked on its own, so one bad row never sinks the rest."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"records": [RECORD_EXAMPLE]}
    ]})
    item_code: str | None = Field(None, description="缺省信息项编码（记录未写 item_code 时使用）")
    records: list[Any] = Field(
        ..., description=(
            "记录列表。每条记录包含信封字段 item_code, id_type, id_number, name（自然人）"
            "或 uscc, org_name（组织）, source_record_id, decision_date, severity, "
            "severity_reason，以及信息项字段（放在 fields 对象中，或直接平铺）。"
        ),
    )


class IssueOut(BaseModel):
    row: int = Field(description="行号：JSON 为从 1 开始的序号；文件为含表头的行号")
    field: str | None
    level: str = Field(description="error：该行未被接收；warning：已接收但有数据质量提示")
    code: str
    message: str
    label: str | None = Field(None, description="字段在该行所属信息项中的中文名")
    source_record_id: str | None = Field(None, description="该行的源记录编号（行中填写了的话）")


class StopOut(BaseModel):
    code: str = Field(description="停止原因的错误码，如 FILE_ENCODING_ERROR、IMPORT_INTERRUPTED")
    message: str


class Receipt(BaseModel):
    """The answer to a submission: batch id (receipt number), counts, time, row report."""

    model_config = ConfigDict(json_schema_extra={"examples": [{
        "batch_id": "01JD3Z8Q2W0000000000000000", "department_code": "market_regulation",
        "channel": "api", "status": "done", "received_at": "2026-11-21T02:00:00Z",
        "finished_at": "2026-11-21T02:00:01Z", "total": 2, "created": 1, "new_versions": 0,
        "unchanged": 0, "rejected": 1, "warnings": 0,
        "issues": [{"row": 2, "field": "id_number", "level": "error",
                    "code": "ID_CHECKSUM", "message": "证件号码校验码错误"}],
        "issues_truncated": False,
    }]})
    batch_id: str
    department_code: str
    channel: str
    filename: str | None = None
    status: str = Field(description=(
        "running 处理中；done 已完成；rejected 被拒收（未入库任何行）；failed 中途停止（rows_through "
        "及以前的行已处理入库，其后未处理）；interrupted 导入进程意外中止（同上）"))
    received_at: datetime
    finished_at: datetime | None
    rows_through: int | None = Field(None, description=(
        "已处理并提交的最后一行的行号（文件含表头的行号；JSON 为序号）；为空表示尚未入库任何行"))
    stopped: StopOut | None = Field(None, description="批次未完成时的原因")
    total: int
    created: int
    new_versions: int
    unchanged: int
    rejected: int
    warnings: int
    issues: list[IssueOut]
    issue_counts: dict[str, int] = Field(default_factory=dict, description=(
        "每个错误码的问题总数；逐行报告每个错误码只保留前若干条"))
    issues_truncated: bool = False


class RevokeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"source_record_id": "SCJG-2026-000123", "reason": "行政复议撤销原处罚决定"}
    ]})
    source_record_id: str = Field(..., min_length=1, max_length=64)
    reason: str = Field(..., min_length=1, max_length=2000, description="撤销理由")


class RevokeOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "record_id": "01JD3Z8Q2W0000000000000000", "source_record_id": "SCJG-2026-000123",
        "version": 1, "revoked_at": "2026-11-21T02:00:00Z", "revoke_reason": "行政复议撤销原处罚决定",
    }]})
    record_id: str
    source_record_id: str
    version: int
    matter_id: str = Field(description="该记录所属事项的编号")
    revoked_at: datetime
    revoke_reason: str
