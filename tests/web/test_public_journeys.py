"""The public and the shell in real headless Chromium, on a phone (390 × 844) and at desk width: a search
from the home page to the reason for a listing, the folded menu, a measure opened by its link, signing in
from a private page and back, a refused login that keeps what was typed. Screenshots to look at."""

from __future__ import annotations

from browser_tab import Tab, person_sign_in, sign_in
from live_server import DEBTOR
from playwright.sync_api import expect

from helpers import cid, days_ago, listing_notice

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESK = {"viewport": {"width": 1280, "height": 860}}
USCC = "91350100M000100Y43"


def _refused(tab: Tab, status: int) -> None:
    """A page answered with an error status on purpose: Chromium logs that as a console error; take
    exactly that one off the tab's problems (anything else still fails the test)."""
    wanted = f"Failed to load resource: the server responded with a status of {status}"
    found = [p for p in tab.problems if p.startswith(wanted)]
    assert found, (status, tab.problems)
    tab.problems.remove(found[0])


def _fits(tab: Tab) -> None:
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= tab.page.viewport_size["width"], width  # nothing forces sideways scrolling


def _list_an_organisation(browser, live) -> None:
    """A department registers an organisation and reports it for the black list (食品药品严重违法失信)."""
    clerk = Tab(browser, live, **DESK)
    try:
        sign_in(clerk, "web_clerk")
        api = clerk.page.request
        org = api.put(f"{live.url}/api/v1/organisations/{USCC}", data={"name": "某某食品有限公司", "persons": []})
        assert org.ok, org.text()
        sent = api.post(f"{live.url}/api/v1/records/batches", data={"records": [{
            "item_code": "YZSX-04", "uscc": USCC, "org_name": "某某食品有限公司", "source_record_id": "SJ-2026-1",
            "decision_date": days_ago(20), "fields": {**listing_notice(days_ago(20)),
                "person_role": "生产经营者", "product_field": "食品", "circumstance": "生产经营用病死畜禽肉加工的食品",
                "decision_no": "市监严重失信〔2026〕1号", "authority": "市市场监督管理局"}}]})
        assert sent.status == 201, sent.text()
    finally:
        clerk.context.close()
    assert not clerk.problems, clerk.problems


def test_the_public_finds_who_is_listed_and_why_in_two_steps(browser, live):
    _list_an_organisation(browser, live)
    for name, options in (("phone", PHONE), ("desk", DESK)):
        visitor = Tab(browser, live, **options)
        try:
            page = visitor.page
            page.goto("/")
            _fits(visitor)
            visitor.shot(f"{name}-home", full_page=False)
            steps = 0
            page.get_by_label("姓名、证件号码、单位名称或信用代码").fill("赵六")
            steps += 1
            page.get_by_role("button", name="查询").click()
            steps += 1
            region = page.get_by_role("region", name="严重失信主体名单")
            expect(region).to_contain_text("失信被执行人信息：有履行能力而拒不履行生效法律文书确定义务")
            expect(region).to_contain_text("赵*")
            assert cid(DEBTOR) not in page.content()
            assert steps <= 2  # pages.md: a search box on the home page, the reason in plain words
            _fits(visitor)
            visitor.shot(f"{name}-lists-search")
            page.get_by_label("姓名、证件号码、单位名称或信用代码").fill("食品")
            page.get_by_role("button", name="查询").click()
            expect(page.get_by_role("region", name="严重失信主体名单")).to_contain_text("某某食品有限公司")
            expect(page.get_by_role("region", name="严重失信主体名单")).to_contain_text(
                "食品药品严重违法失信主体信息：生产经营用病死畜禽肉加工的食品")
            expect(page.get_by_role("region", name="严重失信主体名单")).to_contain_text(USCC)
            page.goto("/public/lists")
            visitor.shot(f"{name}-lists-black")
            page.get_by_role("link", name="红名单").click()
            expect(page.get_by_role("heading", level=2)).to_contain_text("守信激励对象名单")
            page.goto("/public/records")
            _fits(visitor)
            visitor.shot(f"{name}-records")
        finally:
            visitor.context.close()
        assert not visitor.problems, visitor.problems


def test_the_menu_folds_on_a_phone_and_a_measure_opens_by_its_link(browser, live):
    phone = Tab(browser, live, **PHONE)
    try:
        page = phone.page
        page.goto("/measures#measure-P-GXF-01")
        card = page.locator("#measure-P-GXF-01")
        expect(card).to_be_visible()
        expect(card).to_contain_text("限制乘坐飞机")
        expect(card).to_be_in_viewport()
        assert page.locator("details#scenario-high_consumption").get_attribute("open") is not None
        assert page.locator("details#scenario-civil_service_recruitment").get_attribute("open") is None
        phone.shot("phone-measure-anchor", full_page=False)
        page.goto("/measures")
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 3500, height  # folded by scenario (was 30,000 px)
        phone.shot("phone-measures")
        menu = page.get_by_role("navigation", name="主导航")
        expect(menu).to_be_hidden()
        toggle = page.get_by_role("button", name="菜单")
        box = toggle.bounding_box()
        assert box and box["height"] >= 44, box
        toggle.click()
        expect(menu).to_be_visible()
        expect(toggle).to_have_attribute("aria-expanded", "true")
        for link in menu.get_by_role("link").all():
            assert link.bounding_box()["height"] >= 44
        phone.shot("phone-menu-open", full_page=False)
        page.goto("/no/such/page")
        expect(page.get_by_role("heading", level=1)).to_have_text("没有找到这个页面")
        _refused(phone, 404)
        phone.shot("phone-not-found", full_page=False)
        page.goto("/about")
        _fits(phone)
        phone.shot("phone-about")
    finally:
        phone.context.close()
    assert not phone.problems, phone.problems


def test_a_private_page_sends_a_citizen_to_login_and_back_with_the_name_in_the_header(browser, live):
    phone = Tab(browser, live, **PHONE)
    try:
        page = phone.page
        page.goto("/me/file")
        expect(page).to_have_url(f"{live.url}/person/login?next=/me/file")
        page.get_by_label("证件号码").fill(live.citizen_id[:-1] + ("0" if live.citizen_id[-1] != "0" else "1"))
        page.get_by_label("姓名").fill(live.citizen_name)
        page.get_by_role("button", name="获取验证码").click()
        summary = page.locator(".error-summary")
        expect(summary).to_be_visible()
        assert not phone.problems, phone.problems  # a refused form comes back as a page (200), no failed request
        expect(page.get_by_label("证件号码")).to_have_value(live.citizen_id[:-1] + (
            "0" if live.citizen_id[-1] != "0" else "1"))  # kept, to be corrected rather than typed again
        expect(page.get_by_label("姓名")).to_have_value(live.citizen_name)
        phone.shot("phone-login-error")
        person_sign_in(phone, live)  # from the login page again: lands on the file
        page.goto("/me/notices")
        page.goto("/person/login?next=/me/accesses")
        page.get_by_label("证件号码").fill(live.citizen_id)
        page.get_by_label("姓名").fill(live.citizen_name)
        page.get_by_role("button", name="获取验证码").click()
        challenge = page.locator("input[name=challenge_id]").input_value()
        page.get_by_label("验证码（6 位数字）").fill(live.code_for(challenge))
        page.get_by_role("button", name="登录").click()
        expect(page).to_have_url(f"{live.url}/me/accesses")  # back where the visit began
        page.get_by_role("button", name="菜单").click()
        expect(page.locator(".account")).to_contain_text("您好，张*")
        expect(page.get_by_role("navigation", name="主导航")).not_to_contain_text("红黑名单")
        phone.shot("phone-person-menu", full_page=False)
    finally:
        phone.context.close()
    assert not phone.problems, phone.problems


def test_staff_login_keeps_the_username_and_returns_to_the_page_asked_for(tab, live):
    page = tab.page
    page.goto("/console/repairs")
    expect(page).to_have_url(f"{live.url}/login?next=/console/repairs")
    page.get_by_label("用户名").fill("web_operator")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".error-summary")).to_contain_text("用户名或密码错误")
    _refused(tab, 401)
    expect(page.get_by_label("用户名")).to_have_value("web_operator")
    tab.shot("desk-login-error")
    page.get_by_label("密码").fill("Browser-Test-Pw1!")
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(f"{live.url}/console/repairs")
    nav = page.get_by_role("navigation", name="主导航")
    expect(nav).not_to_contain_text("红黑名单")
    expect(nav).not_to_contain_text("我的信用档案")
    tab.shot("desk-office-menu", full_page=False)
    for path, name in (("/measures", "desk-measures"), ("/about", "desk-about"), ("/privacy", "desk-privacy"),
                       ("/no/such/page", "desk-not-found")):
        page.goto(path)
        if name == "desk-not-found":
            _refused(tab, 404)
        tab.shot(name)
