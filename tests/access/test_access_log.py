"""Reads of personal data leave an access-log entry in the same transaction."""

from __future__ import annotations

from sqlalchemy import select

from chengxin.access.models import AccessEntry
from chengxin.crypto import Keys
from helpers import OPERATOR, cid, file_of, penalty, submit


def entries(session, key: str) -> list[AccessEntry]:
    return list(session.scalars(select(AccessEntry).where(AccessEntry.subject_key == key)))


def test_file_query_is_logged_with_purpose_and_keyed_subject(client, session, keys: Keys):
    submit(client, [penalty(1)])
    key = keys.subject_key("citizen_id", cid(1))
    assert entries(session, key) == []
    file_of(client, cid(1), purpose="行政许可审查")
    client.get(f"/api/v1/persons/{key}/file?purpose=复核", headers=OPERATOR)
    logged = entries(session, key)
    assert [(e.action, e.purpose, e.actor_role, e.result) for e in logged] == [
        ("file", "行政许可审查", "operator", "ok"), ("file", "复核", "operator", "ok")]
    assert all(cid(1) not in str(vars(e)) for e in logged)


def test_failed_read_leaves_no_partial_entry(client, session, keys: Keys):
    key = keys.subject_key("citizen_id", cid(77))
    assert file_of(client, cid(77)).status_code == 404
    assert entries(session, key) == []
