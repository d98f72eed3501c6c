"""Batch checks as files: identifiers read from CSV/XLSX/TXT, answers written as CSV rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from chengxin.checks.batch import Wanted, as_wanted
from chengxin.checks.rules import DECISION_LABELS
from chengxin.records.imports import open_table
from chengxin.records.rules import cell_text

HEADER = ["行号", "业务编号", "证件号码（脱敏）", "核查结论", "命中措施", "核查编号", "错误码", "说明"]


def identifier_rows(stream: IO[bytes], filename: str) -> Iterator[Wanted | dict[str, Any]]:
    """Batch items from a file: the 证件号码 column (with 证件类型 and 备注 if present), or,
    without a header, the first column from the first line on."""
    table = open_table(stream, filename if filename.lower().endswith(".xlsx") else filename + ".csv")
    where = {h: i for i, h in enumerate(table.headers)}
    col = where.get("证件号码", where.get("id_number"))
    type_col = where.get("证件类型", where.get("id_type"))
    ref_col = where.get("备注", where.get("ref"))
    if col is None:
        col = 0
        if table.headers and table.headers[0]:
            yield as_wanted(1, table.headers[0])

    def cell(values: list[Any], i: int | None) -> str:
        return "" if i is None or i >= len(values) or values[i] is None else str(values[i]).strip()

    for number, values in table.rows:
        raw = {"id_number": cell(values, col), "id_type": cell(values, type_col) or "citizen_id"}
        if cell(values, ref_col):
            raw["ref"] = cell(values, ref_col)
        if raw["id_number"]:
            yield as_wanted(number, raw)


def result_row(line: dict[str, Any]) -> list[Any]:
    """One answer line of a batch (not the summary) as a CSV row under HEADER."""
    if "error" in line:
        return [line["line"], line["ref"] or "", "", "", "", "", line["error"]["code"], line["error"]["message"]]
    measures = "；".join(f"{h['measure_code']} {h['measure_name']}" for h in line["hits"])
    return [line["line"], line["ref"] or "", line["id_number"], DECISION_LABELS[line["decision"]], measures,
            line["check_id"], "", ""]


def summary_text(summary: dict[str, int]) -> str:
    return (f"共 {summary['total']} 行，拦截 {summary['block']}，从严审核 {summary['review']}，"
            f"绿色通道 {summary['green']}，通过 {summary['clear']}，错误 {summary['errors']}")


# --- batch checks from the department pages: the caller's own columns kept beside each answer ---

ANSWER_COLUMNS = ["核查结论", "命中措施", "说明", "核查编号"]


@dataclass
class CallerList:
    """A list sent for a batch check: its header, each line's cells as text, and what to check."""

    headers: list[str]
    cells: dict[int, list[str]]
    items: list[Wanted | dict[str, Any]]


def _text(value: Any) -> str:
    return "" if value is None else cell_text(value).strip()


def read_caller_list(stream: IO[bytes], filename: str) -> CallerList:
    """The list with every column the caller sent (name, reference, ...), as `identifier_rows` reads it."""
    table = open_table(stream, filename if filename.lower().endswith(".xlsx") else filename + ".csv")
    where = {h: i for i, h in enumerate(table.headers)}
    col = where.get("证件号码", where.get("id_number"))
    headers = list(table.headers)
    cells: dict[int, list[str]] = {}
    if col is None:  # no header: the first line is a number like the others
        headers = ["证件号码"] + [f"第 {n} 列" for n in range(2, len(table.headers) + 1)]
        cells[1] = [_text(h) for h in table.headers]
    for number, values in table.rows:
        cells[number] = [_text(v) for v in values]
    stream.seek(0)
    items = list(identifier_rows(stream, filename))
    return CallerList(headers, cells, items)


def answer_cells(line: dict[str, Any] | None) -> list[str]:
    """The answer columns (ANSWER_COLUMNS) of one line of a batch."""
    if line is None:
        return ["", "", "未填证件号码，未核查", ""]
    if "error" in line:
        return ["未核查", "", line["error"]["message"], ""]
    measures = "；".join(h["measure_name"] for h in line["hits"])
    return [DECISION_LABELS[line["decision"]], measures, "", line["check_id"]]


def result_table(sent: CallerList, lines: list[dict[str, Any]]) -> tuple[list[str], list[list[str]]]:
    """The result file: the caller's columns as sent, then the answer, line by line in file order."""
    by_line = {line["line"]: line for line in lines if "line" in line}
    width = max([len(sent.headers)] + [len(c) for c in sent.cells.values()])
    headers = sent.headers + [f"第 {n} 列" for n in range(len(sent.headers) + 1, width + 1)]
    rows = [[str(number)] + cells + [""] * (width - len(cells)) + answer_cells(by_line.get(number))
            for number, cells in sorted(sent.cells.items())]
    return ["行号", *headers, *ANSWER_COLUMNS], rows


def table_bytes(columns: list[str], rows: list[list[str]], kind: str, title: str = "核查结果") -> bytes:
    """A table as CSV (UTF-8 with BOM, for Excel) or as an XLSX workbook."""
    if kind == "csv":
        buf = io.StringIO()
        out = csv.writer(buf)
        out.writerow(columns)
        out.writerows(rows)
        return ("\ufeff" + buf.getvalue()).encode()
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook(write_only=False)
    sheet = book.active
    sheet.title = title
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for n, name in enumerate(columns, 1):
        sheet.column_dimensions[sheet.cell(1, n).column_letter].width = max(10, min(40, len(name) * 2 + 4))
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
