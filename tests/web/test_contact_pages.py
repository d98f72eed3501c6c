"""My contact details as a page: shown masked, a field left empty stays, a ticked one is cleared, a wrong one
is refused on the page."""

from __future__ import annotations

from web_data import person_headers

from helpers import DEPT, with_csrf


def _post(client, headers: dict[str, str], data: dict):
    return client.post("/me/contact", headers=with_csrf(headers), data=data, follow_redirects=False)


def test_the_person_sets_changes_and_clears_contact_details(client, session, keys):
    person = person_headers(session, keys, 461)
    empty = client.get("/me/contact", headers=person).text
    assert empty.count("（未留）") == 2 and 'name="clear_phone"' not in empty

    saved = _post(client, person, {"phone": "138 0013 8000", "email": "Zhangsan@Example.CN"})
    assert saved.status_code == 303 and saved.headers["location"] == "/me/contact?saved=1"
    page = client.get("/me/contact?saved=1", headers=person).text
    assert "联系方式已保存" in page and "138****8000" in page and "Z***@example.cn" in page
    assert "13800138000" not in page and "Zhangsan@" not in page  # never shown in full

    assert _post(client, person, {"email": "lisi@example.cn"}).status_code == 303  # the phone stays
    page = client.get("/me/contact", headers=person).text
    assert "138****8000" in page and "l***@example.cn" in page

    wrong = _post(client, person, {"phone": "12345"})
    assert wrong.status_code == 422 and "手机号码格式不正确" in wrong.text and "138****8000" in wrong.text

    assert _post(client, person, {"clear_phone": "yes"}).status_code == 303
    page = client.get("/me/contact", headers=person).text
    assert "138****8000" not in page and "l***@example.cn" in page and 'href="/me/contact"' in page


def test_only_a_person_has_contact_details(client):
    assert client.get("/me/contact", headers=DEPT).status_code == 403
    assert client.get("/me/contact", follow_redirects=False).headers["location"] == "/person/login?next=/me/contact"
