"""Department console, collection: upload a file, read the row-by-row report, fix and resubmit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from chengxin.callers import Caller, permit
from chengxin.catalog.rules import RESERVED_FIELDS, Catalog
from chengxin.deps import CatalogDep, KeysDep, SessionDep, SettingsDep
from chengxin.errors import NotFound
from chengxin.records import repository as repo
from chengxin.records.endpoints import receipt
from chengxin.records.imports import ImportStopped, import_upload
from chengxin.web.render import render

router = APIRouter(include_in_schema=False)
HISTORY = 50
CHANNELS = {"api": "接口", "csv": "CSV 文件", "xlsx": "XLSX 文件", "cli": "命令行导入"}
STATUSES = {"running": "处理中", "done": "已完成", "failed": "中途停止（部分已入库）", "rejected": "被拒收（未入库）",
            "interrupted": "已中断"}


def field_labels(catalog: Catalog, item_code: str) -> dict[str, str]:
    """Chinese labels of the field names a report names: the item's own first, then the envelope's."""
    labels = {f.name: f.label for i in catalog.items.values() for f in i.fields}
    item = catalog.item(item_code) if item_code else None
    return {**labels, **RESERVED_FIELDS, **({f.name: f.label for f in item.fields} if item else {})}


def items_of(catalog: Catalog, department: str) -> list[tuple[str, str]]:
    """The catalog items this department submits, for the upload form."""
    return [(i.code, f"{i.code} {i.name}") for i in catalog.items.values() if department in i.source_departments]


@router.get("/dept/uploads", response_class=HTMLResponse)
def uploads_page(request: Request, caller: Annotated[Caller, permit("records.submit")], session: SessionDep,
                 catalog: CatalogDep) -> HTMLResponse:
    """上传报送文件，并查看本部门的报送记录。"""
    department = caller.require_department()
    return render(request, "records/uploads.html", items=items_of(catalog, department), item="",
                  batches=repo.department_batches(session, department, HISTORY), channels=CHANNELS, statuses=STATUSES,
                  department_name=catalog.departments.get(department, department))


@router.post("/dept/uploads")
def upload_page(request: Request, caller: Annotated[Caller, permit("records.submit")], catalog: CatalogDep,
                keys: KeysDep, settings: SettingsDep, file: Annotated[UploadFile, File()],
                item_code: Annotated[str, Form(max_length=32)] = "") -> Response:
    """导入上传的文件（与接口同一路径），然后显示回执：完成的，或停在哪一行、为什么、已入库多少。"""
    department = caller.require_department()
    try:
        batch = import_upload(request.app.state.sessionmaker, catalog, keys, settings, department, file, item_code)
    except ImportStopped as stopped:  # the receipt says why and what landed
        batch = stopped.batch
    return RedirectResponse(f"/dept/batches/{batch.id}?item={item_code}", status_code=303)


@router.get("/dept/batches/{batch_id}", response_class=HTMLResponse)
def batch_page(batch_id: str, request: Request, caller: Annotated[Caller, permit("records.read_own")],
               session: SessionDep, catalog: CatalogDep,
               item: Annotated[str, Query(max_length=32)] = "") -> HTMLResponse:
    """一次报送的回执与逐行报告；改正后可在此重新上传。"""
    department = caller.require_department()
    batch = repo.get_batch(session, batch_id[:26])
    if batch is None or batch.department_code != department:
        raise NotFound("BATCH_NOT_FOUND", "没有该批次，或该批次不属于本部门")
    return render(request, "records/batch.html", r=receipt(session, batch), items=items_of(catalog, department),
                  item=item, channels=CHANNELS, statuses=STATUSES, labels=field_labels(catalog, item))
