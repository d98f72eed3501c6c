"""A person's notices and contact details over the API: own data only, contacts encrypted at
rest and masked on the way out, stable error codes."""

from __future__ import annotations

from sqlalchemy import select

from chengxin.accounts import repository as accounts_repo
from chengxin.accounts import service as accounts
from chengxin.notices import service
from chengxin.notices.models import PersonContact
from helpers import OPERATOR, cid


def person(session, keys, n: int = 71) -> tuple[str, dict[str, str]]:
    key = keys.subject_key("citizen_id", cid(n))
    account = accounts_repo.by_person_key(session, key) or accounts.create_account(
        session, kind="person", display_name="本人", roles=["person"], person_key=key)
    issued = accounts._open_session(session, account, 30, None)
    session.commit()
    return key, {"Authorization": f"Bearer {issued.token}"}


def deliver(session, factory, keys, settings, key: str, count: int) -> None:
    for n in range(1, count + 1):
        service.enqueue(session, person_key=key, kind="objection_received", key=f"OBJ-{key[:4]}-{n}",
                        title=f"异议申请已受理（{n}）", body="您提交的异议申请已受理。", channels=["inapp"])
    session.commit()
    assert service.deliver_due(factory, keys, settings).delivered == count


def test_the_inbox_lists_own_notices_newest_first_in_pages(client, session, factory, keys, settings):
    key, me = person(session, keys)
    other, them = person(session, keys, 72)
    deliver(session, factory, keys, settings, key, 3)
    deliver(session, factory, keys, settings, other, 1)

    page = client.get("/api/v1/me/notices", headers=me, params={"limit": 2}).json()
    assert page["unread"] == 3 and len(page["items"]) == 2 and page["next_before"]
    rest = client.get("/api/v1/me/notices", headers=me, params={"limit": 2, "before": page["next_before"]}).json()
    assert len(rest["items"]) == 1 and rest["next_before"] is None
    titles = [m["title"] for m in page["items"] + rest["items"]]
    assert len(set(titles)) == 3
    ids = [m["id"] for m in page["items"] + rest["items"]]
    assert ids == sorted(ids, reverse=True)
    theirs = client.get("/api/v1/me/notices", headers=them).json()["items"]
    assert [m["title"] for m in theirs] == ["异议申请已受理（1）"]


def test_marking_read_keeps_the_first_time_and_only_for_own_notices(client, session, factory, keys, settings):
    key, me = person(session, keys)
    _, them = person(session, keys, 72)
    deliver(session, factory, keys, settings, key, 1)
    (message,) = client.get("/api/v1/me/notices", headers=me).json()["items"]
    assert message["read_at"] is None

    res = client.post(f"/api/v1/me/notices/{message['id']}/read", headers=them)
    assert res.status_code == 404 and res.json()["code"] == "NOTICE_NOT_FOUND"
    first = client.post(f"/api/v1/me/notices/{message['id']}/read", headers=me)
    assert first.status_code == 200 and first.json()["read_at"]
    again = client.post(f"/api/v1/me/notices/{message['id']}/read", headers=me)
    assert again.json()["read_at"] == first.json()["read_at"]
    assert client.get("/api/v1/me/notices", headers=me).json()["unread"] == 0


def test_contact_is_stored_encrypted_and_shown_masked(client, session, keys):
    key, me = person(session, keys)
    assert client.get("/api/v1/me/contact", headers=me).json() == {"phone": None, "email": None, "updated_at": None}
    res = client.put("/api/v1/me/contact", headers=me, json={"phone": "+86 138-0013-8000",
                                                              "email": "zhangsan@Example.cn"})
    assert res.status_code == 200, res.text
    assert res.json()["phone"] == "138****8000" and res.json()["email"] == "z***@example.cn"
    shown = client.get("/api/v1/me/contact", headers=me).json()
    assert (shown["phone"], shown["email"]) == ("138****8000", "z***@example.cn") and shown["updated_at"]

    session.expire_all()
    row = session.scalars(select(PersonContact).where(PersonContact.person_key == key)).one()
    assert b"13800138000" not in row.phone_cipher and b"zhangsan" not in row.email_cipher
    assert row.phone_cipher != row.email_cipher
    plain = service.contact_of(session, keys, key)
    assert (plain.phone, plain.email) == ("13800138000", "zhangsan@example.cn")

    # A field left out clears it.
    assert client.put("/api/v1/me/contact", headers=me, json={"email": "li@example.cn"}).json()["phone"] is None
    session.expire_all()
    assert service.contact_of(session, keys, key).phone is None


def test_invalid_contacts_are_refused_with_stable_codes(client, session, keys):
    _, me = person(session, keys)
    bad_phone = client.put("/api/v1/me/contact", headers=me, json={"phone": "12345"})
    assert bad_phone.status_code == 422 and bad_phone.json()["code"] == "CONTACT_PHONE_INVALID"
    assert "手机号码" in bad_phone.json()["detail"]
    bad_mail = client.put("/api/v1/me/contact", headers=me, json={"email": "not-an-address"})
    assert bad_mail.status_code == 422 and bad_mail.json()["code"] == "CONTACT_EMAIL_INVALID"
    extra = client.put("/api/v1/me/contact", headers=me, json={"phone": "13800138000", "wechat": "x"})
    assert extra.status_code == 422 and extra.json()["code"] == "REQUEST_INVALID"
    assert client.get("/api/v1/me/contact", headers=me).json()["phone"] is None  # nothing was saved


def test_only_a_signed_in_person_reaches_these_routes(client):
    assert client.get("/api/v1/me/notices").status_code == 401
    res = client.get("/api/v1/me/contact", headers=OPERATOR)
    assert res.status_code == 403 and res.json()["code"] == "AUTH_FORBIDDEN"
