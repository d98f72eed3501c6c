"""The department clerk's job in real Chromium (desktop): this month's file from the template, the
rejected rows fixed and sent again, every rejected row findable by its own 源记录编号; then check
feedback and a batch check. Steps are counted against pages.md."""

from __future__ import annotations

import csv
import io
import re

from browser_tab import sign_in
from live_server import DEBTOR
from openpyxl import load_workbook
from playwright.sync_api import expect

from helpers import cid

# pages.md: template to filled file to accepted rows without asking anyone. Counted: the template,
# the menu from the workbench, the template, the upload, the rejected rows, the upload again (typing and
# choosing a file are not steps).
CLERK_FILE_BUDGET = 5


def _fill(path, rows: list[dict[str, str]]) -> None:
    """Fill a template as a clerk would in Excel: the example row overwritten, rows under the headers."""
    book = load_workbook(path)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    example = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    sheet.delete_rows(2)
    for r, row in enumerate(rows, 2):
        values = {**example, **row}
        for c, h in enumerate(header, 1):
            sheet.cell(r, c, values.get(h))
    book.save(path)


def test_the_clerk_fills_the_template_fixes_the_rejected_rows_and_sends_them_again(tab, live, tmp_path):
    page = tab.page
    sign_in(tab, "web_clerk")
    expect(page).to_have_url(f"{live.url}/console")  # the workbench first, with the files to fix
    tab.tap(page.get_by_role("navigation", name="主导航").get_by_role("link", name="报送文件"))
    expect(page).to_have_url(f"{live.url}/dept/uploads")
    tab.shot("clerk-uploads")
    templates = page.get_by_role("region", name="模板下载")
    with page.expect_download() as got:
        tab.tap(templates.get_by_role("row").filter(has_text="XZCF-01").get_by_role("link", name="Excel 模板"))
    filled = tmp_path / "本月行政处罚.xlsx"
    got.value.save_as(filled)
    good = {"处罚类别": "罚款", "罚款金额（万元）": "0.5", "决定日期": "2026-10-08"}
    bad = {"JRN-0002": {"证件号码": "110105194912310020"}, "JRN-0004": {"处罚类别": "打板子"}}
    rows = [{**good, "证件号码": cid(300 + n), "姓名": "周九", "源记录编号": f"JRN-{n:04d}",
             **bad.get(f"JRN-{n:04d}", {})} for n in range(1, 5)]
    _fill(filled, rows)

    page.get_by_label("报送文件（CSV 或 XLSX）").set_input_files(filled)
    page.get_by_label("信息项").select_option("XZCF-01")
    tab.tap(page.get_by_role("button", name="上传并校验"))
    expect(page.get_by_role("alert").filter(has_text="未通过校验")).to_contain_text("2 行未通过校验")
    report = page.get_by_role("region", name="逐行报告")
    for sid in bad:  # each rejected row by its own number, with the value sent and the reason
        expect(report.get_by_role("row").filter(has_text=sid)).to_have_count(1)
    expect(report.get_by_role("row").filter(has_text="JRN-0004")).to_contain_text("打板子")
    expect(report.get_by_role("row").filter(has_text="JRN-0004")).to_contain_text("处罚类别")
    tab.shot("clerk-report")

    with page.expect_download() as got:
        tab.tap(page.get_by_role("link", name="下载被拒收的行（Excel）"))
    rejected = tmp_path / "被拒收的行.xlsx"
    got.value.save_as(rejected)
    book = load_workbook(rejected)
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[-2:] == ["原文件行号", "原因"]
    col = {h: i + 1 for i, h in enumerate(header)}
    found = {sheet.cell(r, col["源记录编号"]).value: r for r in range(2, sheet.max_row + 1)}
    assert set(found) == set(bad)  # every rejected row, found by its source record number
    assert "校验" in sheet.cell(found["JRN-0002"], col["原因"]).value
    sheet.cell(found["JRN-0002"], col["证件号码"], cid(302))
    sheet.cell(found["JRN-0004"], col["处罚类别"], "警告")
    book.save(rejected)

    page.get_by_label("报送文件（CSV 或 XLSX）").set_input_files(rejected)
    expect(page.get_by_label("信息项")).to_have_value("XZCF-01")
    tab.tap(page.get_by_role("button", name="上传并校验"))
    expect(page.get_by_role("status").filter(has_text="校验通过")).to_contain_text("全部 2 行校验通过")
    tab.shot("clerk-resent")
    assert tab.steps <= CLERK_FILE_BUDGET, tab.steps
    tab.assert_clean()


def test_a_file_without_an_item_stays_on_the_upload_page(tab, live, tmp_path):
    page = tab.page
    sign_in(tab, "web_clerk")
    page.goto("/dept/uploads")
    wrong = tmp_path / "名单.csv"
    wrong.write_text("证件号码,姓名\n" + cid(310) + ",周九\n", encoding="utf-8")
    page.get_by_label("报送文件（CSV 或 XLSX）").set_input_files(wrong)
    tab.tap(page.get_by_role("button", name="上传并校验"))
    expect(page.get_by_role("alert")).to_contain_text("请指定信息项")
    expect(page.get_by_role("heading", name="报送文件", exact=True)).to_be_visible()
    expect(page.get_by_label("信息项")).to_have_attribute("aria-invalid", "true")  # the error is the item's
    tab.shot("clerk-file-error")
    templates = page.get_by_role("region", name="模板下载")
    templates.get_by_role("row").filter(has_text="XZCF-01").get_by_role("link", name=re.compile("查看各列")).click()
    columns = page.get_by_role("region", name="报送文件的各列")
    expect(columns.get_by_role("row").filter(has_text="源记录编号")).to_contain_text("是")
    expect(columns).not_to_contain_text("source_record_id")
    tab.shot("clerk-item-columns")
    tab.assert_clean()


def test_the_clerk_checks_a_list_and_gives_feedback_in_bulk(tab, live, tmp_path):
    page = tab.page
    sign_in(tab, "web_hr")
    tab.go("/dept/checks/batch")
    names = tmp_path / "报名名单.csv"
    buf = io.StringIO()
    out = csv.writer(buf)
    out.writerows([["姓名", "报名号", "证件号码"], ["赵六", "BM-0001", cid(DEBTOR)], ["周九", "BM-0002", cid(320)]])
    names.write_text(buf.getvalue(), encoding="utf-8")
    page.get_by_label("名单文件").set_input_files(names)
    page.get_by_label("业务场景").select_option("civil_service_recruitment")
    page.get_by_label("核查目的").fill("公务员招录资格审查")
    page.get_by_label("业务编号").fill("ZL-2026-BATCH")
    tab.tap(page.get_by_role("button", name="开始核查"))
    expect(page.get_by_role("heading", name="批量核查结果")).to_be_visible()
    expect(page.get_by_role("list", name="核查结果摘要")).to_contain_text("拦截 1")
    expect(page.get_by_role("region", name="需要处理的行")).to_contain_text("BM-0001")
    tab.shot("clerk-batch-check")
    with page.expect_download() as got:
        tab.tap(page.get_by_role("link", name="下载结果文件（Excel）"))
    result = tmp_path / "核查结果.xlsx"
    got.value.save_as(result)
    sheet = load_workbook(result).worksheets[0]
    assert [c.value for c in sheet[1]][:4] == ["行号", "姓名", "报名号", "证件号码"]

    tab.go("/dept/feedback")
    group = page.locator("section.check-group").filter(has_text="ZL-2026-BATCH").first
    expect(group).to_contain_text("赵*")
    expect(page.locator("input[type=radio]:checked")).to_have_count(0)
    for box in group.get_by_role("checkbox").all():
        box.check()
    tab.shot("clerk-feedback")
    tab.tap(page.get_by_role("button", name="所选均已实施").first)
    expect(page.get_by_role("status").first).to_contain_text("已记录")
    tab.assert_clean()
