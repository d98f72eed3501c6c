"""Issue 6 case journeys in real headless Chromium: an objection with a PDF, a repair approved by the credit
office taking the item off the public search, a tip-off followed by its number. Screenshots to look at."""

from __future__ import annotations

import re

from browser_tab import Tab, person_sign_in, sign_in
from playwright.sync_api import expect

from helpers import PDF, PNG


def _record(page, violation: str):
    return page.locator("article.record").filter(has_text=violation)


def _staff(browser, live, username: str) -> Tab:
    staff = Tab(browser, live, viewport={"width": 1280, "height": 860})
    sign_in(staff, username)
    return staff


def test_a_citizen_files_an_objection_with_a_pdf_and_sees_it_in_progress(tab, live, browser, tmp_path):
    page = tab.page
    person_sign_in(tab, live)
    _record(page, "无证经营").get_by_role("link", name="提出异议").click()
    expect(page.get_by_role("heading", name="提出异议")).to_be_visible()
    page.get_by_label("异议理由").fill("罚款已于复议中撤销，复议决定书附后")
    pdf = tmp_path / "复议决定书.pdf"
    pdf.write_bytes(PDF)
    page.get_by_label("证明材料（PDF、PNG 或 JPEG）").set_input_files(pdf)
    tab.shot("person-objection-form")
    page.get_by_role("button", name="提交异议").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("异议处理中")
    expect(page.get_by_role("link", name="复议决定书.pdf")).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("处理期限")
    tab.shot("person-objection-detail")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的信用档案").click()
    record = _record(page, "无证经营")
    expect(record.get_by_role("heading")).to_contain_text("异议处理中")
    expect(record.get_by_role("link", name="提出异议")).to_have_count(0)
    tab.shot("person-file-disputed")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的异议").click()
    expect(page.get_by_role("region", name="我的异议")).to_contain_text("异议处理中")

    clerk = _staff(browser, live, "web_clerk")
    try:
        clerk.page.get_by_role("navigation", name="主导航").get_by_role("link", name="异议处理").click()
        clerk.page.get_by_role("region", name="异议队列").get_by_role("link", name="行政处罚信息").click()
        expect(clerk.page.get_by_role("heading", name="处理异议")).to_be_visible()
        with clerk.page.expect_download() as download:
            clerk.page.get_by_role("link", name="复议决定书.pdf").click()
        assert download.value.suggested_filename == "复议决定书.pdf"
        clerk.shot("dept-objection-handle")
    finally:
        clerk.context.close()
    assert not clerk.problems, clerk.problems


def test_the_credit_office_approves_a_repair_and_the_public_search_stops_showing_it(tab, live, browser, tmp_path):
    page = tab.page
    page.goto("/public/records?q=" + live.citizen_name)
    rows = page.get_by_role("region", name="公示信息").get_by_role("row")
    expect(rows).to_have_count(3)  # the header and the citizen's two penalties
    person_sign_in(tab, live)
    _record(page, "虚假宣传").get_by_role("link", name="申请信用修复").click()
    record_id = re.search(r"matter=([0-9A-Z]{26})", page.url).group(1)
    expect(page.locator("ul.checklist")).to_contain_text("最短公示期（3 个月）已满，现在即可申请")
    expect(page.locator("ul.checklist .tag.bad")).to_have_count(0)
    page.get_by_role("radio", name="已缴清罚款、没收违法所得").check()
    page.get_by_label("情况说明").fill("罚款已于 2026 年 6 月全部缴清")
    receipt = tmp_path / "缴款凭证.pdf"
    receipt.write_bytes(PDF)
    page.get_by_label("证明材料（PDF、PNG 或 JPEG）").set_input_files(receipt)
    expect(page.locator(".commitment")).to_contain_text("本人郑重承诺")
    page.get_by_label("本人已阅读并签署以上信用承诺书").check()
    tab.shot("person-repair-eligibility")
    page.get_by_role("button", name="提交修复申请").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("已提交，待受理")
    with page.expect_download() as signed:
        page.get_by_role("link", name="下载承诺书存证文件").click()
    assert signed.value.suggested_filename.startswith("commitment-")
    tab.shot("person-repair-detail")

    office = _staff(browser, live, "web_operator")
    try:
        p = office.page
        p.get_by_role("navigation", name="主导航").get_by_role("link", name="信用修复审核").click()
        p.get_by_role("region", name="修复申请队列").get_by_role("link").first.click()
        office.shot("office-repair-review")
        p.get_by_role("radio", name="受理", exact=True).check()
        p.get_by_role("button", name="提交").click()
        expect(p.get_by_role("heading", name="作出修复决定")).to_be_visible()
        p.get_by_role("radio", name="准予修复").check()
        p.get_by_label("理由").fill("已缴清罚款，材料齐全，准予修复")
        p.get_by_role("button", name="提交").click()
        expect(p.get_by_role("heading", level=1)).to_contain_text("准予修复")
        office.shot("office-repair-approved")
    finally:
        office.context.close()
    assert not office.problems, office.problems

    page.goto("/public/records?q=" + live.citizen_name)
    expect(rows).to_have_count(2)
    expect(page.locator(f'a[href="/public/records/{record_id}"]')).to_have_count(0)
    tab.shot("public-records-after-repair")
    assert page.request.get(f"{live.url}/public/records/{record_id}").status == 404


def test_a_visitor_files_a_tipoff_and_follows_it_by_its_number(tab, live, browser, tmp_path):
    page = tab.page
    page.goto("/")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我要举报").click()
    page.get_by_label("举报类别").select_option("dishonesty")
    page.get_by_label("被举报对象").fill("某某餐饮店")
    page.get_by_label("举报内容").fill("该店长期使用过期食材，多次被顾客投诉，附现场照片。")
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(PNG)
    page.get_by_label("证明材料（PDF、PNG 或 JPEG）").set_input_files(photo)
    tab.shot("public-tipoff-form")
    page.get_by_role("button", name="提交举报").click()
    expect(page.get_by_role("heading", name="举报已受理")).to_be_visible()
    number = page.locator("#tracking-no").inner_text()
    assert re.fullmatch(r"JB[0-9A-Z]{12}", number)
    tab.shot("public-tipoff-receipt")
    page.get_by_role("link", name="查询办理进度").click()
    page.get_by_label("受理编号").fill(number)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name="失信行为线索")).to_contain_text("已受理")

    office = _staff(browser, live, "web_operator")
    try:
        p = office.page
        p.goto("/console/tipoffs")
        p.get_by_role("region", name="举报队列").get_by_role("link").first.click()
        expect(p.get_by_role("link", name="现场照片.png")).to_be_visible()
        p.get_by_role("radio", name="办结").check()
        p.get_by_label("处理说明").fill("已移交市场监管部门依法查处")
        p.get_by_role("button", name="提交").click()
        expect(p.get_by_role("heading", level=1)).to_contain_text("已办结")
        office.shot("office-tipoff-closed")
    finally:
        office.context.close()
    assert not office.problems, office.problems

    page.get_by_label("受理编号").fill(number)
    page.get_by_role("button", name="查询").click()
    expect(page.get_by_role("heading", name="失信行为线索")).to_contain_text("已办结")
    expect(page.locator("dl.facts")).to_contain_text("已移交市场监管部门依法查处")
    tab.shot("public-tipoff-followed")


def test_case_pages_fit_a_phone_screen(browser, live):
    phone = Tab(browser, live, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                device_scale_factor=2)
    try:
        for path, name in (("/public/records", "phone-public-records"), ("/public/tipoffs", "phone-tipoff"),
                           ("/public/lists", "phone-lists")):
            phone.page.goto(path)
            width = phone.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (path, width)
            phone.shot(name, full_page=False)
    finally:
        phone.context.close()
    assert not phone.problems, phone.problems
