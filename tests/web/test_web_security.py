"""CSRF on every page form, session cookies, and sign-in through the pages."""

from __future__ import annotations

import re

from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from chengxin.accounts import service as accounts
from chengxin.errors import is_page
from chengxin.web.security import PRE_COOKIE, token_for
from helpers import DEPT, cid, error_code, penalty, submit, with_csrf

PASSWORD = "Clerk-Passw0rd!"


def _page_posts(app) -> list[str]:
    from accounts.test_route_matrix import _concrete, _routes

    return [_concrete(path) for path, route, _ in _routes(app)
            if isinstance(route, APIRoute) and is_page(path) and "POST" in route.methods]


def test_every_page_form_refuses_a_request_without_the_session_token(client):
    posts = _page_posts(client.app)
    assert {"/login", "/person/login", "/logout", "/dept/uploads", "/me/authorisations"} <= set(posts)
    client.cookies.set(PRE_COOKIE, "victim-pre-session-aaaaaaaaaaaaaaaaaaaaaaaa")
    for path in posts:
        for headers in ({}, {"X-CSRF-Token": "0" * 64}, {"X-CSRF-Token": token_for("another-session")}):
            res = client.post(path, data={"csrf_token": headers.get("X-CSRF-Token", "")}, headers=headers)
            assert res.status_code == 403 and error_code(res) == "CSRF_REFUSED", (path, headers)
        for headers in (DEPT, {**DEPT, "X-CSRF-Token": token_for("Bearer cxt_someone_else")}):
            res = client.post(path, data={}, headers=headers)  # a bearer credential needs its own token too
            assert error_code(res) == "CSRF_REFUSED", path


def test_the_token_in_the_page_is_bound_to_the_visitor(client):
    first = client.get("/login")
    pre = first.cookies.get(PRE_COOKIE)
    assert pre and "httponly" in first.headers["set-cookie"].lower() and "samesite=strict" in \
        first.headers["set-cookie"].lower()
    token = re.search(r'name="csrf_token" value="([0-9a-f]{64})"', first.text).group(1)
    assert token == token_for(pre)
    assert f'"X-CSRF-Token": "{token}"' in first.text  # htmx requests send it as a header
    again = client.get("/login")
    assert PRE_COOKIE not in again.cookies and token in again.text  # the same visitor keeps the token


def _clerk(session) -> None:
    accounts.create_account(session, kind="department", display_name="市场监管局报送员", roles=["submitter", "checker"],
                            department_code="market_regulation", username="web_clerk", password=PASSWORD)
    session.flush()


def _form_token(res) -> str:
    return re.search(r'name="csrf_token" value="([0-9a-f]{64})"', res.text).group(1)


def test_staff_sign_in_sets_a_strict_session_cookie_and_logout_ends_it(client, session):
    _clerk(session)
    token = _form_token(client.get("/login"))
    wrong = client.post("/login", data={"username": "web_clerk", "password": "nope", "csrf_token": token})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text and 'value="web_clerk"' in wrong.text
    res = client.post("/login", data={"username": "web_clerk", "password": PASSWORD, "csrf_token": token},
                      follow_redirects=False)
    assert res.status_code == 303 and res.headers["location"] == "/console"  # the workbench
    cookie = res.headers["set-cookie"].lower()
    assert "cx_session=cxs_" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    assert "secure" not in cookie  # plain http in the test; https or the setting turns it on
    page = client.get("/dept/uploads")
    assert page.status_code == 200 and "报送文件" in page.text
    out = client.post("/logout", data={"csrf_token": _form_token(page)}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.clear()
    assert client.get("/dept/uploads", follow_redirects=False).headers["location"] == "/login?next=/dept/uploads"


def test_session_cookie_is_secure_over_https_or_when_set(client, session, app):
    _clerk(session)
    token = _form_token(client.get("https://testserver/login"))
    res = client.post("https://testserver/login", data={"username": "web_clerk", "password": PASSWORD,
                                                        "csrf_token": token}, follow_redirects=False)
    assert "secure" in res.headers["set-cookie"].lower()
    plain = TestClient(app).get("http://testserver/login").headers["set-cookie"].lower()
    app.state.settings.secure_cookies = True  # behind a proxy that terminates https
    behind_proxy = TestClient(app).get("http://testserver/login").headers["set-cookie"].lower()
    assert "secure" not in plain and "secure" in behind_proxy


def test_a_person_signs_in_with_the_demo_code(client, session, capsys):
    submit(client, [penalty(81)])
    token = _form_token(client.get("/person/login"))
    wrong_name = client.post("/person/login", data={"id_number": cid(81), "name": "李雷", "csrf_token": token})
    assert wrong_name.status_code == 200 and "输入验证码" in wrong_name.text  # as for any name and number
    wrong = re.search(r'name="challenge_id" value="([0-9A-Z]{26})"', wrong_name.text).group(1)
    wrong_code = re.search(rf"挑战 {wrong} 的验证码：(\d{{6}})", capsys.readouterr().err).group(1)
    refused = client.post("/person/verify", data={"challenge_id": wrong, "code": wrong_code, "csrf_token": token})
    assert refused.status_code == 200 and "不一致" in refused.text and cid(81) not in refused.text
    step = client.post("/person/login", data={"id_number": cid(81), "name": "张三", "csrf_token": token})
    assert step.status_code == 200 and "输入验证码" in step.text
    challenge = re.search(r'name="challenge_id" value="([0-9A-Z]{26})"', step.text).group(1)
    code = re.search(rf"挑战 {challenge} 的验证码：(\d{{6}})", capsys.readouterr().err).group(1)
    bad = client.post("/person/verify", data={"challenge_id": challenge, "code": "000000" if code != "000000"
                                              else "111111", "csrf_token": token})
    assert bad.status_code == 200 and "验证码错误" in bad.text and challenge in bad.text
    ok = client.post("/person/verify", data={"challenge_id": challenge, "code": code, "csrf_token": token},
                     follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/me/file"
    file = client.get("/me/file")
    assert file.status_code == 200 and "我的信用档案" in file.text and "行政处罚" in file.text
    assert cid(81) not in file.text  # shown masked on the page


def test_with_csrf_helper_matches_what_pages_expect(client):
    res = client.post("/logout", headers=with_csrf(DEPT), data={}, follow_redirects=False)
    assert res.status_code == 303


def test_the_api_docs_load_nothing_from_another_origin(client):
    page = client.get("/docs")
    assert page.status_code == 200
    assert "http://" not in page.text and "https://" not in page.text and "<script>" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for src in re.findall(r'(?:src|href)="([^"]+)"', page.text):
        assert client.get(src).status_code == 200, src
    assert client.get("/redoc").status_code == 404


def test_no_answer_but_the_static_assets_may_be_cached(client):
    for path in ("/", "/public/records", "/api/v1/public/lists", "/api/v1/catalog", "/healthz", "/login",
                 "/no-such-page"):
        assert client.get(path).headers.get("cache-control") == "no-store", path
    css = client.get("/static/site.css")
    assert css.status_code == 200 and "no-store" not in css.headers.get("cache-control", "")
