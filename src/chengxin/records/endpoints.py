"""Collection API: JSON batches, file uploads, receipts, revocation."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, UploadFile

from chengxin.callers import Caller, permit
from chengxin.clock import today
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep, reads_only
from chengxin.errors import PROBLEM_RESPONSES, DomainError, NotFound
from chengxin.params import Int64
from chengxin.records import repository as repo
from chengxin.records import service
from chengxin.records.files import MAX_COLUMNS
from chengxin.records.imports import import_upload
from chengxin.records.models import Batch
from chengxin.records.rules import Issue, RowContext
from chengxin.records.schemas import BatchIn, IssueOut, Receipt, RevokeIn, RevokeOut, StopOut

router = APIRouter(prefix="/api/v1/records", tags=["归集"], responses=PROBLEM_RESPONSES)
REPORT_LIMIT = 1000


def receipt(session: Any, batch: Batch, limit: int = REPORT_LIMIT) -> Receipt:
    issues = repo.batch_issues(session, batch.id, limit + 1)
    counts = batch.issue_counts or {}
    return Receipt(
        batch_id=batch.id, department_code=batch.department_code, channel=batch.channel,
        filename=batch.filename, status=batch.status, received_at=batch.received_at,
        finished_at=batch.finished_at, rows_through=batch.rows_through,
        stopped=StopOut(code=batch.error_code, message=batch.error_message or "") if batch.error_code else None,
        total=batch.total, created=batch.created,
        new_versions=batch.new_versions, unchanged=batch.unchanged, rejected=batch.rejected,
        warnings=batch.warnings,
        issues=[IssueOut(row=i.row, field=i.field, level=i.level, code=i.code, message=i.message,
                         label=i.label, source_record_id=i.source_record_id) for i in issues[:limit]],
        issue_counts=counts,
        issues_truncated=len(issues) > limit or sum(counts.values()) > len(issues),
    )


def flatten(record: Any) -> dict[str, Any] | Issue:
    """A JSON record with its item fields either nested under `fields` or flat."""
    if not isinstance(record, dict):
        return Issue(0, None, "RECORD_NOT_OBJECT", "每条记录必须是 JSON 对象")
    nested = record.get("fields")
    if nested is not None and not isinstance(nested, dict):
        return Issue(0, "fields", "RECORD_FIELDS_NOT_OBJECT", "fields 必须是 JSON 对象")
    if len(record) + len(nested or ()) > MAX_COLUMNS:  # as a file's columns: bounded work per row
        return Issue(0, None, "RECORD_TOO_MANY_FIELDS", f"一条记录最多 {MAX_COLUMNS} 个字段")
    if nested is None:
        return record
    flat = {k: v for k, v in record.items() if k != "fields"}
    flat.update(nested)
    return flat


@router.post("/batches", response_model=Receipt, status_code=201, summary="报送 JSON 批次")
def submit_batch(
    body: BatchIn, caller: Annotated[Caller, permit("records.submit")], session: SessionDep, catalog: CatalogDep,
    keys: KeysDep, settings: SettingsDep,
) -> Receipt:
    """报送一批记录：逐条校验，合格的入库，不合格的逐行报告；按（部门，源记录编号）幂等。"""
    department = caller.require_department()
    if len(body.records) > settings.max_batch_rows:
        raise DomainError("BATCH_TOO_LARGE",
                          f"一次最多报送 {settings.max_batch_rows} 条记录，请分批提交", 413,
                          limit=settings.max_batch_rows, received=len(body.records))
    if not body.records:
        raise DomainError("BATCH_EMPTY", "批次中没有记录", 422)
    if body.item_code is not None and catalog.item(body.item_code) is None:
        raise DomainError("RECORD_ITEM_UNKNOWN", f"目录中没有信息项“{body.item_code}”", 422)
    batch = service.open_batch(session, department, "api")
    ctx = RowContext(catalog, department, today(), keys.hasher(), body.item_code)
    collector = service.Collector(session, catalog, keys, batch, ctx,
                                  issues_per_code=settings.max_issues_per_code,
                                  rejected_days=settings.rejected_rows_days)
    rows: list[tuple[int, dict[str, Any]]] = []
    shape_issues: list[Issue] = []
    for n, record in enumerate(body.records, start=1):
        flat = flatten(record)
        if isinstance(flat, Issue):
            shape_issues.append(Issue(n, flat.field, flat.code, flat.message))
        else:
            rows.append((n, flat))
    collector.add_chunk(rows)
    if shape_issues:
        listed = collector.listed(shape_issues)
        repo.insert_issues(session, batch.id, collector.issue_seq, listed)
        collector.issue_seq += len(listed)
        batch.rejected += len(shape_issues)
        batch.total += len(shape_issues)
    batch.rows_through = len(body.records)  # one transaction: every row or none
    service.close_batch(batch)
    session.flush()
    return receipt(session, batch)


@router.post("/uploads", response_model=Receipt, status_code=201, summary="上传 CSV/XLSX 文件")
@reads_only
def upload_file(
    request: Request,
    caller: Annotated[Caller, permit("records.submit")],
    catalog: CatalogDep,
    keys: KeysDep,
    settings: SettingsDep,
    session: SessionDep,
    file: Annotated[UploadFile, File(description="CSV（UTF-8 或 GB18030）或 XLSX，表头为目录中文字段名")],
    item_code: Annotated[str | None, Form(description="信息项编码；文件含“目录项编码”列时可省略")] = None,
) -> Receipt:
    """上传文件报送：逐行校验并给出逐行报告；重复上传不会产生重复记录。

    文件按块（`CHENGXIN_IMPORT_CHUNK_ROWS` 行）校验并提交。文件中途出错（如无法解码的字节）时，
    已提交的块保留，其后各行不处理：返回的错误（problem+json）带回执编号 `batch_id`、`rows_through`
    （已处理至第几行）与各项计数 `landed`；改正后重新上传同一文件即可继续，已入库的行计为“未变”，不会重复。"""
    department = caller.require_department()
    batch = import_upload(request.app.state.sessionmaker, catalog, keys, settings, department, file, item_code)
    return receipt(session, batch)


@router.get("/batches/{batch_id}", response_model=Receipt, summary="查询批次回执")
def get_receipt(
    batch_id: str, caller: Annotated[Caller, permit("records.read_own")], session: SessionDep,
    limit: Annotated[Int64, Query(ge=1, le=10_000)] = REPORT_LIMIT,
) -> Receipt:
    """查询本部门某批次的回执与逐行报告。"""
    department = caller.require_department()
    batch = repo.get_batch(session, batch_id[:26])
    if batch is None or batch.department_code != department:
        raise NotFound("BATCH_NOT_FOUND", "没有该批次，或该批次不属于本部门")
    return receipt(session, batch, limit)


@router.post("/revocations", response_model=RevokeOut, summary="撤销记录")
def revoke_record(
    body: RevokeIn, caller: Annotated[Caller, permit("records.submit")], session: SessionDep,
    catalog: CatalogDep, settings: SettingsDep,
) -> RevokeOut:
    """撤销本部门报送的一条记录（须说明理由）：该事项停止公示、移出名单、不再作为惩戒依据；历史版本保留。"""
    department = caller.require_department()
    record, matter = service.revoke(session, catalog, department, body.source_record_id, body.reason,
                                    settings=settings)
    return RevokeOut(record_id=record.id, matter_id=matter.id, source_record_id=record.source_record_id,
                     version=record.version, revoked_at=matter.updated_at, revoke_reason=matter.end_note or "")
