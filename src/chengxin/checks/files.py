"""Batch checks as files: identifiers read from CSV/XLSX/TXT, answers written as CSV rows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from chengxin.checks.batch import Wanted, as_wanted
from chengxin.checks.rules import DECISION_LABELS
from chengxin.records.imports import open_table

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
