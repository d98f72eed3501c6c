"""Reports in real headless Chromium (issue 16): a citizen on a phone downloads the certificate from
their pages in two taps; an employer opens the verification from the address on it; a counter clerk
prints a report for a person at the window. Screenshots to look at; accessibility checked."""

from __future__ import annotations

import io
import re

from browser_tab import AXE_IMPACTS, Tab, person_sign_in, sign_in
from playwright.sync_api import expect
from pypdf import PdfReader

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESK = {"viewport": {"width": 1280, "height": 800}}


def _pdf_text(path: str) -> str:
    with open(path, "rb") as fh:
        reader = PdfReader(io.BytesIO(fh.read()))
    return "".join(p.extract_text() for p in reader.pages)


def test_a_citizen_downloads_the_certificate_on_a_phone_and_an_employer_verifies_it(browser, live, tmp_path):
    tab = Tab(browser, live, **PHONE)
    try:
        page = tab.page
        person_sign_in(tab, live)
        expect(page.get_by_role("heading", name="我的信用档案")).to_be_visible()
        tab.steps = 0
        tab.tap(page.get_by_role("button", name="菜单"))
        tab.tap(page.get_by_role("navigation", name="主导航").get_by_role("link", name="信用报告"))
        expect(page.get_by_role("heading", level=1)).to_have_text("信用报告与证明")
        assert not tab.axe(AXE_IMPACTS)
        tab.shot("report-citizen-phone")
        card = page.get_by_role("region", name="无严重失信记录证明")
        with page.expect_download() as download:
            tab.tap(card.get_by_role("button", name="下载证明"))
        assert tab.steps <= 3, tab.steps  # menu, 信用报告, 下载
        assert download.value.suggested_filename.startswith("无严重失信记录证明-")
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        text = _pdf_text(str(saved))
        found = re.search(r"/verify\?n=(\d{16})&c=([A-Z0-9]{6})", text.replace("\n", ""))
        assert found, text[:500]
        page.reload()
        expect(page.get_by_role("region", name="关于我的报告")).to_contain_text(found.group(1))
        tab.shot("report-citizen-phone-listed")
        tab.assert_clean()
    finally:
        tab.context.close()

    employer = Tab(browser, live, **PHONE)
    try:
        page = employer.page
        employer.go(f"/verify?n={found.group(1)}&c={found.group(2)}")
        banner = page.locator(".status-banner")
        expect(banner).to_contain_text("有效")
        expect(page.get_by_role("main")).to_contain_text("无严重失信记录证明")
        assert live.citizen_name not in page.content()
        assert not employer.axe(AXE_IMPACTS)
        employer.shot("report-verify-phone")
        page.get_by_label("报告文件（可不选）").set_input_files(saved)
        employer.tap(page.get_by_role("button", name="核验"))
        expect(page.locator(".status-banner")).to_contain_text("完全一致")
        employer.shot("report-verify-file-phone")
        employer.assert_clean()
    finally:
        employer.context.close()


def test_a_counter_clerk_prints_a_report_for_a_person_at_the_window(browser, live):
    tab = Tab(browser, live, **DESK)
    try:
        page = tab.page
        sign_in(tab, "web_operator")
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="窗口出具报告").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("窗口出具报告")
        page.get_by_label("证件号码").fill(live.citizen_id)
        page.get_by_label("姓名（与证件一致）").fill(live.citizen_name)
        page.get_by_role("button", name="出具并打印").click()
        expect(page.get_by_role("alert")).to_contain_text("请先查验本人的身份证件原件")  # nothing printed yet
        refused = [p for p in tab.problems if "status of 422" in p]  # the refused form, answered 422 on purpose
        assert len(refused) == 1, tab.problems
        tab.problems.remove(refused[0])
        expect(page.get_by_label("姓名（与证件一致）")).to_have_value(live.citizen_name)
        assert not tab.axe(AXE_IMPACTS)
        tab.shot("report-counter-refused")
        page.get_by_label("证件号码").fill(live.citizen_id)
        page.get_by_label("已查验本人的身份证件原件，人证相符").check()
        with page.expect_download() as download:
            page.get_by_role("button", name="出具并打印").click()
        assert "个人公共信用信息报告（本人版）" in _pdf_text(download.value.path())
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="报告登记簿").click()
        expect(page.get_by_role("region", name="报告登记簿")).to_contain_text("窗口办理")
        assert not tab.axe(AXE_IMPACTS)
        tab.shot("report-register")
        tab.assert_clean()
    finally:
        tab.context.close()
