"""The credit office in real headless Chromium at desk width: signing in lands on the workbench with the
day's counts; the assessment report is an Excel file and an A4 printout within three clicks of the login
page (pages.md); the printout keeps the whole table on the page width. Screenshots to look at."""

from __future__ import annotations

from io import BytesIO

from browser_tab import Tab
from live_server import PASSWORD
from openpyxl import load_workbook
from playwright.sync_api import expect

DESK = {"viewport": {"width": 1280, "height": 860}}
# A4 landscape less the 10 mm margins of the print style sheet, in CSS pixels (96 per inch).
A4_LANDSCAPE_PX = round((297 - 20) / 25.4 * 96)


def _sign_in(tab: Tab) -> None:
    """The login page, then one step: the 登录 button."""
    tab.page.goto("/login")
    tab.page.get_by_label("用户名").fill("web_operator")
    tab.page.get_by_label("密码").fill(PASSWORD)
    tab.tap(tab.page.get_by_role("button", name="登录"))


def test_the_office_lands_on_its_workbench_and_takes_the_report_as_excel_in_three_clicks(browser, live):
    tab = Tab(browser, live, **DESK)
    try:
        page = tab.page
        _sign_in(tab)
        expect(page).to_have_url(f"{live.url}/console")
        expect(page.get_by_role("heading", name="工作台")).to_be_visible()
        todos = page.get_by_role("list", name="待办事项")
        for title in ("待审核的信用修复", "待办理的举报", "未处理的异常使用告警", "待核实的信息冲突", "超期督办的异议"):
            expect(todos).to_contain_text(title)
        menu = page.get_by_role("navigation", name="主导航")
        expect(menu.get_by_role("link", name="工作台")).to_have_attribute("aria-current", "page")
        expect(menu.get_by_role("link", name="红黑名单")).to_have_count(0)  # no public items in a staff menu
        tab.shot("office-workbench")
        tab.tap(menu.get_by_role("link", name="部门考核"))
        expect(page.get_by_role("heading", name="部门考核报告")).to_be_visible()
        expect(page.get_by_role("list").filter(has_text="及时率").first).to_be_visible()
        with page.expect_download() as download:
            tab.tap(page.get_by_role("link", name="导出 Excel"))
        assert tab.steps <= 3, tab.steps  # pages.md: the report as Excel in ≤ 3 clicks from login
        assert download.value.suggested_filename.endswith(".xlsx")
        with open(download.value.path(), "rb") as saved:  # the saved file has no .xlsx suffix
            book = load_workbook(BytesIO(saved.read()))
        assert any(r[1] == "合计" for r in book.active.iter_rows(values_only=True) if len(r) > 1)
        tab.assert_clean()
    finally:
        tab.context.close()


def test_the_report_prints_on_a4_without_cutting_the_table(browser, live):
    tab = Tab(browser, live, **DESK)
    try:
        page = tab.page
        # Headless Chromium has no print dialog: count the calls the 打印 button makes instead.
        page.add_init_script("window.__printed = 0; window.print = function () { window.__printed += 1; };")
        _sign_in(tab)
        tab.tap(page.get_by_role("navigation", name="主导航").get_by_role("link", name="部门考核"))
        expect(page.locator(".chart[data-drawn=true]").first).to_be_visible()
        tab.shot("office-assessment")
        tab.tap(page.get_by_role("button", name="打印（A4）"))
        assert page.evaluate("window.__printed") == 1
        assert tab.steps <= 3, tab.steps  # pages.md: the printout in ≤ 3 clicks from login
        page.set_viewport_size({"width": A4_LANDSCAPE_PX, "height": 740})
        page.emulate_media(media="print")
        table = page.locator("table.assessment")
        expect(table).to_be_visible()
        box = table.bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= A4_LANDSCAPE_PX, box
        assert page.evaluate("document.documentElement.scrollWidth") <= A4_LANDSCAPE_PX
        for hidden in ("header.site", "footer.site", "form[aria-label='统计期间']", ".charts"):
            expect(page.locator(hidden)).to_be_hidden()
        expect(page.locator("table.assessment tfoot")).to_contain_text("合计")
        expect(page.locator(".print-only")).to_be_visible()
        tab.shot("office-assessment-print")
        pdf = page.pdf(prefer_css_page_size=True, print_background=True)
        assert pdf.startswith(b"%PDF")
        tab.assert_clean()
    finally:
        tab.context.close()


def test_the_office_changes_a_measure_in_a_form_checks_the_diff_and_publishes(browser, live):
    tab = Tab(browser, live, **DESK)
    try:
        page = tab.page
        _sign_in(tab)
        tab.tap(page.get_by_role("navigation", name="主导航").get_by_role("link", name="目录与措施修订"))
        tab.tap(page.get_by_role("link", name="联合奖惩措施清单"))
        tab.tap(page.get_by_role("link", name="修改 不得录用为公务员"))
        page.get_by_label("措施名称").fill("不得录用为公务员（含参照管理）")
        page.get_by_label("修订说明").fill("明确参照公务员法管理的单位")
        tab.tap(page.get_by_role("button", name="校验并查看差异"))
        diff = page.get_by_role("region", name="与现行版本的差异")
        expect(diff).to_contain_text("不得录用为公务员（含参照管理）")
        tab.shot("office-edition-diff")
        tab.tap(page.get_by_role("button", name="发布版本"))
        expect(page.get_by_role("status").filter(has_text="已发布")).to_be_visible()
        expect(page.get_by_role("region", name="措施", exact=True)).to_contain_text("不得录用为公务员（含参照管理）")
        tab.assert_clean()
    finally:
        tab.context.close()
