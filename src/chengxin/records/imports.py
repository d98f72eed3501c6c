"""File imports as a boundary: one transaction per chunk, so memory and losses stay bounded.

Used by `chengxin import` and the upload endpoint. A crash mid-import leaves
whole chunks committed; rerunning the same file reports them as unchanged and
adds the rest, so nothing is duplicated.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session, sessionmaker

from chengxin.catalog.rules import Catalog
from chengxin.clock import today
from chengxin.crypto import Keys
from chengxin.db import unit_of_work
from chengxin.errors import DomainError
from chengxin.records import service
from chengxin.records.files import FileError, RowMapper, Table, read_csv, read_xlsx
from chengxin.records.models import Batch
from chengxin.records.rules import RowContext


@dataclass
class ImportSpec:
    department_code: str
    filename: str
    item_code: str | None = None
    chunk_rows: int = 5000


def file_sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(1 << 20), b""):
        digest.update(block)
    stream.seek(0)
    return digest.hexdigest()


def open_table(stream: IO[bytes], filename: str) -> Table:
    """Pick the reader by extension (and magic bytes): CSV or XLSX."""
    head = stream.read(4)
    stream.seek(0)
    suffix = Path(filename).suffix.lower()
    if suffix == ".xlsx" or head == b"PK\x03\x04":
        if suffix not in (".xlsx", ""):
            raise FileError("FILE_TYPE_MISMATCH", "文件内容是 XLSX，但扩展名不是 .xlsx")
        return read_xlsx(stream)
    if suffix not in (".csv", ".txt", ""):
        raise FileError("FILE_TYPE_UNSUPPORTED", "只接受 CSV 或 XLSX 文件")
    return read_csv(stream)


def run_import(
    factory: sessionmaker[Session],
    catalog: Catalog,
    keys: Keys,
    stream: IO[bytes],
    spec: ImportSpec,
    progress: Callable[[int, int], None] | None = None,
) -> Batch:
    """Import a whole file; returns the closed batch (its receipt)."""
    if spec.item_code is not None and catalog.item(spec.item_code) is None:
        raise DomainError("RECORD_ITEM_UNKNOWN", f"目录中没有信息项“{spec.item_code}”", 422)
    sha = file_sha256(stream)
    table = open_table(stream, spec.filename)
    mapper = RowMapper(table.headers, catalog, spec.item_code)
    if spec.item_code is not None:
        item = catalog.item(spec.item_code)
        assert item is not None
        missing = mapper.missing_columns(item)
        if missing:
            raise FileError("FILE_COLUMN_MISSING", f"缺少必需的列：{'、'.join(missing)}")
    channel = "xlsx" if table.encoding is None else "csv"
    with unit_of_work(factory) as session:
        batch = service.open_batch(session, spec.department_code, channel, spec.filename, sha)
    ctx = RowContext(catalog, spec.department_code, today(), keys.hasher(), spec.item_code)
    chunk: list[tuple[int, dict]] = []
    seq = 0
    try:
        for number, values in table.rows:
            chunk.append((number, mapper.map(values)))
            if len(chunk) >= spec.chunk_rows:
                seq = _commit_chunk(factory, catalog, keys, batch, ctx, chunk, seq)
                chunk = []
                if progress:
                    progress(table.position(), batch.total)
        if chunk:
            seq = _commit_chunk(factory, catalog, keys, batch, ctx, chunk, seq)
    except BaseException:
        with unit_of_work(factory) as session:
            service.close_batch(batch, "failed")
            session.merge(batch)
        raise
    with unit_of_work(factory) as session:
        service.close_batch(batch, "done")
        session.merge(batch)
    if progress:
        progress(table.position(), batch.total)
    return batch


def _commit_chunk(factory: sessionmaker[Session], catalog: Catalog, keys: Keys, batch: Batch,
                  ctx: RowContext, chunk: list[tuple[int, dict]], seq: int) -> int:
    with unit_of_work(factory) as session:
        attached = session.merge(batch)
        collector = service.Collector(session, catalog, keys, attached, ctx, seq)
        collector.add_chunk(chunk)
        seq = collector.issue_seq
    for attr in ("total", "created", "new_versions", "unchanged", "rejected", "warnings"):
        setattr(batch, attr, getattr(attached, attr))
    return seq
