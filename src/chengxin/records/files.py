"""Streaming readers for uploaded CSV (UTF-8 or GB18030) and XLSX files.

Rows are yielded one at a time so memory does not grow with the file; the
header row holds the catalog's Chinese labels (or the field names).

What a file may cost is bounded before the work is done: at most MAX_COLUMNS columns, cells of
at most CELL_MAX_CHARS characters (Excel's own limit), CSV lines of at most LINE_MAX_CHARS
characters, and for XLSX the unpacked size of its parts. A file past a bound is refused at the
row where it passes it (rows before it are stored, see records/imports.py).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from chengxin.catalog.rules import Catalog, CatalogItem
from chengxin.errors import DomainError
from chengxin.records.rules import ENVELOPE_BY_HEADER, IGNORED_HEADERS

SNIFF_BYTES = 256 * 1024
MAX_COLUMNS = 256
CELL_MAX_CHARS = 32_767
LINE_MAX_CHARS = 1_000_000
# XLSX: openpyxl reads the workbook's small parts and the shared strings whole, the sheet as a stream.
XLSX_MAX_UNPACKED = 2 << 30  # all parts together
XLSX_MAX_SHARED_STRINGS = 512 << 20
XLSX_MAX_OTHER_PART = 64 << 20
csv.field_size_limit(CELL_MAX_CHARS)
_UNDECODED = re.compile("[\udc80-\udcff]")


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


def _lines(text: io.TextIOWrapper) -> Iterator[str]:
    """The file's lines for the CSV reader, each at most LINE_MAX_CHARS long (so one long line
    costs no more than that before it is refused)."""
    readline = text.readline
    line_no = 0
    while line := readline(LINE_MAX_CHARS + 1):
        line_no += 1
        if len(line) > LINE_MAX_CHARS and not line.endswith(("\n", "\r")):
            raise FileError("FILE_LINE_TOO_LONG", f"文件第 {line_no} 行超过 {LINE_MAX_CHARS} 个字符，导入在此停止")
        yield line


def _undecodable_row(stream: IO[bytes], encoding: str) -> int | None:
    """The number of the first row holding bytes that do not decode (only after an error: the
    bytes are read again, undecodable ones as lone surrogates, which no valid text holds)."""
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="surrogateescape")
    try:
        for number, values in enumerate(csv.reader(_lines(text)), 1):
            if _UNDECODED.search("".join(values)):
                return number
    except (csv.Error, FileError):
        return None
    finally:
        text.detach()
    return None


def _csv_error(exc: csv.Error, row: int) -> FileError:
    if "field larger than field limit" in str(exc):
        return FileError("FILE_CELL_TOO_LARGE", f"第 {row} 行有单元格超过 {CELL_MAX_CHARS} 个字符，导入在此停止")
    return FileError("FILE_CSV_MALFORMED", f"第 {row} 行 CSV 格式错误：{exc}")


def _too_many_columns(row: int, count: int) -> FileError:
    where = "表头" if row == 1 else f"第 {row} 行"
    return FileError("FILE_TOO_MANY_COLUMNS", f"{where}有 {count} 列，超过上限 {MAX_COLUMNS} 列，导入在此停止")


def read_csv(stream: IO[bytes]) -> Table:
    head = stream.read(SNIFF_BYTES)
    encoding = detect_encoding(head)
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=encoding, newline="", errors="strict")
    reader = csv.reader(_lines(text))
    try:
        headers = next(reader)
    except StopIteration:
        raise FileError("FILE_EMPTY", "文件为空") from None
    except UnicodeDecodeError:
        raise FileError("FILE_ENCODING_UNKNOWN", "文件编码有误：请使用 UTF-8 或 GB18030") from None
    except csv.Error as exc:
        raise _csv_error(exc, 1) from None
    if len(headers) > MAX_COLUMNS:
        raise _too_many_columns(1, len(headers))

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 1
        try:
            for values in reader:
                number += 1
                if len(values) > MAX_COLUMNS:
                    raise _too_many_columns(number, len(values))
                if values and "".join(values).strip():  # not a blank line (one C call per row)
                    yield number, values
        except UnicodeDecodeError:
            # The wrapper decodes a block ahead of the reader: the row is found by reading again.
            text.detach()
            row = _undecodable_row(stream, encoding) or number + 1
            raise FileError("FILE_ENCODING_ERROR", f"第 {row} 行有无法解码的字节，导入在此停止") from None
        except csv.Error as exc:
            raise _csv_error(exc, number + 1) from None
        finally:
            # The caller owns the byte stream: don't let the text wrapper close it.
            with contextlib.suppress(ValueError):  # already closed by its owner
                text.detach()

    return Table([h.strip().lstrip("\ufeff") for h in headers], rows(), encoding, stream.tell)


def _check_xlsx_parts(stream: IO[bytes]) -> None:
    """Refuse an XLSX file whose parts would cost more than the file is worth, before openpyxl
    reads it: unpacked sizes (a zip bomb), and any text run in the shared strings or a sheet
    longer than a cell may be (openpyxl would hold it whole). The sizes in the zip directory
    are binding: zipfile stops reading a part at its declared size."""
    malformed = FileError("FILE_XLSX_MALFORMED", "无法读取 XLSX 文件：文件已损坏或不是 Excel 工作簿")
    try:
        archive = zipfile.ZipFile(stream)
        parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise malformed from None
    if sum(p.file_size for p in parts) > XLSX_MAX_UNPACKED:
        raise FileError("FILE_XLSX_TOO_LARGE", f"XLSX 文件解压后超过 {XLSX_MAX_UNPACKED >> 30} GB，请分成多个文件")
    for part in parts:
        name = part.filename
        streamed = name.startswith("xl/worksheets/")
        if name == "xl/sharedStrings.xml":
            limit = XLSX_MAX_SHARED_STRINGS
        elif streamed:
            limit = XLSX_MAX_UNPACKED
        else:
            limit = XLSX_MAX_OTHER_PART
        if part.file_size > limit:
            raise FileError("FILE_XLSX_TOO_LARGE", f"XLSX 文件的部件 {name[:80]} 解压后过大，请分成多个文件")
        if streamed or name == "xl/sharedStrings.xml":
            try:
                longest = _longest_text(archive.open(part))
            except (zipfile.BadZipFile, OSError, ValueError, EOFError):
                raise malformed from None
            if longest > CELL_MAX_CHARS * 4:  # UTF-8: at most 4 bytes a character
                raise FileError("FILE_CELL_TOO_LARGE", f"工作簿中有单元格超过 {CELL_MAX_CHARS} 个字符")
    stream.seek(0)


def _longest_text(part: IO[bytes]) -> int:
    """The longest run of bytes without "<" in an XML part: text can hold no raw "<", so no
    text node (a cell's value) is longer. Read in blocks; nothing is kept."""
    longest = carry = 0
    while block := part.read(1 << 20):
        pieces = block.split(b"<")
        if len(pieces) == 1:
            carry += len(block)
        else:
            longest = max(longest, carry + len(pieces[0]), max(map(len, pieces[1:-1]), default=0))
            carry = len(pieces[-1])
        longest = max(longest, carry)
    return longest


def read_xlsx(path_or_stream: Path | IO[bytes]) -> Table:
    from openpyxl import load_workbook

    if isinstance(path_or_stream, Path):
        with path_or_stream.open("rb") as fh:
            _check_xlsx_parts(fh)
    else:
        _check_xlsx_parts(path_or_stream)
    try:
        book = load_workbook(path_or_stream, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        # The dimension a file declares is not trusted: read-only sheets pad every row to it
        # (a file claiming A1:XFD1048576 would cost a million rows of 16,384 cells).
        sheet.reset_dimensions()
    except Exception as exc:  # InvalidFileException, zipfile.BadZipFile, KeyError, XML errors...
        raise FileError("FILE_XLSX_MALFORMED", "无法读取 XLSX 文件：文件已损坏或不是 Excel 工作簿") from exc
    it = sheet.iter_rows(values_only=True)
    state = {"row": 1}

    def checked(number: int, values: tuple[Any, ...]) -> list[Any]:
        if len(values) > MAX_COLUMNS:
            raise _too_many_columns(number, len(values))
        for v in values:
            if v.__class__ is str and len(v) > CELL_MAX_CHARS:
                raise FileError("FILE_CELL_TOO_LARGE",
                                f"第 {number} 行有单元格超过 {CELL_MAX_CHARS} 个字符，导入在此停止")
        return list(values)

    def next_row() -> tuple[Any, ...] | None:
        try:
            return next(it)
        except StopIteration:
            return None
        except Exception as exc:  # a malformed cell or part met while streaming the sheet
            raise FileError("FILE_XLSX_MALFORMED",
                            f"XLSX 文件第 {state['row'] + 1} 行附近无法读取，导入在此停止") from exc

    header_row = next_row()
    if header_row is None:
        raise FileError("FILE_EMPTY", "工作表为空")
    headers = ["" if h is None else str(h).strip() for h in checked(1, header_row)]

    def rows() -> Iterator[tuple[int, list[Any]]]:
        number = 1
        try:
            while (values := next_row()) is not None:
                number += 1
                state["row"] = number
                if any(v not in (None, "") for v in values):
                    yield number, checked(number, values)
        finally:
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
        seen: set[str] = set()
        dupes = {h for h in headers if h and (h in seen or seen.add(h))}  # linear: headers can be wide
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
        if header in IGNORED_HEADERS:  # a file of refused rows sent back: its reasons are not data
            return ""
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
