"""Streaming readers for uploaded CSV (UTF-8 or GB18030) and XLSX files.

Rows are yielded one at a time so memory does not grow with the file; the
header row holds the catalog's Chinese labels (or the field names).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from chengxin.catalog.rules import Catalog, CatalogItem
from chengxin.errors import DomainError
from chengxin.records.rules import ENVELOPE_BY_HEADER

SNIFF_BYTES = 256 * 1024
csv.field_size_limit(1_000_000)


class FileError(DomainError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message, 422)


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030; anything else is refused."""
    if b"\x00" in head:
        raise FileError("FILE_ENCODING_UNKNOWN", "无法识别文件编码：请使用 UTF-8 或 GB18030 编码的 CSV")
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileError("FILE_ENCODING_UNKNOWN", "无法识别文件编码：请使用 UTF-8 或 GB18030 编码的 CSV")


@dataclass
class Table:
    """A header and a lazy row iterator, with a byte-progress probe for progress bars."""

    headers: list[str]
    rows: Iterator[tuple[int, list[Any]]]
    encoding: str | None
    position: Any  # () -> bytes consumed so far, for progress bars


def read_csv(stream: IO[bytes]) -> Table:
    head = stream.read(SNIFF_BYTES)
    encoding = detect_encoding(head)
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="strict")
    reader = csv.reader(text)
    try:
        headers = next(reader)
    except StopIteration:
        raise FileError("FILE_EMPTY", "文件为空") from None
    except UnicodeDecodeError:
        raise FileError("FILE_ENCODING_UNKNOWN", "文件编码有误：请使用 UTF-8 或 GB18030") from None
    except csv.Error as exc:
        raise FileError("FILE_CSV_MALFORMED", f"CSV 格式错误：{exc}") from None

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 1
        try:
            for values in reader:
                number += 1
                if values and "".join(values).strip():  # not a blank line (one C call per row)
                    yield number, values
        except UnicodeDecodeError:
            raise FileError("FILE_ENCODING_ERROR",
                            f"第 {number + 1} 行附近出现无法解码的字节，导入在此停止") from None
        except csv.Error as exc:
            raise FileError("FILE_CSV_MALFORMED", f"第 {number + 1} 行 CSV 格式错误：{exc}") from None
        finally:
            # The caller owns the byte stream: don't let the text wrapper close it.
            with contextlib.suppress(ValueError):  # already closed by its owner
                text.detach()

    return Table([h.strip().lstrip("\ufeff") for h in headers], rows(), encoding, stream.tell)


def read_xlsx(path_or_stream: Path | IO[bytes]) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path_or_stream, read_only=True, data_only=True)
    except (InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise FileError("FILE_XLSX_MALFORMED", "无法读取 XLSX 文件：文件已损坏或不是 Excel 工作簿") from exc
    except Exception as exc:  # zipfile.BadZipFile and friends
        raise FileError("FILE_XLSX_MALFORMED", "无法读取 XLSX 文件：文件已损坏或不是 Excel 工作簿") from exc
    sheet = book.worksheets[0]
    it = sheet.iter_rows(values_only=True)
    try:
        header_row = next(it)
    except StopIteration:
        raise FileError("FILE_EMPTY", "工作表为空") from None
    headers = ["" if h is None else str(h).strip() for h in header_row]
    state = {"row": 1}

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 1
        for values in it:
            number += 1
            state["row"] = number
            if any(v not in (None, "") for v in values):
                yield number, list(values)
        book.close()

    return Table(headers, rows(), None, lambda: state["row"])


class RowMapper:
    """Turns a row of header-ordered values into a {field name: value} dict."""

    def __init__(self, headers: list[str], catalog: Catalog, default_item: str | None) -> None:
        self.headers = headers
        self.catalog = catalog
        self.default_item = default_item
        self._item_col = next((i for i, h in enumerate(headers)
                               if ENVELOPE_BY_HEADER.get(h) == "item_code"), None)
        self._names: dict[str | None, list[str]] = {}
        dupes = {h for h in headers if h and headers.count(h) > 1}
        if dupes:
            raise FileError("FILE_HEADER_DUPLICATE", f"表头重复：{'、'.join(sorted(dupes))}")
        if default_item is None and self._item_col is None:
            raise FileError("FILE_ITEM_MISSING", "请指定信息项，或在文件中提供“目录项编码”列")
        known = set(ENVELOPE_BY_HEADER)
        for item in catalog.items.values():
            known.update(item.by_label)
            known.update(item.by_name)
        if not any(h in known for h in headers):
            raise FileError("FILE_HEADER_UNRECOGNISED",
                            "表头中没有任何目录字段：请检查文件编码（UTF-8 或 GB18030）和列名")

    def names_for(self, item_code: str | None) -> list[str]:
        names = self._names.get(item_code)
        if names is None:
            item = self.catalog.item(item_code) if item_code else None
            names = [self._name(h, item) for h in self.headers]
            self._names[item_code] = names
        return names

    @staticmethod
    def _name(header: str, item: CatalogItem | None) -> str:
        if header in ENVELOPE_BY_HEADER:
            return ENVELOPE_BY_HEADER[header]
        if item is not None:
            spec = item.by_label.get(header)
            if spec is not None:
                return spec.name
        return header

    def map(self, values: list[Any]) -> dict[str, Any]:
        item_code = self.default_item
        if self._item_col is not None and self._item_col < len(values):
            cell = values[self._item_col]
            if isinstance(cell, str) and cell.strip():
                item_code = cell.strip()
        names = self.names_for(item_code)
        row = dict(zip(names, values, strict=False))
        if item_code is not None and not row.get("item_code"):
            row["item_code"] = item_code
        row.pop("", None)
        return row

    def missing_columns(self, item: CatalogItem) -> list[str]:
        """Labels of required columns absent from the header (checked before any row)."""
        present = set(self.names_for(item.code))
        wanted = [("source_record_id", "源记录编号"), ("decision_date", "决定日期")]
        if item.subject == "person":
            wanted += [("id_number", "证件号码"), ("name", "姓名")]
        elif item.subject == "organisation":
            wanted += [("uscc", "统一社会信用代码"), ("org_name", "主体名称")]
        wanted += [(f.name, f.label) for f in item.fields if f.required]
        return [label for name, label in wanted if name not in present]
