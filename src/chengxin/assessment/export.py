"""The assessment report as an Excel workbook (openpyxl): the sheet a leader receives, with the period,
the headline figures, the ranked table and its totals row, the comparison with the previous period and
the definitions; set up to print on A4 landscape, one page wide, the header rows repeated."""

from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from chengxin.assessment import rules
from chengxin.assessment.report import Report
from chengxin.assessment.schemas import Figures

# (header, attribute, number format): the columns of the table, the page's order.
COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("排名", "rank", "0"), ("部门", "department_name", "@"), ("综合得分", "score", "0.0"),
    ("记录", "records", "#,##0"), ("平均天数", "mean_lag_days", "0.0"), ("及时率", "timely_rate", "0.0%"),
    ("批次", "batches", "#,##0"), ("行数", "rows", "#,##0"), ("未通过", "rejected", "#,##0"),
    ("差错率", "error_rate", "0.0%"), ("命中", "hits", "#,##0"), ("已反馈", "answered", "#,##0"),
    ("反馈率", "feedback_rate", "0.0%"), ("在办异议", "objections_open", "#,##0"),
    ("超期", "objections_overdue", "#,##0"), ("已办结", "objections_decided", "#,##0"),
    ("按期办结率", "objection_on_time_rate", "0.0%"), ("平均工作日", "objection_mean_working_days", "0.0"),
)
BOLD = Font(bold=True)
HEAD_FILL = PatternFill("solid", fgColor="F3F4F6")
THIN = Side(style="thin", color="D1D5DB")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def definitions(report: Report) -> list[str]:
    """What each figure means, and what was left out (the page prints the same words)."""
    now = report.now
    count = now.totals.backfilled if now.totals else 0
    what = f"决定日早于归集日 {rules.BACKFILL_DAYS} 天以上的记录，多为部门集中导入的存量数据，计入会拉低及时率"
    if not count:
        backfill = f"历史补录：{what}；本期没有这样的记录。"
    elif now.backfill_excluded:
        backfill = f"本期未计历史补录记录 {count} 条（{what}）。"
    else:
        backfill = f"本期计入了历史补录记录 {count} 条（{what}）。"
    return [
        "及时率：决定后 7 日内归集的记录占归集记录的比例。",
        "差错率：未通过校验的行数占报送行数的比例。",
        "反馈率：联合奖惩核查命中后，部门已反馈实施情况的比例。",
        "异议按期办结率：在法定处理期限内办结的异议占已办结异议的比例；处理时长以工作日计。",
        "综合得分（0–100）：及时率、1−差错率、反馈率、异议按期办结率四项中本期有数据者的平均，据此排名。",
        "合计行：件数为各部门相加，比例按相加后的件数重新计算。",
        backfill,
    ]


def _figure(sheet: Worksheet, row: int, figures: Figures, *, label: str | None = None) -> None:
    for col, (_, attr, fmt) in enumerate(COLUMNS, start=1):
        value = label if attr == "department_name" and label else getattr(figures, attr, None)
        cell = sheet.cell(row=row, column=col, value=value)
        cell.number_format, cell.border = fmt, BOX


def workbook(report: Report, site_name: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "部门考核"
    now, before = report.now, report.before
    width = len(COLUMNS)
    sheet.cell(row=1, column=1, value=f"{site_name} 部门信用信息工作考核").font = Font(bold=True, size=14)
    sheet.cell(row=2, column=1, value=f"统计期间：{now.first.isoformat()} 至 {now.last.isoformat()}（北京时间）；"
                                      f"上期：{before.first.isoformat()} 至 {before.last.isoformat()}")
    row = 4
    sheet.cell(row=row, column=1, value="主要指标").font = BOLD
    for i, h in enumerate(report.headlines):
        sheet.cell(row=row + 1, column=1 + 3 * i, value=h.label).font = BOLD
        sheet.cell(row=row + 2, column=1 + 3 * i, value=h.value)
        sheet.cell(row=row + 3, column=1 + 3 * i, value=h.change)
    row += 5
    header_row = row
    for col, (title, _, _) in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=row, column=col, value=title)
        cell.font, cell.fill, cell.border = BOLD, HEAD_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for r in report.rows:
        row += 1
        _figure(sheet, row, r)
    if now.totals is not None:
        row += 1
        _figure(sheet, row, now.totals, label="合计")
        for col in range(1, width + 1):
            sheet.cell(row=row, column=col).font = BOLD
    row += 2
    sheet.cell(row=row, column=1, value="与上期比较").font = BOLD
    row += 1
    for col, title in enumerate(("本期排名", "部门", "本期得分", "上期得分", "得分变化", "排名变化",
                                 "及时率变化（百分点）", "差错率变化（百分点）", "反馈率变化（百分点）"), start=1):
        cell = sheet.cell(row=row, column=col, value=title)
        cell.font, cell.fill, cell.border = BOLD, HEAD_FILL, BOX
        cell.alignment = Alignment(wrap_text=True)
    for c in report.compared:
        row += 1
        values = (c.row.rank, c.row.department_name, c.row.score, c.before.score if c.before else None,
                  c.score_change, c.rank_change, c.timely_change, c.error_change, c.feedback_change)
        for col, value in enumerate(values, start=1):
            sheet.cell(row=row, column=col, value=value).border = BOX
    row += 2
    sheet.cell(row=row, column=1, value="说明").font = BOLD
    for line in definitions(report):
        row += 1
        sheet.cell(row=row, column=1, value=line)
    sheet.column_dimensions["A"].width = 8
    sheet.column_dimensions["B"].width = 26
    for col in range(3, width + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 10
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=3)
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    out = BytesIO()
    book.save(out)
    return out.getvalue()
