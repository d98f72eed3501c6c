"""The purge (R6; 兴山 after repair): only what is due, in batches, dry runs change nothing, the
report is kept, the access log stays verifiable, and a purged matter vanishes from every surface."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from chengxin.access.sealing import seal
from chengxin.access.verify import verify
from chengxin.cases.models import CaseEvent, EvidenceFile
from chengxin.clock import today
from chengxin.exchange.models import OutgoingChange
from chengxin.matters.models import Matter
from chengxin.records.models import Record
from chengxin.repairs.models import Repair
from chengxin.retention import service
from chengxin.retention.models import RepairArchive, RetentionRun
from chengxin.retention.rules import Facts, kept_through
from chengxin.settings import Settings
from chengxin.watch.models import Delivery, WatchEvent
from helpers import (
    COURT,
    DEPT,
    HR,
    OPERATOR,
    PNG,
    as_person,
    cid,
    court_case,
    days_ago,
    file_of,
    matters_of,
    own_record,
    penalty,
    submit,
)


def count(session, model, **where) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return session.scalar(stmt)


def last_day(decided: str) -> date:
    return kept_through(Facts("negative", date.fromisoformat(decided), None, None, None), 5)


def put(client, n: int, decided: str) -> str:
    number = cid(n)
    res = submit(client, [penalty(n, id_number=number, decision_date=decided)])
    assert res.status_code == 201, res.text
    return number


def sources(session) -> set[str]:
    return set(session.scalars(select(Matter.source_record_id)))


def with_(settings: Settings, **changes) -> Settings:
    return settings.model_copy(update=changes)


def test_only_what_is_due_is_purged_and_the_report_says_so(client, session, factory, settings, clock):
    older, newer = days_ago(183), days_ago(182)
    a, b = put(client, 1801, older), put(client, 1802, newer)
    start = clock.now()
    clock.set(last_day(older))  # the older one's last day: both stay
    kept = service.purge(factory, settings)
    assert (kept.purged, kept.scanned) == (0, 2)
    assert sources(session) >= {"SCJG-2026-001801", "SCJG-2026-001802"}

    clock.set(last_day(older) + timedelta(days=1))  # one day later: the newer is one day short
    done = service.purge(factory, settings)
    assert (done.purged, done.records, done.held) == (1, 1, 0)
    assert "SCJG-2026-001801" not in sources(session) and "SCJG-2026-001802" in sources(session)
    assert count(session, Record, source_record_id="SCJG-2026-001801") == 0
    run = session.get(RetentionRun, done.run_id)
    assert run.status == "done" and run.counts == {"XZCF-01": {"retention": 1}}
    assert run.first_end == run.last_end == date.fromisoformat(older)
    text = "\n".join(service.describe(run, names={"XZCF-01": "行政处罚信息"}))
    assert "已删除事项 1 件" in text and "行政处罚信息：保存期满 1 件" in text

    # Idempotent: a rerun finds nothing more.
    assert service.purge(factory, settings).purged == 0
    # A purged matter is gone from the file (read back on the original day, tokens still valid).
    clock.set(start)
    assert matters_of(file_of(client, a).json()) == []
    assert len(matters_of(file_of(client, b).json())) == 1
    assert all(r["source_record_id"] != "SCJG-2026-001801"
               for r in client.get("/api/v1/public/records").json()["records"] if "source_record_id" in r)


def test_a_dry_run_counts_but_changes_nothing(client, session, factory, settings, clock):
    decided = days_ago(182)
    put(client, 1803, decided)
    clock.set(last_day(decided) + timedelta(days=1))
    before = (count(session, Matter), count(session, Record), count(session, RetentionRun))
    dry = service.purge(factory, settings, dry_run=True)
    assert dry.purged >= 1 and dry.run_id is None
    assert (count(session, Matter), count(session, Record), count(session, RetentionRun)) == before
    assert "应删除事项" in "\n".join(service.describe(dry, dry_run=True))


def test_the_purge_runs_in_batches_and_keeps_counting_across_them(client, session, factory, settings, clock):
    decided = days_ago(182)
    for n in range(1804, 1807):
        put(client, n, decided)
    clock.set(last_day(decided) + timedelta(days=1))
    seen: list[tuple[int, int]] = []
    done = service.purge(factory, with_(settings, retention_batch_size=1),
                         progress=lambda scanned, total: seen.append((scanned, total)))
    assert done.purged == 3 and done.batches >= 3
    assert [s for s, _ in seen] == list(range(1, len(seen) + 1))
    assert session.get(RetentionRun, done.run_id).purged == 3


def test_a_disputed_matter_waits_for_its_objection(client, session, factory, settings, clock):
    decided = days_ago(182)
    put(client, 1807, decided)
    matter = session.scalars(select(Matter).where(Matter.source_record_id == "SCJG-2026-001807")).one()
    matter.disputed_at = clock.now()
    session.commit()
    clock.set(last_day(decided) + timedelta(days=1))
    held = service.purge(factory, settings)
    assert held.purged == 0 and held.holds == {"disputed": 1}
    assert "暂缓（异议处理中）：1 件" in "\n".join(service.describe(held))


def repaired(client, session, settings, keys, n: int) -> tuple[str, str]:
    """A penalty repaired today (approved by the credit office): (number, matter id)."""
    number = put(client, n, days_ago(182))
    person = as_person(session, settings, keys, number)
    rec = own_record(client, person, f"SCJG-2026-{n:06d}")
    made = client.post("/api/v1/me/repairs", headers=person,
                       files=[("evidence", ("缴款凭证.png", PNG, "image/png"))],
                       data={"target_kind": "matter", "target_id": rec["id"], "method": "fine_paid",
                             "statement": "已缴清全部罚款", "commitment": "true"})
    assert made.status_code == 201, made.text
    rid = made.json()["id"]
    accepted = client.post(f"/api/v1/repairs/{rid}/acceptance", headers=OPERATOR, json={"accepted": True})
    assert accepted.status_code == 200
    assert client.post(f"/api/v1/repairs/{rid}/decision", headers=OPERATOR,
                       json={"approved": True, "reason": "已缴清罚款"}).status_code == 200
    return number, rec["id"]


def test_repaired_information_stays_unless_the_purge_after_repair_rule_is_on(client, session, factory, settings, keys):
    number, matter_id = repaired(client, session, settings, keys, 1808)
    off = service.purge(factory, settings)
    assert off.purged == 0 and count(session, Matter, id=matter_id) == 1

    on = service.purge(factory, with_(settings, retention_purge_repaired=True))
    assert (on.purged, on.archived) == (1, 1) and on.counts == {"XZCF-01": {"repaired": 1}}
    assert count(session, Matter, id=matter_id) == 0 and count(session, Record, matter_id=matter_id) == 0
    assert count(session, Repair, matter_id=matter_id) == 0
    key = keys.subject_key("citizen_id", number)
    assert count(session, CaseEvent, subject_key=key) == 0 and count(session, EvidenceFile, subject_key=key) == 0
    archived = session.get(RepairArchive, (key, matter_id))
    assert archived.repaired_on == today() and archived.item_code == "XZCF-01"
    assert archived.repair_id and archived.method == "fine_paid" and archived.decided_by
    assert matters_of(file_of(client, number).json()) == []


def test_the_purge_keeps_audit_verify_green(client, session, factory, settings, keys, signer, clock):
    decided = days_ago(182)
    number = put(client, 1809, decided)
    assert len(matters_of(file_of(client, number).json())) == 1  # a logged read naming the person
    seal(session, signer)
    session.commit()
    clock.set(last_day(decided) + timedelta(days=1))
    assert service.purge(factory, settings).purged >= 1
    seal(session, signer)
    report = verify(session, signer.public_keys())
    assert report.ok, [p.code for p in report.problems]
    assert report.tree_size >= 1


def test_the_daily_job_purges_once_a_day(client, session, factory, settings, clock):
    decided = days_ago(182)
    put(client, 1810, decided)
    day = last_day(decided) + timedelta(days=1)
    clock.set(day)
    assert service.daily(factory, settings, day) == 1
    put_again = count(session, RetentionRun)
    assert service.daily(factory, settings, day) == 0 and count(session, RetentionRun) == put_again


def test_a_matter_waits_until_every_neighbour_confirmed_its_changes_and_the_feed_keeps_its_numbers(
        client, session, factory, settings, clock):
    decided = days_ago(182)
    put(client, 1811, decided)
    m = session.scalars(select(Matter).where(Matter.source_record_id == "SCJG-2026-001811")).one()
    change = OutgoingChange(neighbour="110000", numbered=1, seq=7, kind="record", subject_key=m.subject_key,
                            matter_id=m.id, ref=m.record_id, created_at=clock.now(), day=clock.today())
    session.add(change)
    session.commit()
    clock.set(last_day(decided) + timedelta(days=1))
    held = service.purge(factory, settings)
    assert held.purged == 0 and held.holds == {"exchange": 1}
    change.acked_at = clock.now()
    session.commit()
    assert service.purge(factory, settings).purged == 1
    assert count(session, Matter, id=m.id) == 0
    # The feed's row (a number and a reference, no content) stays: numbering and reconciliation hold.
    assert count(session, OutgoingChange, matter_id=m.id) == 1


def test_a_court_listing_counts_from_the_end_of_its_term_and_goes_with_its_list_events(
        client, session, factory, settings, clock):
    number = cid(1812)
    hook = client.put("/api/v1/watch/webhook", headers=DEPT, json={"url": "http://127.0.0.1:9/events"})
    assert hook.status_code == 200
    sub = client.post("/api/v1/watch/subscriptions", headers=DEPT, json={"persons": [{"id_number": number}]})
    assert sub.json()["subscribed"] == 1, sub.text
    assert submit(client, [court_case(1812, id_number=number)], headers=COURT).status_code == 201
    m = session.scalars(select(Matter).where(Matter.source_record_id == "ZX-2026-001812")).one()
    assert m.list_type == "black" and m.planned_end is not None
    seqs = list(session.scalars(select(WatchEvent.seq).where(WatchEvent.entry_id == m.id)))
    assert seqs and count(session, Delivery, event_seq=seqs[0]) == 1
    # Five years from the decision are not enough: the behaviour (the listing) ended with its term.
    clock.set(last_day(m.start_date.isoformat()) + timedelta(days=1))
    assert service.purge(factory, settings).purged == 0
    clock.set(last_day(m.planned_end.isoformat()) + timedelta(days=1))
    done = service.purge(factory, settings)
    assert done.purged == 1 and done.counts == {"SFCP-01": {"retention": 1}}
    assert count(session, Matter, id=m.id) == 0 and count(session, WatchEvent, entry_id=m.id) == 0
    assert count(session, Delivery, event_seq=seqs[0]) == 0


def test_a_matter_deleted_after_repair_is_not_collected_again(client, session, factory, settings, keys):
    number, _ = repaired(client, session, settings, keys, 1813)
    assert service.purge(factory, with_(settings, retention_purge_repaired=True)).purged == 1
    again = submit(client, [penalty(1813, id_number=number, decision_date=days_ago(182))])
    assert again.status_code == 201, again.text
    codes = [i["code"] for i in again.json()["issues"]]
    assert codes == ["RECORD_PURGED_AFTER_REPAIR"], again.json()
    assert "SCJG-2026-001813" not in sources(session)
    assert matters_of(file_of(client, number).json()) == []
    # Another department's record with the same number is its own.
    other = penalty(1813, id_number=number, decision_date=days_ago(182))
    assert submit(client, [other], headers=HR).status_code == 201
    assert "SCJG-2026-001813" in sources(session)
