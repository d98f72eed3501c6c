"""The administrator's pages: accounts listed by name with their status, created from a form that comes
back with its reasons and typed values (never the password), tokens issued (shown once) and revoked,
accounts disabled, departments listed and registered; for the platform administrator only."""

from __future__ import annotations

import re

from helpers import OPERATOR, as_role, with_csrf

ADMIN = as_role("platform_admin")
STRONG = "Xinyong-2026!"


def _post(client, path: str, data: dict, headers=ADMIN):
    return client.post(path, headers=with_csrf(headers), data=data, follow_redirects=False)


def test_the_administrator_creates_an_account_issues_and_revokes_a_token_and_disables_it(client):
    page = client.get("/console/accounts", headers=ADMIN)
    assert page.status_code == 200 and "账号管理" in page.text and "market_regulation 系统" in page.text
    assert 'href="/console/accounts"' in page.text and 'href="/console/departments"' in page.text  # in the menu
    refused = _post(client, "/console/accounts", {"kind": "department", "display_name": "招录系统",
                                                   "roles": ["checker"], "department_code": ""})
    assert refused.status_code == 200 and re.search(r'id="e-department_code">.*?未登记的部门编码', refused.text, re.S)
    assert 'value="招录系统"' in refused.text and re.search(r'value="checker" checked', refused.text)
    weak = _post(client, "/console/accounts", {"kind": "staff", "display_name": "赵信用", "username": "zhaoxy",
                                                "password": "short", "roles": ["operator"]})
    assert weak.status_code == 200 and 'id="e-password"' in weak.text and "short" not in weak.text
    made = _post(client, "/console/accounts", {"kind": "department", "display_name": "招录系统",
                                                "roles": ["checker"], "department_code": "human_resources"})
    assert made.status_code == 303, made.text
    account = made.headers["location"].split("/")[-1].split("?")[0]
    detail = client.get(made.headers["location"], headers=ADMIN).text
    assert "招录系统" in detail and "市人力资源和社会保障局" in detail and "账号已建立" in detail

    issued = _post(client, f"/console/accounts/{account}/tokens", {"name": "生产环境", "days": "30"})
    assert issued.status_code == 200 and issued.headers["cache-control"] == "no-store"
    token = re.search(r'id="f-issued-token" type="text" readonly value="(cxt_[^"]+)"', issued.text).group(1)
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/auth/me", headers=auth).status_code == 200
    again = client.get(f"/console/accounts/{account}", headers=ADMIN).text
    assert token not in again and "生产环境" in again  # shown once only
    token_id = re.search(r'action="/console/tokens/(\w+)/revoke"', again).group(1)
    assert _post(client, f"/console/tokens/{token_id}/revoke", {}).status_code == 303
    assert client.get("/api/v1/auth/me", headers=auth).status_code == 401
    assert "已吊销" in client.get(f"/console/accounts/{account}", headers=ADMIN).text

    second = re.search(r'value="(cxt_[^"]+)"', _post(client, f"/console/accounts/{account}/tokens",
                                                     {"name": "备用"}).text).group(1)
    assert _post(client, f"/console/accounts/{account}/disable", {}).status_code == 303
    assert client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {second}"}).status_code == 401
    disabled = client.get(f"/console/accounts/{account}", headers=ADMIN).text
    assert "已停用" in disabled and "签发新令牌" not in disabled
    me = client.get("/api/v1/auth/me", headers=ADMIN).json()["account_id"]
    own = _post(client, f"/console/accounts/{me}/disable", {})
    assert own.status_code == 409  # an administrator cannot lock themselves out


def test_departments_are_listed_and_registered_and_only_the_administrator_manages(client):
    page = client.get("/console/departments", headers=ADMIN).text
    assert "市市场监督管理局" in page and "market_regulation" in page
    bad = _post(client, "/console/departments", {"code": "County Tax", "name": "某县税务局"})
    assert bad.status_code == 200 and 'id="e-code"' in bad.text and 'value="County Tax"' in bad.text
    taken = _post(client, "/console/departments", {"code": "court", "name": "另一个法院"})
    assert taken.status_code == 200 and "已经登记" in taken.text
    added = _post(client, "/console/departments", {"code": "county_tax", "name": "某县税务局"})
    assert added.status_code == 303
    assert "某县税务局" in client.get(added.headers["location"], headers=ADMIN).text
    for path in ("/console/accounts", "/console/departments"):
        assert client.get(path, headers=OPERATOR).status_code == 403
    assert _post(client, "/console/departments", {"code": "x_y", "name": "x"}, headers=OPERATOR).status_code == 403
