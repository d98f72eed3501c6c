"""Department console, collection: templates, upload a file, read the row-by-row report, download the
refused rows, fix and resubmit."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.callers import Caller, permit
from chengxin.catalog.rules import RESERVED_FIELDS, Catalog
from chengxin.clock import utcnow
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep, reads_only
from chengxin.errors import DomainError, NotFound
from chengxin.masking import mask_id
from chengxin.records import rejects, template
from chengxin.records import repository as repo
from chengxin.records.endpoints import receipt
from chengxin.records.imports import ImportStopped, import_upload
from chengxin.records.models import Batch
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
HISTORY = 50
CHANNELS = {"api": "接口", "csv": "CSV 文件", "xlsx": "XLSX 文件", "cli": "命令行导入"}
STATUSES = {"running": "处理中", "done": "已完成", "failed": "中途停止（部分已入库）", "rejected": "被拒收（未入库）",
            "interrupted": "已中断"}
# File-level refusals about the chosen item, shown beside the item field rather than the file's.
ITEM_ERRORS = frozenset({"FILE_ITEM_MISSING", "RECORD_ITEM_UNKNOWN"})
KINDS = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def field_labels(catalog: Catalog, item_code: str) -> dict[str, str]:
    """Labels for issues recorded before each issue carried its own: the envelope's, then the
    chosen item's (never another item's: two items may share a field name under other labels)."""
    item = catalog.item(item_code) if item_code else None
    return {**RESERVED_FIELDS, **({f.name: f.label for f in item.fields} if item else {})}


def items_of(catalog: Catalog, department: str) -> list[tuple[str, str]]:
    """The catalog items this department submits, for the upload form."""
    return [(i.code, f"{i.code} {i.name}") for i in catalog.items.values() if department in i.source_departments]


def _uploads(request: Request, caller: Caller, session: SessionDep, catalog: Catalog, *, item: str = "",
             errors: dict[str, str] | None = None, stopped: Batch | None = None) -> HTMLResponse:
    department = caller.require_department()
    return render(request, "records/uploads.html", items=items_of(catalog, department), item=item,
                  batches=repo.department_batches(session, department, HISTORY), channels=CHANNELS, statuses=STATUSES,
                  department_name=catalog.departments.get(department, department), errors=errors or {},
                  stopped=stopped)


@router.get("/dept/uploads", response_class=HTMLResponse)
def uploads_page(request: Request, caller: Annotated[Caller, permit("records.submit")], session: SessionDep,
                 catalog: CatalogDep, item: Annotated[str, Query(max_length=32)] = "") -> HTMLResponse:
    """上传报送文件（可先下载模板），并查看本部门的报送记录。"""
    return _uploads(request, caller, session, catalog, item=item)


@router.post("/dept/uploads", response_class=HTMLResponse)
@reads_only  # the import commits in units of work of its own; this request's session only reads
def upload_page(request: Request, caller: Annotated[Caller, permit("records.submit")], catalog: CatalogDep,
                keys: KeysDep, settings: SettingsDep, session: SessionDep, file: Annotated[UploadFile, File()],
                item_code: Annotated[str, Form(max_length=32)] = "") -> Response:
    """导入上传的文件（与接口同一路径），然后显示回执。整个文件被拒收（无信息项列、编码有误、空文件等）时
    留在上传页，保留所选信息项并说明原因。"""
    department = caller.require_department()
    try:
        batch = import_upload(request.app.state.sessionmaker, catalog, keys, settings, department, file, item_code)
    except ImportStopped as stopped:  # the receipt says why and what landed
        batch = stopped.batch
        if batch.status == "rejected":  # nothing of the file was taken: the form again, with why
            where = "item_code" if stopped.code in ITEM_ERRORS else "file"
            return _uploads(request, caller, session, catalog, item=item_code,
                            errors={where: stopped.cause_message}, stopped=batch)
    except DomainError as refused:  # refused before a batch was opened (too large)
        return _uploads(request, caller, session, catalog, item=item_code, errors={"file": refused.message})
    return RedirectResponse(f"/dept/batches/{batch.id}?item={quote(item_code)}", status_code=303)


def _own_batch(session: SessionDep, caller: Caller, batch_id: str) -> Batch:
    department = caller.require_department()
    batch = repo.get_batch(session, batch_id[:26])
    if batch is None or batch.department_code != department:
        raise NotFound("BATCH_NOT_FOUND", "没有该批次，或该批次不属于本部门")
    return batch


def _shown(field: str | None, value: str) -> str:
    """A sent value as the report shows it: ID numbers masked (the file of refused rows has them)."""
    return mask_id(value) if field == "id_number" and value else value[:200]


@router.get("/dept/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(batch_id: str, request: Request, caller: Annotated[Caller, permit("records.read_own")],
               session: SessionDep, catalog: CatalogDep, keys: KeysDep,
               item: Annotated[str, Query(max_length=32)] = "") -> HTMLResponse:
    """一次报送的回执与逐行报告（源记录编号、字段、所填的值、原因）；可下载被拒收的行，改正后在此重新上传。"""
    batch = _own_batch(session, caller, batch_id)
    r = receipt(session, batch)
    now = utcnow()
    error_rows = sorted({i.row for i in r.issues if i.level == "error"})
    opened = {x.row: rejects.opened(keys, x.id, x.row, x.item_code, x.content_cipher)
              for x in repo.rejected_rows(session, batch.id, now, error_rows)}
    values = {(i.row, i.field): _shown(i.field, opened[i.row].values.get(i.field or "", ""))
              for i in r.issues if i.row in opened}
    kept = repo.count_rejected(session, batch.id, now) if batch.rejected else 0
    item_code = item if catalog.item(item) else ""
    return render(request, "records/batch.html", r=r, items=items_of(catalog, caller.require_department()),
                  item=item_code, channels=CHANNELS, statuses=STATUSES, labels=field_labels(catalog, item_code),
                  values=values, kept=kept, errors={})


@router.get("/dept/batches/{batch_id}/rejected.{kind}")
def rejected_file(batch_id: str, kind: str, caller: Annotated[Caller, permit("records.read_own")],
                  session: SessionDep, catalog: CatalogDep, keys: KeysDep) -> Response:
    """被拒收的行：与模板相同的列，另加原文件行号与原因，改正后可直接重新上传。"""
    if kind not in KINDS:
        raise NotFound("NOT_FOUND", "没有该文件格式")
    batch = _own_batch(session, caller, batch_id)
    rows = [rejects.opened(keys, x.id, x.row, x.item_code, x.content_cipher)
            for x in repo.rejected_rows(session, batch.id, utcnow())]
    if not rows:
        raise NotFound("REJECTED_ROWS_GONE", "该批次没有保留中的被拒收行（没有拒收，或已过保留期限被删除）")
    items = []
    for code in dict.fromkeys(r.item_code for r in rows):
        found = rejects.item_of(catalog, code)
        if found is not None and found not in items:
            items.append(found)
    refused = [(r.row, {"item_code": r.item_code or "", **r.values}, r.reason_text) for r in rows]
    body = template.refused_file(items, refused, kind)
    name = f"被拒收的行-{batch.id}.{kind}"
    return Response(body, media_type=KINDS[kind], headers={
        "Content-Disposition": f"attachment; filename=\"rejected-{batch.id}.{kind}\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "no-store"})
