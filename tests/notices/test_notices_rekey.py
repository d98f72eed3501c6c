"""A re-key of the hash secret moves a person's notices, mailbox and contact details to the new
key, and the contact details still decrypt (they are bound to their column, not the key)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from chengxin.callers import Caller
from chengxin.conflicts.service import Origin
from chengxin.crypto import Keys
from chengxin.identity.rules import parse_identifier
from chengxin.jobs import run_once
from chengxin.keyring import service as keyring
from chengxin.notices import service
from chengxin.notices.models import InboxMessage, Notice
from chengxin.persons import service as persons
from helpers import cid


def test_notices_and_contacts_follow_the_person_to_the_new_key(session, factory, keys, settings, signer):
    (old,) = persons.ensure(session, keys, [(parse_identifier("citizen_id", cid(81)), "王五")],
                            datetime(2026, 11, 1).astimezone(), origin=Origin("market_regulation", "record", "报送"))
    service.set_contact(session, keys, Caller("person", person_key=old), phone="13900139000", email="ww@example.cn")
    service.enqueue(session, person_key=old, kind="repair_received", key="REP-1", title="信用修复申请已受理",
                    body="您的信用修复申请已受理。", channels=["inapp"])
    session.commit()
    run = run_once(factory, keys, settings=settings, signer=signer)
    assert run.notices_delivered == 1

    rotated = Keys(b"N" * 32, keys.encryption_key, keys.key_id, hash_version=2, previous_hash_secret=keys.hash_secret)
    keyring.rekey(factory, rotated)
    new = rotated.subject_key("citizen_id", cid(81))
    assert new != old
    session.expire_all()
    assert service.contact_of(session, rotated, new).phone == "13900139000"
    assert service.contact_of(session, rotated, old).phone is None
    assert session.scalars(select(InboxMessage.subject_key)).all() == [new]
    assert session.scalars(select(Notice.subject_key)).all() == [new]
    page = service.inbox(session, Caller("person", person_key=new))
    assert [m.title for m in page.items] == ["信用修复申请已受理"]
