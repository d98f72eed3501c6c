"""The shell every page shares (site identity, menus by audience, sign-in redirects, error pages, static
files) and the public portal (home, red and black lists, search, measures)."""

from __future__ import annotations

import gzip
import re

from web_data import person_headers

from chengxin import ids
from chengxin.clock import utcnow
from chengxin.notices import repository as notices
from chengxin.settings import Settings
from chengxin.web.assets import ASSETS
from chengxin.web.identity import site_identity
from chengxin.web.site import safe_next
from helpers import (
    COURT,
    DEPT,
    HR,
    OPERATOR,
    as_role,
    cid,
    court_case,
    days_ago,
    error_code,
    listing_notice,
    penalty,
    submit,
    with_csrf,
)

USCC = "91350100M000100Y43"


def _menu(html: str) -> list[str]:
    nav = re.search(r'<nav aria-label="主导航">(.*?)</nav>', html, re.S)
    return re.findall(r'<a href="([^"]+)"', nav.group(1)) if nav else []


def _org_case(n: int, **fields: str) -> dict:
    """A black-list record about an organisation (拖欠农民工工资, YZSX-02), decided 30 days ago."""
    return {"item_code": "YZSX-02", "uscc": USCC, "org_name": "某某建筑工程有限公司",
            "source_record_id": f"RS-2026-{n:06d}", "decision_date": days_ago(30),
            "fields": {**listing_notice(days_ago(30)), "person_role": "用人单位", "authority": "市人力资源和社会保障局",
                       "circumstance": "因拖欠农民工工资违法行为引发群体性事件、极端事件造成严重不良社会影响",
                       **fields}}


# --- site identity -------------------------------------------------------------------------------

def test_every_page_carries_the_site_identity_and_marks_demo_values(client):
    home = client.get("/").text
    assert "<title>首页 · 信用示范市</title>" in home and "演示站点" in home
    for words in ("主办单位：示范市发展和改革委员会", "网站标识码：0000000000", "示ICP备00000000号",
                  "示公网安备00000000000000号", 'href="/privacy"', 'href="/about"', "（演示值）"):
        assert words in home, words
    assert "/api/" not in home and "tree-head" not in home  # nothing points at developer material
    about = client.get("/about").text
    assert "0000-12345678" in about and 'id="sitemap"' in about and 'href="/public/lists"' in about
    privacy = client.get("/privacy").text
    assert "隐私声明" in privacy and "2026-11-01" in privacy and "xinyong@example.org" in privacy


def test_a_configured_identity_is_not_marked_as_demo(client):
    real = Settings(site_name="信用杭州", site_host="杭州市发展和改革委员会", site_operator="杭州市信用中心",
                    site_phone="0571-12345", site_email="xy@hz.example", site_address="杭州市解放东路 18 号",
                    site_code="3301000001", site_icp="浙ICP备12345678号", site_police="浙公网安备33010002000001号")
    identity = site_identity(real)
    assert not identity.any_demo and identity.name == "信用杭州"
    assert site_identity(Settings(site_phone="0571-1")).demo == frozenset(
        {"name", "host", "operator", "email", "address", "code", "icp", "police"})
    client.app.state.site = identity
    home = client.get("/").text
    assert "信用杭州" in home and "浙ICP备12345678号" in home and "演示" not in home


# --- menus by audience ---------------------------------------------------------------------------

def test_each_audience_sees_only_its_own_menu(client, session, keys):
    public = _menu(client.get("/").text)
    assert "/public/lists" in public and "/measures" in public and not any(h.startswith(("/me/", "/dept/", "/console/"))
                                                                           for h in public)
    submit(client, [penalty(501)])
    person = _menu(client.get("/me/notices", headers=person_headers(session, keys, 501)).text)
    assert person and all(h.startswith("/me/") for h in person)
    office = _menu(client.get("/console/repairs", headers=OPERATOR).text)
    assert "/console/repairs" in office and not any(h.startswith(("/me/", "/public/")) or h == "/" for h in office)
    clerk = _menu(client.get("/dept/uploads", headers=DEPT).text)
    # A department decides the repairs of its own matters (R14): its queue is in its menu.
    assert "/dept/uploads" in clerk and "/console/repairs" in clerk and "/public/lists" not in clerk
    auditor = _menu(client.get("/audit/log", headers=as_role("auditor")).text)
    assert "/audit/log" in auditor and "/dept/uploads" not in auditor and "/measures" not in auditor


def test_a_person_sees_their_masked_name_and_unread_notices(client, session, keys):
    submit(client, [penalty(502, name="欧阳修文")])
    headers = person_headers(session, keys, 502)
    key = keys.subject_key("citizen_id", cid(502))
    for n in range(2):
        notices.add_inbox(session, {"subject_key": key, "id": ids.new_id(), "idempotency_key": f"shell-{n}",
                                    "kind": "test", "title": "测试通知", "body": "正文", "created_at": utcnow(),
                                    "read_at": None})
    session.flush()
    page = client.get("/me/file", headers=headers).text
    assert "您好，欧阳**" in page and "信息主体本人" not in page and "欧阳修文" not in page.split("<main")[0]
    assert re.search(r'href="/me/notices"[^>]*>我的通知<span class="badge">2<span class="vh"> 条未读', page)
    assert re.search(r'class="menu-toggle[^"]*"[^>]*>菜单<span class="badge" aria-hidden="true">2</span>', page)


# --- signing in and back -------------------------------------------------------------------------

def test_safe_next_keeps_only_addresses_on_this_site():
    assert safe_next("/me/file") == "/me/file" and safe_next("/public/lists?q=a&page=2") == "/public/lists?q=a&page=2"
    for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)", "me/file",
                "/login", "/person/login?next=/x", "/me/file\r\nSet-Cookie: x", "", None, "/" + "a" * 1001):
        assert safe_next(bad) is None, bad


def test_a_logged_out_visit_goes_to_the_right_login_and_back(client, session, capsys):
    submit(client, [penalty(503)])
    to_login = client.get("/me/repairs?tab=open", follow_redirects=False)
    assert to_login.status_code == 303 and to_login.headers["location"] == "/person/login?next=/me/repairs%3Ftab%3Dopen"
    form = client.get(to_login.headers["location"]).text
    assert 'name="next" value="/me/repairs?tab=open"' in form
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', form).group(1)
    step = client.post("/person/login", data={"id_number": cid(503), "name": "张三", "csrf_token": token,
                                              "next": "/me/repairs?tab=open"})
    challenge = re.search(r'name="challenge_id" value="([0-9A-Z]{26})"', step.text).group(1)
    assert 'name="next" value="/me/repairs?tab=open"' in step.text
    code = re.search(rf"挑战 {challenge} 的验证码：(\d{{6}})", capsys.readouterr().err).group(1)
    done = client.post("/person/verify", data={"challenge_id": challenge, "code": code, "csrf_token": token,
                                               "next": "/me/repairs?tab=open"}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/me/repairs?tab=open"
    client.cookies.clear()
    staff = client.get("/console/assessment", follow_redirects=False)
    assert staff.headers["location"] == "/login?next=/console/assessment"
    assert 'name="next" value="/console/assessment"' in client.get(staff.headers["location"]).text
    assert 'name="next"' not in client.get("/login?next=https://evil.example/").text  # an off-site next is dropped


def test_a_refused_person_login_keeps_every_typed_value(client, session, capsys):
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', client.get("/person/login").text).group(1)
    bad_number = "11010519850615001X"  # a wrong check digit
    refused = client.post("/person/login", data={"id_type": "citizen_id", "id_number": bad_number, "name": "张三",
                                                 "csrf_token": token, "next": "/me/file"})
    page = refused.text
    assert refused.status_code == 200 and 'class="error-summary"' in page and 'href="#f-id_number"' in page
    assert f'value="{bad_number}"' in page and 'value="张三"' in page and 'name="next" value="/me/file"' in page
    assert 'id="e-id_number"' in page and 'aria-invalid="true"' in page  # the message beside the field
    # A name that does not match, found at step two: back to step one with everything kept.
    submit(client, [penalty(504)])
    step = client.post("/person/login", data={"id_number": cid(504), "name": "李雷", "csrf_token": token})
    challenge = re.search(r'name="challenge_id" value="([0-9A-Z]{26})"', step.text).group(1)
    assert f'name="id_number" value="{cid(504)}"' in step.text
    code = re.search(rf"挑战 {challenge} 的验证码：(\d{{6}})", capsys.readouterr().err).group(1)
    mismatch = client.post("/person/verify", data={"challenge_id": challenge, "code": code, "csrf_token": token,
                                                   "id_type": "citizen_id", "id_number": cid(504), "name": "李雷"})
    assert mismatch.status_code == 200 and "本人登录" in mismatch.text and "不一致" in mismatch.text
    assert f'value="{cid(504)}"' in mismatch.text and 'value="李雷"' in mismatch.text and 'id="e-name"' in mismatch.text


# --- error pages ---------------------------------------------------------------------------------

def test_error_pages_speak_plainly_with_the_code_in_small_print(client, session, keys):
    missing = client.get("/no/such/page")
    assert missing.status_code == 404 and "<h1>没有找到这个页面</h1>" in missing.text
    assert 'role="search"' in missing.text and "错误码" not in missing.text and "HTTP 404" not in missing.text
    assert re.search(r'<p class="fineprint">[^<]*NOT_FOUND（404）</p>', missing.text)
    assert missing.text.count("NOT_FOUND") == 2  # the meta tag and the small print, nowhere else
    submit(client, [penalty(505)])
    forbidden = client.get("/console/repairs", headers=person_headers(session, keys, 505))
    assert forbidden.status_code == 403 and "您登录的账号不能打开这个页面" in forbidden.text
    assert error_code(forbidden) == "AUTH_FORBIDDEN"


# --- static files --------------------------------------------------------------------------------

def test_static_files_are_hashed_cached_and_compressed(client):
    page = client.get("/").text
    css = re.search(r'href="(/static/site\.css\?v=[0-9a-f]{12})"', page).group(1)
    first = client.get(css, headers={"accept-encoding": "gzip"})
    assert first.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert first.headers["content-encoding"] == "gzip" and first.headers["vary"] == "accept-encoding"
    assert first.text.startswith("/*")  # decoded by the client
    raw = client.get(css, headers={"accept-encoding": "identity"})
    assert "content-encoding" not in raw.headers and raw.headers["content-type"].startswith("text/css")
    stale = client.get("/static/site.css?v=000000000000")
    assert stale.headers["cache-control"] == "no-cache" and stale.headers["etag"] == first.headers["etag"]
    assert client.get("/static/site.css", headers={"if-none-match": first.headers["etag"]}).status_code == 304
    assert client.get("/static/nothing.css").status_code == 404
    assert client.get("/static/../settings.py").status_code == 404
    for src in re.findall(r'(?:src|href)="(/static/[^"]+)"', page):
        assert re.search(r"\?v=[0-9a-f]{12}$", src), src


def test_only_a_page_with_charts_loads_the_trimmed_echarts(client):
    bundle = ASSETS.assets["vendor/echarts-6.1.0-bar.min.js"]
    assert len(bundle.body(False)) < 650_000 and len(bundle.body(True)) < 220_000  # the full build: 1.1 MB
    assert "echarts" not in client.get("/").text and "echarts" not in client.get("/public/lists").text
    assert "vendor/echarts-6.1.0-bar.min.js?v=" in client.get("/console/assessment", headers=OPERATOR).text


def test_the_openapi_document_is_made_once_and_sent_compressed(client):
    first = client.get("/openapi.json", headers={"accept-encoding": "gzip"})
    assert first.headers["content-encoding"] == "gzip" and first.json()["info"]["title"]
    assert int(first.headers["content-length"]) < len(first.content) / 4
    again = client.get("/openapi.json", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304
    assert "content-encoding" not in client.get("/openapi.json", headers={"accept-encoding": "identity"}).headers


def test_the_api_docs_load_their_bundle_compressed_and_cached(client):
    docs = client.get("/docs").text
    bundle = re.search(r'src="(/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle\.js\?v=[0-9a-f]{12})"', docs).group(1)
    sent = client.get(bundle, headers={"accept-encoding": "gzip, deflate"})
    assert sent.headers["content-encoding"] == "gzip" and "immutable" in sent.headers["cache-control"]
    size = int(sent.headers["content-length"])
    assert size < 0.4 * len(gzip.decompress(gzip.compress(sent.content)))  # compressed to well under half


# --- the public portal ---------------------------------------------------------------------------

def test_home_has_a_search_box_and_todays_figures(client):
    submit(client, [court_case(506)], headers=COURT)
    client.post("/api/v1/lists/entries", headers=DEPT, json={
        "list_type": "red", "id_number": cid(507), "name": "王五", "basis": "《条例》第五条",
        "start_date": days_ago(3)})
    home = client.get("/").text
    assert re.search(r'<form class="home-search" method="get" action="/public/lists" role="search"', home)
    assert re.search(r"<b>1</b><span>黑名单在列</span><small>个人 1，单位 0</small>", home)
    assert re.search(r"<b>1</b><span>红名单在列</span>", home)


def test_red_and_black_lists_are_tabs_with_counts_behaviour_and_organisations(client):
    assert submit(client, [court_case(508)], headers=COURT).status_code == 201
    org = submit(client, [_org_case(1)], headers=HR)
    assert org.status_code == 201, org.text
    red = client.post("/api/v1/lists/entries", headers=DEPT, json={
        "list_type": "red", "id_number": cid(509), "name": "王五", "basis": "《市诚信典型评选办法》第六条",
        "start_date": days_ago(3)})
    assert red.status_code == 201, red.text
    black = client.get("/public/lists").text  # the black list by default, never mixed with the red one
    assert re.search(r'tab-black" href="[^"]*" aria-current="page">黑名单 <span class="count">2</span>', black)
    assert re.search(r'tab-red" href="[^"]*">红名单 <span class="count">1</span>', black)
    assert "失信被执行人信息：有履行能力而拒不履行生效法律文书确定义务" in black  # what they did, in words
    assert "某某建筑工程有限公司" in black and USCC in black and "赵*" in black and cid(508) not in black
    assert "拖欠农民工工资失信联合惩戒对象：因拖欠农民工工资违法行为" in black and "王五" not in black
    assert "列入黑名单" in black and "列入红名单" not in black
    red_page = client.get("/public/lists?list_type=red").text
    assert "王*" in red_page and "列入红名单" in red_page and "赵*" not in red_page
    orgs = client.get("/public/lists?kind=organisation").text
    assert USCC in orgs and "赵*" not in orgs and re.search(r"共 1 条", orgs)


def test_search_by_number_name_words_and_code_with_totals_and_pages(client):
    submit(client, [court_case(510, name="孙七")], headers=COURT)
    submit(client, [_org_case(2)], headers=HR)
    by_number = client.get("/public/lists", params={"q": cid(510)}).text
    assert "孙*" in by_number and "共 1 条" in by_number and "某某建筑" not in by_number
    assert "孙*" in client.get("/public/lists", params={"q": "孙七"}).text
    assert "孙*" not in client.get("/public/lists", params={"q": "孙"}).text  # a person by full name only
    by_words = client.get("/public/lists", params={"q": "建筑工程"}).text
    assert USCC in by_words and "孙*" not in by_words
    assert USCC in client.get("/public/lists", params={"q": USCC.lower()}).text
    api = client.get("/api/v1/public/lists", params={"q": "建筑工程"}).json()
    assert api["total"] == 1 and api["counts"] == {"black": 1, "red": 0}
    assert api["entries"][0]["subject_kind"] == "organisation"
    for n in range(21):  # more than a page of red-list entries
        client.post("/api/v1/lists/entries", headers=DEPT, json={
            "list_type": "red", "id_number": cid(600 + n), "name": "周八", "basis": "《条例》第五条",
            "start_date": days_ago(2)})
    first = client.get("/public/lists?list_type=red").text
    assert "共 21 条" in first and "第 1 页，共 2 页" in first
    assert 'href="/public/lists?list_type=red&amp;page=2"' in first
    second = client.get("/public/lists?list_type=red&page=2").text
    assert second.count('class="entry-red"') == 1 and 'aria-current="page">2</a>' in second


def test_public_records_search_filters_and_totals(client):
    submit(client, [penalty(511, name="李四"), penalty(512, name="李四")])
    submit(client, [_org_case(3)], headers=HR)
    both = client.get("/public/records", params={"q": "李四"}).text
    assert "公示信息共 2 条" in both
    org = client.get("/public/records", params={"kind": "organisation"}).text
    assert "某某建筑工程有限公司" in org and "李*" not in org
    category = client.get("/public/records", params={"category": "XZCF"}).text
    assert "李*" in category and "某某建筑" not in category
    assert "某某建筑" not in client.get("/public/records", params={"department": "market_regulation"}).text
    assert client.get("/api/v1/public/records", params={"q": "李四"}).json()["total"] == 2


def test_measures_are_searchable_folded_by_scenario_and_addressable(client):
    page = client.get("/measures").text
    folds = re.findall(r'<details class="fold" id="scenario-([a-z_]+)">', page)
    assert "high_consumption" in folds and "civil_service_recruitment" in folds
    anchors = re.findall(r'id="measure-([A-Z0-9-]+)"', page)
    in_force = len(client.get("/api/v1/measures").json()["measures"])
    assert len(anchors) == len(set(anchors)) == in_force == 43 and "P-GWY-01" in anchors  # each once, by code
    flying = client.get("/measures", params={"q": "飞机"}).text
    assert "找到 1 项措施" in flying and 'id="measure-P-GXF-01"' in flying and "<details" not in flying
    rewards = client.get("/measures", params={"effect": "reward", "scenario": "honours"}).text
    assert "找到 2 项措施" in rewards and "R-PXPY-01" in rewards and "P-PXPY-01" not in rewards


def test_a_hopeless_login_still_keeps_what_was_typed(client):
    res = client.post("/person/login", headers=with_csrf(client=client), data={"id_number": "x", "name": "y"})
    assert res.status_code == 200 and 'value="x"' in res.text  # even a hopeless number is kept, on the form


def test_counts_stop_at_the_cap_and_say_so(client, monkeypatch):
    from chengxin.disclosure import pages as disclosure_pages
    from chengxin.disclosure import repository as disclosure_repo
    from chengxin.web import pages as home_pages

    for module in (disclosure_repo, disclosure_pages, home_pages):
        monkeypatch.setattr(module, "COUNT_CAP", 1)
    submit(client, [court_case(520), court_case(521)], headers=COURT)
    page = client.get("/public/lists").text
    assert '黑名单 <span class="count">1+</span>' in page and "共 1 条以上" in page
    assert "<b>1+</b><span>黑名单在列</span>" in client.get("/").text
    assert client.get("/api/v1/public/lists").json()["counts"]["black"] == 2  # COUNT_CAP + 1: "more than"
