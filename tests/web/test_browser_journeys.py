"""The main journeys in real headless Chromium against a live server, with screenshots to look at."""

from __future__ import annotations

from browser_tab import Tab, person_sign_in, sign_in
from live_server import DEBTOR
from playwright.sync_api import expect
from web_data import penalty_csv, penalty_row

from chengxin.web.security import CSP
from helpers import cid


def test_a_citizen_signs_in_and_sees_the_file_and_who_looked_at_it(tab, live):
    page = tab.page
    response = page.goto("/")
    assert response.headers["content-security-policy"] == CSP
    tab.shot("home")
    page.get_by_role("main").get_by_role("link", name="本人登录").click()
    expect(page).to_have_url(f"{live.url}/person/login")
    person_sign_in(tab, live)
    expect(page.get_by_role("heading", name="我的信用档案")).to_be_visible()
    expect(page.get_by_text("无证经营", exact=True)).to_be_visible()
    assert live.citizen_id not in page.content()  # the number is masked on screen
    tab.shot("person-file")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="谁查询了我").click()
    row = page.get_by_role("row").filter(has_text="联合奖惩核查")
    expect(row).to_contain_text("市人力资源和社会保障局")
    tab.shot("person-accesses")
    row.get_by_role("link", name="查看证明").click()
    expect(page.get_by_text("平台验证通过")).to_be_visible()
    tab.shot("person-proof")
    with page.expect_download() as download:
        page.get_by_role("link", name="下载存证证明").click()
    assert download.value.suggested_filename.startswith("proof-")


def test_a_department_uploads_a_csv_with_errors_fixes_it_and_resubmits(tab, live, tmp_path):
    page = tab.page
    sign_in(tab, "web_clerk")
    expect(page).to_have_url(f"{live.url}/console")  # the workbench, one click from the upload page
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="报送文件").click()
    bad = tmp_path / "处罚-有错.csv"
    bad.write_bytes(penalty_csv([penalty_row(201), penalty_row(202, 证件号码="110105194912310020"),
                                 penalty_row(203, 处罚类别="打板子")]))
    page.get_by_label("报送文件（CSV 或 XLSX）").set_input_files(bad)
    page.get_by_label("信息项").select_option("XZCF-01")
    page.get_by_role("button", name="上传并校验").click()
    expect(page.get_by_role("alert")).to_contain_text("2 行未通过校验")
    report = page.get_by_role("region", name="逐行报告")
    expect(report.get_by_role("row")).to_have_count(3)
    expect(report).to_contain_text("ID_CHECKSUM")
    tab.shot("dept-report-errors")
    fixed = tmp_path / "处罚-改正.csv"
    fixed.write_bytes(penalty_csv([penalty_row(201), penalty_row(202), penalty_row(203)]))
    page.get_by_label("报送文件（CSV 或 XLSX）").set_input_files(fixed)
    expect(page.get_by_label("信息项")).to_have_value("XZCF-01")  # the resubmit form remembers the item
    page.get_by_role("button", name="上传并校验").click()
    expect(page.get_by_role("status").filter(has_text="校验通过")).to_contain_text("全部 3 行校验通过")
    tab.shot("dept-report-fixed")
    page.get_by_role("link", name="← 报送文件").click()
    history = page.get_by_role("region", name="报送记录")
    expect(history.get_by_role("row").filter(has_text="处罚-")).to_have_count(2)  # both files, newest first
    expect(history.get_by_role("row").nth(1)).to_contain_text("处罚-改正.csv")
    tab.shot("dept-history")


def test_a_department_checks_a_person_on_the_black_list_and_gives_feedback(tab, live):
    page = tab.page
    sign_in(tab, "web_hr")
    expect(page).to_have_url(f"{live.url}/console")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="核查", exact=True).click()
    page.get_by_label("证件号码").fill(cid(DEBTOR))
    page.get_by_label("业务场景").select_option("civil_service_recruitment")
    page.get_by_label("核查目的").fill("公务员招录资格审查")
    page.get_by_label("业务编号").fill("ZL-2026-0001")
    page.get_by_role("button", name="核查", exact=True).click()
    expect(page.get_by_role("heading", name="核查结论")).to_contain_text("拦截")
    hit = page.locator("article.record").filter(has_text="P-GWY-01")
    expect(hit).to_contain_text("公务员法")
    tab.shot("dept-check-result")
    hit.get_by_label("实施情况").select_option("applied")  # nothing is chosen for the clerk
    hit.get_by_role("button", name="反馈").click()
    expect(page).to_have_url(f"{live.url}/dept/feedback?done=1")
    expect(page.get_by_role("status").first).to_contain_text("已记录 1 条反馈")
    tab.shot("dept-feedback")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="反馈率").click()
    expect(page.get_by_role("region", name="反馈率")).to_contain_text("P-GWY-01")
    tab.shot("dept-rates")


def test_a_citizen_grants_and_revokes_an_authorisation(tab, live):
    page = tab.page
    person_sign_in(tab, live)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="我的授权").click()
    page.get_by_label("被授权机构统一社会信用代码").fill("91350100M000100Y43")
    page.get_by_label("查询目的").select_option("loan")
    page.get_by_label("目的说明").fill("个人住房贷款审批")
    page.get_by_role("button", name="授权并生成回执").click()
    card = page.locator("article.record").filter(has_text="91350100M000100Y43")
    expect(card).to_contain_text("有效")
    with page.expect_download() as receipt:
        card.get_by_role("link", name="下载授权回执").click()
    assert receipt.value.suggested_filename.startswith("receipt-")
    tab.shot("person-authorisations")
    card.get_by_role("button", name="撤销授权").click()
    expect(page.locator("article.record").filter(has_text="91350100M000100Y43")).to_contain_text("已撤销")


def test_an_auditor_sees_the_signed_tree_head_and_the_verification(tab, live):
    page = tab.page
    sign_in(tab, "web_auditor")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="签名树头").click()
    expect(page.get_by_role("heading", name="查询日志签名树头")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("校验通过")
    expect(page.locator("dl.facts")).to_contain_text("条记录")
    tab.shot("auditor-tree-head")
    page.get_by_role("link", name="查询日志").first.click()
    expect(page.get_by_role("region", name="检索结果")).to_contain_text("联合奖惩核查")
    tab.shot("auditor-log")


def test_the_credit_office_reads_the_assessment_dashboard_with_its_charts(tab, live):
    page = tab.page
    sign_in(tab, "web_operator")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="部门考核").click()
    expect(page.get_by_role("heading", name="部门考核")).to_be_visible()
    table = page.get_by_role("region", name="各部门考核指标")
    expect(table.get_by_role("row").filter(has_text="市市场监督管理局")).to_contain_text("2")
    drawn = page.locator(".chart[data-drawn=true]")
    expect(drawn).to_have_count(page.locator(".chart[data-chart]").count())
    assert drawn.count() >= 2  # records and error rate at least (the seed has no hit and no objection decided)
    for i in range(drawn.count()):
        box = drawn.nth(i).locator("canvas").bounding_box()
        assert box and box["width"] > 200 and box["height"] > 100, box
    tab.shot("office-assessment")
    page.get_by_label("起始日").fill("2020-01-01")
    page.get_by_label("截止日").fill("2020-01-31")
    page.get_by_role("button", name="统计").click()
    expect(page.get_by_role("status")).to_contain_text("没有报送、核查或异议")

    page.get_by_role("navigation", name="主导航").get_by_role("link", name="文章管理").click()
    page.get_by_role("link", name="新建文章").click()
    page.get_by_label("类别").select_option("honest_case")
    page.get_by_label("标题").fill("拾金不昧的出租车司机")
    page.get_by_label("摘要").fill("出租车司机王某将乘客遗失的现金如数归还。")
    page.get_by_label("正文").fill("2026 年 11 月，出租车司机王某在车内发现乘客遗失的背包，内有现金 5 万元。\n\n"
                                   "王某第一时间联系平台找到失主，将背包如数归还，并婉拒酬谢。\n\n"
                                   "市信用办将王某的事迹列为诚信典型。")
    page.get_by_role("button", name="保存为草稿").click()
    expect(page.get_by_role("heading", name="修改文章")).to_contain_text("草稿")
    page.get_by_role("button", name="发布").click()
    expect(page.get_by_role("heading", name="修改文章")).to_contain_text("已发布")
    tab.shot("office-article-edit")
    page.get_by_role("link", name="文章管理", exact=True).first.click()
    tab.shot("office-articles")
    page.goto("/public/articles")
    page.get_by_role("link", name="诚信典型").first.click()
    page.get_by_role("link", name="拾金不昧的出租车司机").click()
    expect(page.locator(".article-body p")).to_have_count(3)
    tab.shot("public-article")
    page.goto("/console/lists?list_type=black")
    expect(page.get_by_role("region", name="名单条目")).to_contain_text("市中级人民法院")
    tab.shot("office-lists")


def test_a_department_lists_the_citizen_who_sees_it_and_leaves_a_phone_number(tab, live, browser):
    page = tab.page
    sign_in(tab, "web_clerk")
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="名单管理").click()
    page.get_by_role("link", name="直接列入名单").click()
    page.get_by_label("名单", exact=True).select_option("watch")
    page.get_by_label("证件号码").fill(live.citizen_id)
    page.get_by_label("姓名").fill(live.citizen_name)
    page.get_by_label("失信程度").select_option("general")
    page.get_by_label("列入依据").fill("《市场主体登记管理条例》第四十条")
    page.get_by_label("认定文书编号").fill("市监关注〔2026〕8号")
    page.get_by_role("button", name="列入名单").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("重点关注名单")
    assert live.citizen_id not in page.content()
    tab.shot("dept-list-entry")
    page.get_by_role("link", name="← 名单管理").click()
    expect(page.get_by_role("region", name="名单条目")).to_contain_text(live.citizen_name)
    tab.shot("dept-lists")

    citizen = Tab(browser, live, viewport={"width": 1280, "height": 860})
    try:
        person_sign_in(citizen, live)
        entries = citizen.page.locator("section[aria-labelledby=cat-LISTS]")
        expect(entries).to_contain_text("重点关注名单")
        expect(entries.get_by_role("link", name="提出异议")).to_be_visible()
        entries.scroll_into_view_if_needed()
        citizen.shot("person-file-lists")
        citizen.page.get_by_role("navigation", name="主导航").get_by_role("link", name="联系方式").click()
        citizen.page.get_by_label("新的手机号码").fill("13800138000")
        citizen.page.get_by_role("button", name="保存").click()
        expect(citizen.page.get_by_role("status")).to_contain_text("联系方式已保存")
        expect(citizen.page.locator("dl.facts")).to_contain_text("138****8000")
        citizen.shot("person-contact")
    finally:
        citizen.context.close()
    assert not citizen.problems, citizen.problems


def test_a_forged_post_with_the_session_cookie_is_refused(tab, live):
    page = tab.page
    sign_in(tab, "web_clerk")
    forged = page.request.post(f"{live.url}/logout", form={"csrf_token": "forged"})
    assert forged.status == 403 and "CSRF_REFUSED" in forged.text()
    page.goto("/dept/uploads")
    expect(page.get_by_role("heading", name="报送文件")).to_be_visible()  # still signed in


def test_catalog_filter_updates_the_list_in_place_with_htmx(tab, live):
    page = tab.page
    page.goto("/catalog")
    total = page.get_by_role("region", name="信息项列表").get_by_role("row").count()
    page.get_by_label("性质").select_option("negative")  # no button pressed: htmx reacts to the change
    expect(page).to_have_url(f"{live.url}/catalog?category=&nature=negative")
    rows = page.get_by_role("region", name="信息项列表").get_by_role("row")
    expect(rows.first).to_be_visible()
    assert 1 < rows.count() < total


def test_pages_fit_a_phone_screen(browser, live):
    phone = Tab(browser, live, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                device_scale_factor=2)
    try:
        for path, name in (("/", "phone-home"), ("/measures", "phone-measures"), ("/person/login", "phone-login"),
                           ("/catalog", "phone-catalog"), ("/public/articles", "phone-articles")):
            phone.page.goto(path)
            width = phone.page.evaluate("document.documentElement.scrollWidth")
            assert width <= 390, (path, width)  # nothing forces sideways scrolling
            phone.shot(name, full_page=False)  # the first screen, as the phone shows it
    finally:
        phone.context.close()
    assert not phone.problems, phone.problems


def test_the_browser_enforces_the_policy_an_inline_script_does_not_run(tab, live):
    page = tab.page
    page.goto("/")
    ran = page.evaluate("""() => { const s = document.createElement('script');
        s.textContent = 'window.injected = true'; document.body.appendChild(s); return window.injected === true; }""")
    assert ran is False
    assert any("Content Security Policy" in p for p in tab.problems), tab.problems  # and the tab notices
    tab.problems.clear()
