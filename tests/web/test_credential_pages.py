"""The credential pages: the person ticks facts and gets one QR code per fact, a refused fact is
explained; anyone pastes a credential and reads the result in plain words. In Chromium at phone width."""

from __future__ import annotations

import json
import re

from test_citizen_pages import DESK, PHONE, _sign_in_as, assert_plain
from web_data import person_headers

from helpers import COURT, cid, court_case, penalty, submit, with_csrf


def _post(client, path: str, headers, data: dict):
    return client.post(path, headers=with_csrf(headers, client), data=data, follow_redirects=False)


def test_the_person_ticks_facts_and_gets_one_qr_code_each(client, session, keys):
    assert submit(client, [penalty(821)]).status_code == 201
    person = person_headers(session, keys, 821)
    page = client.get("/me/credential", headers=person).text
    assert_plain(page, "/me/credential")
    assert 'name="fact" value="not_blacklisted"' in page and 'name="fact" value="no_serious_dishonesty"' in page
    assert "不能出具：您目前不在守信激励对象名单（红名单）上" in page  # the refused fact, explained
    assert 'href="/me/credential"' in page.split("<main")[0]  # in the citizen's menu
    res = _post(client, "/me/credential", person, {"fact": ["not_blacklisted", "no_serious_dishonesty"]})
    assert res.status_code == 303 and res.headers["location"].startswith("/me/credential#c-")
    page = client.get("/me/credential", headers=person).text
    assert_plain(page, "/me/credential with codes")
    assert len(re.findall(r'<svg role="img" aria-label="二维码：截至[^"]+" xmlns', page)) == 2
    assert "style=" not in page.split('<div class="qr-box">')[1].split("</div>")[0]  # nothing the CSP refuses
    credential_id = res.headers["location"].split("#c-")[1]
    download = client.get(f"/me/credential/{credential_id}.json", headers=person)
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.json()["credentialSubject"]["name"] == "张*"
    refused = _post(client, "/me/credential", person, {"fact": ["red_list"]})
    assert refused.status_code == 422 and "您目前不在守信激励对象名单（红名单）上" in refused.text
    none = _post(client, "/me/credential", person, {})
    assert none.status_code == 422 and "请至少勾选一项要证明的事实" in none.text
    revoked = _post(client, f"/me/credential/{credential_id}/revoke", person, {})
    assert revoked.status_code == 303
    assert "已撤销" in client.get("/me/credential", headers=person).text


def test_a_listed_person_sees_why_not_blacklisted_cannot_be_given(client, session, keys):
    assert submit(client, [court_case(822)], headers=COURT).status_code == 201
    page = client.get("/me/credential", headers=person_headers(session, keys, 822)).text
    assert 'value="not_blacklisted"' not in page
    assert "不能出具：您目前在严重失信主体名单（黑名单）上" in page


def test_the_verification_page_says_the_result_in_plain_words(client, session, keys):
    assert submit(client, [penalty(823)]).status_code == 201
    person = person_headers(session, keys, 823)
    doc = client.post("/api/v1/me/credentials", headers=person, json={"claim": "not_blacklisted"}).json()["credential"]
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    form = client.get("/verify/credential")
    assert form.status_code == 200 and "信用凭证内容" in form.text
    ok = _post(client, "/verify/credential", {}, {"credential": text})
    assert ok.status_code == 200 and "凭证有效" in ok.text and "张*" in ok.text and cid(823) not in ok.text
    assert_plain(ok.text.replace(text.replace('"', "&#34;"), ""), "/verify/credential")
    bad = _post(client, "/verify/credential", {}, {"credential": text.replace("张*", "王*")})
    assert "凭证内容被改动或不是平台签发的" in bad.text and "签名与内容不符" in bad.text
    junk = _post(client, "/verify/credential", {}, {"credential": "你好"})
    assert "粘贴的内容不是平台出具的信用凭证" in junk.text
    empty = _post(client, "/verify/credential", {}, {"credential": " "})
    assert empty.status_code == 422 and "请粘贴信用凭证的内容" in empty.text
    log = client.get("/me/accesses", headers=person).text  # each online check, in the person's words
    assert log.count("您出示信用凭证的核验方") == 1 and "信用凭证核验" in log
    assert_plain(log, "/me/accesses")


def test_on_a_phone_a_fact_becomes_a_qr_code_that_a_verifier_checks(browser, live, tmp_path):
    from browser_tab import Tab
    from playwright.sync_api import expect

    tab = Tab(browser, live, **PHONE)
    verifier = Tab(browser, live, **PHONE)
    try:
        page = tab.page
        _sign_in_as(tab, live, live.citizen_id, live.citizen_name)
        tab.steps = 0
        page.locator(".menu-toggle").click()
        tab.tap(page.get_by_role("navigation", name="主导航").get_by_role("link", name="信用凭证"))
        expect(page.get_by_role("heading", level=1)).to_have_text("信用凭证")
        page.get_by_label(re.compile("不在任何严重失信主体名单上")).check()
        tab.tap(page.get_by_role("button", name="出具二维码"))
        expect(page).to_have_url(re.compile(r"/me/credential#c-"))
        card = page.locator(f"#c-{page.url.split('#c-')[1]}")
        code = card.locator("svg.qr")
        expect(code).to_be_visible()
        box = code.bounding_box()
        assert box is not None and 200 <= box["width"] <= 390, box  # big enough to scan, within the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        tab.shot("credential-phone-qr")
        with page.expect_download() as download:
            card.get_by_role("link", name="下载凭证文件").click()
        text = download.value.path().read_text(encoding="utf-8")
        assert json.loads(text)["credentialSubject"]["claim"] == "not_blacklisted"

        vpage = verifier.page
        vpage.goto("/verify/credential")
        vpage.get_by_label("信用凭证内容").fill(text)
        vpage.get_by_role("button", name="核验").click()
        banner = vpage.locator(".status-banner")
        expect(banner).to_contain_text("凭证有效")
        expect(banner).to_contain_text("不在任何严重失信主体名单上")
        assert vpage.evaluate("document.documentElement.scrollWidth") <= 390
        verifier.shot("credential-phone-verified")
    finally:
        tab.context.close()
        verifier.context.close()
    tab.assert_clean()
    verifier.assert_clean()


def test_at_desk_width_the_credential_page_is_clean(browser, live):
    from browser_tab import Tab
    from playwright.sync_api import expect

    tab = Tab(browser, live, **DESK)
    try:
        _sign_in_as(tab, live, live.citizen_id, live.citizen_name)
        tab.page.goto("/me/credential")
        expect(tab.page.get_by_role("button", name="出具二维码")).to_be_visible()
        tab.shot("credential-desk")
    finally:
        tab.context.close()
    tab.assert_clean()
