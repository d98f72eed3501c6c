"""The columns of a catalog item's file, and its template (CSV and XLSX).

One description of a file serves the item page (every column with its label, type, required
flag and allowed values), the downloadable template (headers, a synthetic example row, XLSX data
validation) and the file of refused rows (the template's columns and a 原因 column), so the three
always agree with what the importer reads (records.files.RowMapper, records.rules.validate_row).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from chengxin.catalog.rules import RESERVED_FIELDS, CatalogItem
from chengxin.identity.rules import ID_TYPES, uscc_check_char
from chengxin.records.rules import EXAMPLE_SOURCE_ID, REASON_HEADER, ROW_HEADER

__all__ = ["EXAMPLE_SOURCE_ID", "REASON_HEADER", "ROW_HEADER", "Column", "columns", "template_csv", "template_xlsx"]

TYPE_LABELS = {"string": "文字", "text": "长文本", "date": "日期", "integer": "整数", "decimal": "数字",
               "enum": "选项", "boolean": "是/否", "uscc": "统一社会信用代码"}
SEVERITY_VALUES = ("轻微", "一般", "严重")
EXAMPLE_DATE = date(2026, 1, 15)
EXAMPLE_ID = "11010519491231002X"  # the example number of GB 11643 itself, not a person's
EXAMPLE_USCC = "91110000MA00000000"[:17]


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an item's file."""

    name: str  # the field name the importer maps the header to
    label: str  # the header
    type: str
    required: str  # "是", "否", or a condition in words
    values: tuple[str, ...] = ()
    note: str = ""
    example: str = ""
    common: bool = False  # carried by every record (the envelope), not the item's own

    @property
    def type_label(self) -> str:
        return TYPE_LABELS.get(self.type, self.type)


def _example(spec_type: str, label: str, values: tuple[str, ...], limit: int | None) -> str:
    if values:
        return values[0]
    return {"date": EXAMPLE_DATE.isoformat(), "integer": "1", "decimal": "0.5", "boolean": "是",
            "uscc": EXAMPLE_USCC + uscc_check_char(EXAMPLE_USCC)}.get(spec_type, f"示例{label}"[: limit or 40])


def columns(item: CatalogItem) -> list[Column]:
    """Every column of the item's file, common ones first, in the template's order."""
    r = RESERVED_FIELDS
    cols = [Column("item_code", r["item_code"], "enum", "否", (item.code,),
                   "上传时已选择信息项的可留空", item.code, True)]
    person = item.subject in ("person", "both")
    organisation = item.subject in ("organisation", "both")
    if person:
        either = "自然人必填" if organisation else "是"
        cols += [
            Column("id_type", r["id_type"], "enum", "否", tuple(ID_TYPES.values()), "留空即为居民身份证",
                   ID_TYPES["citizen_id"], True),
            Column("id_number", r["id_number"], "string", either, (), "18 位居民身份证号码或其他证件号码；"
                   "请将单元格设为文本，以免末位 X 或前导 0 丢失", EXAMPLE_ID, True),
            Column("name", r["name"], "string", either, (), "与证件一致", "张三", True),
        ]
    if organisation:
        either = "组织必填" if person else "是"
        code = EXAMPLE_USCC + uscc_check_char(EXAMPLE_USCC)
        cols += [
            Column("uscc", r["uscc"], "uscc", either, (), "18 位", "" if person else code, True),
            Column("org_name", r["org_name"], "string", either, (), "与登记名称一致", "" if person else "示例有限公司",
                   True),
        ]
    cols += [
        Column("source_record_id", r["source_record_id"], "string", "是", (),
               "本部门业务系统中的记录编号，每条记录唯一；重复报送同一编号即更新该记录", EXAMPLE_SOURCE_ID, True),
        Column("decision_date", r["decision_date"], "date", "是", (), "如 2026-01-31，不晚于报送当天",
               EXAMPLE_DATE.isoformat(), True),
    ]
    if item.nature == "negative":
        cols += [
            Column("severity", r["severity"], "enum", "否", SEVERITY_VALUES,
                   "留空即按目录的默认程度", "", True),
            Column("severity_reason", r["severity_reason"], "text", "调整程度时必填", (), "", "", True),
        ]
    for f in item.fields:
        values = ("是", "否") if f.type == "boolean" else f.values
        note = f"最长 {f.max_length} 字" if f.max_length else ""
        if f.type == "date" and f.allow_future:
            note = "可晚于今天"
        cols.append(Column(f.name, f.label, f.type, "是" if f.required else "否", values, note,
                           _example(f.type, f.label, values, f.max_length)))
    return cols


def headers(item: CatalogItem) -> list[str]:
    return [c.label for c in columns(item)]


def example_row(item: CatalogItem) -> list[str]:
    return [c.example for c in columns(item)]


def csv_bytes(header: list[str], rows: Iterable[list[str]]) -> bytes:
    """UTF-8 with a BOM, which Excel needs to read Chinese CSV correctly (the importer takes it)."""
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerow(header)
    out.writerows(rows)
    return ("\ufeff" + buf.getvalue()).encode()


def template_csv(item: CatalogItem) -> bytes:
    return csv_bytes(headers(item), [example_row(item)])


def _letter(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def xlsx_bytes(cols: list[Column], rows: Iterable[list[str]], *, extra: Mapping[str, int] | None = None,
               title: str = "填写", guide: CatalogItem | None = None) -> bytes:
    """A workbook whose first sheet has the columns, the rows, and data validation for
    enumerations and dates over its first 5,000 rows; `extra` adds plain columns (header -> width)
    after them. With `guide`, a second sheet explains every column."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.worksheet.datavalidation import DataValidation

    book = Workbook()
    sheet = book.active
    sheet.title = title
    lists = book.create_sheet("选项")
    extra = dict(extra or {})
    sheet.append([c.label for c in cols] + list(extra))
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDE7F3")
    for n, c in enumerate(cols, 1):
        cell = sheet.cell(1, n)
        cell.font, cell.fill = bold, fill
        sheet.column_dimensions[_letter(n)].width = max(12, min(40, len(c.label) * 2 + 4))
    for n, width in enumerate(extra.values(), len(cols) + 1):
        sheet.cell(1, n).font = bold
        sheet.column_dimensions[_letter(n)].width = width
    last = 5001
    for row in rows:
        sheet.append(row)
    for n, c in enumerate(cols, 1):
        col = _letter(n)
        span = f"{col}2:{col}{last}"
        if c.type in ("string", "text", "uscc") or c.name in ("id_number", "source_record_id"):
            # Text, for the cells filled in later too: keeps a trailing X and leading zeros.
            sheet.column_dimensions[col].number_format = "@"
            for r in range(2, sheet.max_row + 1):
                sheet[f"{col}{r}"].number_format = "@"
        if c.values:
            lists.append([c.label, *c.values])
            where = lists.max_row
            end = _letter(len(c.values) + 1)
            dv = DataValidation(type="list", formula1=f"'选项'!$B${where}:${end}${where}", allow_blank=True,
                                showErrorMessage=True, errorTitle="不是可选值",
                                error=f"{c.label}请从下拉列表中选择")
        elif c.type == "date":
            dv = DataValidation(type="date", operator="greaterThan", formula1="DATE(1900,1,1)", allow_blank=True,
                                showErrorMessage=True, errorTitle="日期有误", error=f"{c.label}应为日期，如 2026-01-31")
            sheet.column_dimensions[col].number_format = "yyyy-mm-dd"
            for r in range(2, sheet.max_row + 1):
                sheet[f"{col}{r}"].number_format = "yyyy-mm-dd"
        elif c.type == "integer":
            dv = DataValidation(type="whole", operator="between", formula1="-999999999", formula2="999999999",
                                allow_blank=True, showErrorMessage=True, errorTitle="应为整数",
                                error=f"{c.label}应为整数")
        elif c.type == "decimal":
            dv = DataValidation(type="decimal", operator="between", formula1="-1E+15", formula2="1E+15",
                                allow_blank=True, showErrorMessage=True, errorTitle="应为数字",
                                error=f"{c.label}应为数字")
        else:
            continue
        dv.add(span)
        sheet.add_data_validation(dv)
    sheet.freeze_panes = "A2"
    lists.sheet_state = "hidden"
    if guide is not None:
        notes = book.create_sheet("填写说明")
        notes.append(["列名", "类型", "必填", "可选值", "说明"])
        for cell in notes[1]:
            cell.font = bold
        for c in cols:
            notes.append([c.label, c.type_label, c.required, "、".join(c.values), c.note])
        notes.append([])
        notes.append([f"信息项：{guide.code} {guide.name}。第 2 行是示例（源记录编号“{EXAMPLE_SOURCE_ID}”），"
                      "请删除或改写后再上传；示例行不会入库。"])
        for col, width in zip("ABCDE", (24, 14, 14, 40, 60), strict=True):
            notes.column_dimensions[col].width = width
        for row in notes.iter_rows(min_row=2):
            for cell in row:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def template_xlsx(item: CatalogItem) -> bytes:
    return xlsx_bytes(columns(item), [example_row(item)], guide=item)


def refused_columns(items: list[CatalogItem], sent: Iterable[Mapping[str, str]]) -> list[Column]:
    """The columns of a file of refused rows: the templates' columns of the rows' items, then
    any other column the rows were sent with (by its own header)."""
    cols: list[Column] = []
    seen: set[str] = set()
    for item in items:
        for c in columns(item):
            if c.name not in seen:
                seen.add(c.name)
                cols.append(c)
    for values in sent:
        for name in values:
            if name not in seen:
                seen.add(name)
                cols.append(Column(name, RESERVED_FIELDS.get(name, name), "string", "否"))
    return cols


def refused_file(items: list[CatalogItem], refused: list[tuple[int, Mapping[str, str], str]],
                 kind: str) -> bytes:
    """Refused rows (file row, values by field name, reason) in the template's format, with the
    row number and the reason after the data columns (the importer skips both)."""
    cols = refused_columns(items, (values for _, values, _ in refused))
    rows = [[values.get(c.name, "") for c in cols] + [str(number), reason] for number, values, reason in refused]
    if kind == "csv":
        return csv_bytes([c.label for c in cols] + [ROW_HEADER, REASON_HEADER], rows)
    return xlsx_bytes(cols, rows, extra={ROW_HEADER: 12, REASON_HEADER: 60}, title="被拒收的行")
