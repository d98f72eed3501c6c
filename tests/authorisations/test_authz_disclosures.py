"""A third party that received a matter in an authorised query is told when it is revoked, and confirms
(R14: repaired once, repaired everywhere); the matter's receivers say so."""

from __future__ import annotations

from datetime import timedelta

from authz_data import BANK, OTHER_ORG, seed_records
from sqlalchemy import select
from test_authz_api import ask, bearer, create

from chengxin.exchange import receivers
from chengxin.exchange.models import Disclosure
from chengxin.matters.models import Matter
from helpers import DEPT, cid, penalty

UPDATES = "/api/v1/disclosures/updates"


def test_a_revoked_matter_reaches_the_bank_that_received_it_until_the_bank_confirms(
        client, session, settings, keys, clock):
    seed_records(client)
    person = bearer(session, settings, kind="person", roles=["person"],
                    person_key=keys.subject_key("citizen_id", cid(1)))
    bank = bearer(session, settings, kind="third_party", roles=["third_party"], org_uscc=BANK)
    other = bearer(session, settings, kind="third_party", roles=["third_party"], org_uscc=OTHER_ORG)
    grant = create(client, person).json()
    report = ask(client, bank, grant["id"]).json()
    received = {m["id"] for c in report["file"]["categories"] for m in c["matters"]}
    rows = session.scalars(select(Disclosure)).all()
    assert {d.matter_id for d in rows} == received and {d.receiver for d in rows} == {BANK}
    assert client.get(UPDATES, headers=bank).json()["items"] == []  # nothing has changed yet

    clock.advance(timedelta(days=2))
    revoked = client.post("/api/v1/records/revocations", headers=DEPT, json={
        "source_record_id": penalty(1)["source_record_id"], "reason": "行政复议撤销原处罚决定"})
    assert revoked.status_code == 200, revoked.text
    (item,) = client.get(UPDATES, headers=bank).json()["items"]
    assert item["matter_id"] == revoked.json()["matter_id"] and item["via_ref"] == grant["id"]
    assert item["change"] == "revoked" and item["notified_at"]
    assert "被撤销" in item["message"] and "请同步更新、不再使用" in item["message"]
    assert client.get(UPDATES, headers=other).json()["items"] == []  # another party received nothing

    session.expire_all()  # the requests wrote through their own sessions
    m = session.scalars(select(Matter).where(Matter.id == item["matter_id"])).one()
    (bank_receiver,) = [r for r in receivers.of_matter(session, m, 24) if r.kind == "organisation"]
    assert bank_receiver.label == "已通知，待确认"
    assert client.post(f"/api/v1/disclosures/{item['id']}/confirmation", headers=other).status_code == 404
    confirmed = client.post(f"/api/v1/disclosures/{item['id']}/confirmation", headers=bank)
    assert confirmed.status_code == 200, confirmed.text
    assert client.get(UPDATES, headers=bank).json()["items"] == []
    session.expire_all()
    (bank_receiver,) = [r for r in receivers.of_matter(session, m, 24) if r.kind == "organisation"]
    assert bank_receiver.label == "已通知，已确认" and not bank_receiver.overdue


def test_an_unconfirmed_change_becomes_overdue_for_the_office(client, session, settings, keys, clock):
    seed_records(client)
    person = bearer(session, settings, kind="person", roles=["person"],
                    person_key=keys.subject_key("citizen_id", cid(1)))
    bank = bearer(session, settings, kind="third_party", roles=["third_party"], org_uscc=BANK)
    grant = create(client, person).json()
    ask(client, bank, grant["id"])
    client.post("/api/v1/records/revocations", headers=DEPT, json={
        "source_record_id": penalty(1)["source_record_id"], "reason": "撤销"})
    m = session.scalars(select(Matter).where(Matter.source_record_id == penalty(1)["source_record_id"])).one()
    (r,) = [r for r in receivers.of_matter(session, m, 24) if r.kind == "organisation"]
    assert (r.label, r.overdue) == ("待通知", False)
    (r,) = [r for r in receivers.of_matter(session, m, 24, now=clock.now() + timedelta(hours=25))
            if r.kind == "organisation"]
    assert (r.label, r.overdue) == ("待通知（已逾期）", True)


def test_the_workbench_flags_a_third_party_that_has_not_confirmed_in_time(client, session, settings, keys, clock):
    from helpers import OPERATOR

    seed_records(client)
    person = bearer(session, settings, kind="person", roles=["person"],
                    person_key=keys.subject_key("citizen_id", cid(1)))
    bank = bearer(session, settings, kind="third_party", roles=["third_party"], org_uscc=BANK)
    ask(client, bank, create(client, person).json()["id"])
    client.post("/api/v1/records/revocations", headers=DEPT, json={
        "source_record_id": penalty(1)["source_record_id"], "reason": "撤销"})
    assert "逾期未确认" not in client.get("/console", headers=OPERATOR).text
    clock.advance(timedelta(hours=25))
    page = client.get("/console", headers=OPERATOR).text
    assert "逾期未确认" in page and f"统一社会信用代码 {BANK}" in page and "对方尚未读取" in page
    (item,) = client.get(UPDATES, headers=bank).json()["items"]
    assert "对方尚未读取" not in client.get("/console", headers=OPERATOR).text  # read: notified, not confirmed
    client.post(f"/api/v1/disclosures/{item['id']}/confirmation", headers=bank)
    assert "逾期未确认" not in client.get("/console", headers=OPERATOR).text
