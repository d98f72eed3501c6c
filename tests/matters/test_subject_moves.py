"""A department corrects whom a record is about: the first person's matter ends and they are told,
the second person's matter begins with the corrected version."""

from __future__ import annotations

from sqlalchemy import select

from chengxin.notices.models import Notice
from helpers import check, cid, file_of, matters_of, penalty, submit

# P-PXPY-02 (评先评优) reaches serious records only (R13), so the moved record is a serious one.
SERIOUS = {"severity": "serious", "severity_reason": "情节严重"}


def test_a_record_given_to_another_person_ends_the_first_persons_matter(client, session, keys):
    assert submit(client, [penalty(71, id_number=cid(71), name="周一", **SERIOUS)]).json()["created"] == 1
    assert check(client, cid(71), "honours").json()["decision"] == "review"
    moved = submit(client, [penalty(71, id_number=cid(72), name="周二", **SERIOUS)]).json()  # the same source record id
    assert moved["new_versions"] == 1, moved
    (first,) = matters_of(file_of(client, cid(71)).json())
    (second,) = matters_of(file_of(client, cid(72)).json())
    assert first["state"] == "revoked" and second["state"] == "in_effect" and first["id"] != second["id"]
    assert second["record"]["version"] == 2
    assert check(client, cid(71), "honours").json()["decision"] == "clear"
    assert check(client, cid(72), "honours").json()["decision"] == "review"
    told = session.scalars(select(Notice).where(Notice.subject_key == keys.subject_key("citizen_id", cid(71)),
                                                Notice.kind == "matter_moved", Notice.channel == "inapp")).one()
    assert "不再记在您的名下" in told.body and "停止公示" in told.body
    # Sent again unchanged, nothing moves back.
    assert submit(client, [penalty(71, id_number=cid(72), name="周二", **SERIOUS)]).json()["unchanged"] == 1
