"""The time-driven publicity notices: "两书同达" on collection, the end of publicity; idempotent."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from chengxin.clock import CHINA
from chengxin.departments.models import Department
from chengxin.notices.models import Notice
from chengxin.objections import service as objections
from chengxin.publicity import service
from chengxin.publicity.rules import default_tiers
from helpers import as_person, cid, days_ago, own_record, penalty, submit

TIERS = default_tiers()


def departments(session) -> dict[str, str]:
    return {d.code: d.name for d in session.query(Department)}


def collected(session, key: str) -> list[Notice]:
    return list(session.scalars(select(Notice).where(Notice.subject_key == key, Notice.kind == "record_collected",
                                                     Notice.channel == "inapp")))


def test_a_collected_negative_record_brings_the_repair_route_once(client, session, catalog, keys):
    number = cid(501)
    assert submit(client, [penalty(501, id_number=number, decision_date="2026-03-15")]).status_code == 201
    key = keys.subject_key("citizen_id", number)
    assert service.notify_collected(session, catalog, TIERS, departments(session)) >= 1
    [notice] = collected(session, key)
    assert "2026-06-16" in notice.body  # 3 months after 15 March end on 15 June: repair from the 16th
    assert "2027-03-15" in notice.body and "信用承诺书" in notice.body and "异议" in notice.body
    assert number not in notice.body
    assert service.notify_collected(session, catalog, TIERS, departments(session)) == 0  # nothing new
    # A new version is not a new collection; a new record of the same person is.
    assert submit(client, [penalty(501, id_number=number, decision_date="2026-03-15", fields={"fine_amount": "2"}),
                           penalty(502, id_number=number, decision_date="2026-04-01")]).status_code == 201
    assert service.notify_collected(session, catalog, TIERS, departments(session)) == 1
    assert len(collected(session, key)) == 2


def test_publicity_end_is_told_on_its_day_and_only_once(client, session, catalog, keys):
    number = cid(502)
    assert submit(client, [penalty(503, id_number=number, decision_date="2025-11-20")]).status_code == 201
    key = keys.subject_key("citizen_id", number)

    def ended() -> list[Notice]:
        return list(session.scalars(select(Notice).where(Notice.subject_key == key, Notice.kind == "publicity_ended",
                                                         Notice.channel == "inapp")))

    assert service.notify_ended(session, catalog, TIERS, date(2026, 11, 20)) == 0  # its last day: still public
    assert ended() == []
    assert service.notify_ended(session, catalog, TIERS, date(2026, 11, 21)) >= 1
    assert len(ended()) == 1 and "2026-11-20" in ended()[0].body
    assert service.notify_ended(session, catalog, TIERS, date(2026, 11, 21)) == 0
    assert service.notify_ended(session, catalog, TIERS, date(2026, 11, 23)) == 0
    assert len(ended()) == 1


def test_an_objection_deadline_counts_working_days_across_national_day(client, session, catalog, keys, settings):
    number = cid(504)
    assert submit(client, [penalty(504, id_number=number, decision_date=days_ago(30))]).status_code == 201
    person = as_person(session, settings, keys, number)
    rec = own_record(client, person, "SCJG-2026-000504")
    from chengxin.accounts import repository as accounts
    from chengxin.callers import Caller

    key = keys.subject_key("citizen_id", number)
    caller = Caller.of(frozenset({"person"}), person_key=key, account_id=accounts.by_person_key(session, key).id)
    filed = datetime(2026, 9, 18, 10, 0, tzinfo=CHINA)
    o = objections.file(session, catalog, keys, settings, caller=caller, person_key=key, target_kind="record",
                        target_id=rec["id"], reason="处罚对象认定错误", now=filed)
    # 1–7 October are holidays and Sunday 20 September and Saturday 10 October are make-up working days.
    assert o.deadline == date(2026, 10, 22) and not o.deadline_estimated
    assert objections.escalate_overdue(session, on=date(2026, 10, 22)) == 0
    assert objections.escalate_overdue(session, on=date(2026, 10, 23), now=filed + timedelta(days=35)) == 1
