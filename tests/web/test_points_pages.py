"""The integrity-points pages: the public rules, and the person's own page where they opt in (only
after ticking their consent), see every point's source and what would raise it, and opt out."""

from __future__ import annotations

import re

from test_citizen_pages import assert_plain
from web_data import person_headers

from helpers import honour, penalty, submit, with_csrf


def _post(client, headers, data: dict):
    return client.post("/me/points/consent", headers=with_csrf(headers, client), data=data, follow_redirects=False)


def test_the_rules_are_public_with_grades_rules_and_what_they_unlock(client):
    page = client.get("/points").text
    assert 'href="/points"' in page.split("<main")[0]  # in the public menu
    assert "只用于守信激励" in page and "诚信优秀" in page and "720 分以上" in page
    assert '<a href="/measures#measure-R-JFMY-01">诚信积分优秀者公共服务免押金</a>' in page
    assert "志愿服务记录" in page and "每条+10 分，最多计 10 条，自决定日期起计 36 个月" in page


def test_the_person_opts_in_reads_the_ledger_and_opts_out(client, session, keys):
    assert submit(client, [penalty(851), honour(851)]).status_code == 201
    person = person_headers(session, keys, 851)
    page = client.get("/me/points", headers=person).text
    assert_plain(page, "/me/points before")
    assert 'href="/me/points"' in page.split("<main")[0]  # in the citizen's menu
    assert "开通诚信积分" in page
    assert not re.search(r'class="score"', page)  # no score before consent

    refused = _post(client, person, {"action": "in"})
    assert refused.status_code == 422 and "请先勾选“我已阅读并同意”" in refused.text
    opened = _post(client, person, {"action": "in", "agree": "yes"})
    assert opened.status_code == 303 and opened.headers["location"] == "/me/points?done=in"
    page = client.get(opened.headers["location"], headers=person).text
    assert_plain(page, "/me/points opted in")
    assert "已开通诚信积分" in page
    assert '<span class="score">610</span> 分 · 一般' in page  # 600 + 50 - 40
    assert '<meter class="points-meter" min="0" max="1000"' in page and 'value="610"' in page
    ledger = page.split('class="points-ledger"')[1].split("</table>")[0]
    assert ledger.count("<tr>") == 3 and "表彰奖励信息" in ledger and "行政处罚信息" in ledger  # a head and two
    assert "+50" in ledger and "-40" in ledger
    assert "距“诚信良好”还差 40 分" in page
    assert "决定的“行政处罚信息”申请信用修复：修复后该事项即不再扣分" in page

    closed = _post(client, person, {"action": "out"})
    assert closed.status_code == 303
    page = client.get(closed.headers["location"], headers=person).text
    assert "已关闭诚信积分" in page and 'class="score"' not in page and "开通诚信积分" in page


def test_the_measure_list_says_which_grades_unlock_a_measure_and_finds_them(client):
    page = client.get("/measures", params={"q": "诚信积分"}).text
    card = page.split('id="measure-R-JFMY-01"')[1].split("</section>")[0]
    assert '本人开通<a href="/points">诚信积分</a>且等级为 A 的成年人' in card
    assert 'id="measure-R-JFRQ-01"' in page and 'id="measure-P-GWY-01"' not in page


def test_on_a_phone_the_person_opts_in_and_reads_their_points(browser, live):
    """From the menu to a score with every point explained, in four steps, within the phone's width."""
    from browser_tab import Tab
    from playwright.sync_api import expect
    from test_citizen_pages import PHONE, _sign_in_as

    tab = Tab(browser, live, **PHONE)
    try:
        page = tab.page
        _sign_in_as(tab, live, live.citizen_id, live.citizen_name)
        tab.steps = 0
        page.locator(".menu-toggle").click()
        tab.tap(page.get_by_role("navigation", name="主导航").get_by_role("link", name="诚信积分", exact=True))
        expect(page.get_by_role("heading", level=1)).to_have_text("诚信积分")
        tab.shot("points-phone-before")
        page.get_by_label(re.compile("自愿开通诚信积分")).check()
        tab.tap(page.get_by_role("button", name="开通诚信积分"))
        expect(page.locator(".notice.ok")).to_contain_text("已开通诚信积分")
        expect(page.locator(".points-score")).to_contain_text("分")
        expect(page.locator(".points-ledger tbody tr").first).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert tab.steps <= 4, tab.steps
        tab.shot("points-phone-ledger")
        tab.tap(page.get_by_role("button", name="关闭诚信积分"))
        expect(page.locator(".notice.ok")).to_contain_text("已关闭诚信积分")
        assert not page.locator(".points-score").count()
        assert not tab.axe()  # the pages as the person saw them
    finally:
        tab.context.close()
    tab.assert_clean()


def test_at_desk_width_the_rules_page_is_clean(browser, live):
    from browser_tab import Tab
    from playwright.sync_api import expect
    from test_citizen_pages import DESK

    tab = Tab(browser, live, **DESK)
    try:
        tab.go("/points")
        expect(tab.page.get_by_role("heading", level=1)).to_have_text("诚信积分规则")
        assert not tab.axe()
        tab.shot("points-desk-rules")
    finally:
        tab.context.close()
    tab.assert_clean()


def test_at_desk_width_the_office_starts_a_grading_and_sees_its_progress(browser, live):
    """From the assessment report to a queued grading with its progress bar, in three steps."""
    from browser_tab import PASSWORD, Tab
    from playwright.sync_api import expect
    from test_citizen_pages import DESK

    tab = Tab(browser, live, **DESK)
    try:
        page = tab.page
        page.goto("/login")
        page.get_by_label("用户名").fill("web_operator")
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        tab.go("/console/assessment")
        tab.tap(page.get_by_role("link", name="诚信积分分级评估"))
        expect(page.get_by_role("heading", level=1)).to_have_text("积分分级评估")
        tab.tap(page.get_by_role("button", name="开始计算"))
        expect(page.locator(".points-runs progress").first).to_be_visible()
        expect(page.locator(".points-runs")).to_contain_text("排队中")
        expect(page.get_by_role("button", name="开始计算")).to_be_disabled()  # one at a time
        expect(page.get_by_role("status")).to_contain_text(re.compile(r"正在计算：已计算 0 / \d+ 人"))
        # The page follows the work by itself: it fetches its own address again (no reload, no meta refresh).
        with page.expect_request(lambda r: r.resource_type == "fetch" and r.url.endswith("/console/points"),
                                 timeout=10_000):
            pass
        expect(page.locator("#points-work")).to_have_attribute("data-follow", "5")
        assert tab.steps <= 3, tab.steps
        assert not tab.axe()
        tab.shot("points-desk-office")
    finally:
        tab.context.close()
    tab.assert_clean()
