"""The driver-level fast paths of checks read and write what the ORM forms do."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from chengxin.access import service as access
from chengxin.access.models import AccessEntry
from chengxin.callers import Caller
from chengxin.checks import repository as repo
from chengxin.checks.models import Check, CheckHit
from helpers import COURT, HR, cid, court_case, listing_notice, penalty, submit

USCC = "91350100M000100Y43"


def test_columns_are_the_tables():
    assert set(repo.CHECK_COLUMNS) == {c.name for c in Check.__table__.columns}
    assert set(repo.HIT_COLUMNS) == {c.name for c in CheckHit.__table__.columns}
    assert set(access.COLUMNS) == {c.name for c in AccessEntry.__table__.columns} - {"seq"}


def test_check_reads_match_the_orm_queries(client, session, keys):
    res = client.put(f"/api/v1/organisations/{USCC}", headers=HR, json={
        "name": "某某建筑劳务有限公司",
        "persons": [{"role": "legal_representative", "id_number": cid(8), "name": "郑一"}]})
    assert res.status_code == 200
    res = submit(client, [{"item_code": "YZSX-02", "uscc": USCC, "org_name": "某某建筑劳务有限公司",
                     "source_record_id": "NMG-1", "decision_date": "2026-04-01",
                     "fields": {**listing_notice("2026-04-01"), "person_role": "用人单位",
                                "circumstance": "克扣、无故拖欠农民工工资达到认定拒不支付劳动报酬罪数额标准",
                                "authority": "市人力资源和社会保障局"}}], headers=HR)
    assert res.json()["created"] == 1, res.json()
    assert submit(client, [court_case(1), court_case(8)], headers=COURT).json()["created"] == 2
    assert submit(client, [penalty(1), penalty(9)]).json()["created"] == 2
    people = [keys.subject_key("citizen_id", cid(n)) for n in (1, 8, 9, 10)]
    got = repo.check_reads(session, people)
    known = {*got.matters, *got.roles}
    assert got.births == {k: v for k, v in repo.birth_dates(session, people).items() if k in known}
    assert set(got.births) == {keys.subject_key("citizen_id", cid(n)) for n in (1, 8, 9)}
    assert got.roles == repo.roles(session, people)
    subjects = set(people) | {r.org_key for rs in got.roles.values() for r in rs}
    assert {k: sorted(map(tuple, v)) for k, v in got.matters.items()} == {
        k: sorted(map(tuple, v)) for k, v in repo.matters(session, sorted(subjects)).items()}
    # The organisation's matter reaches its representative: persons 1, 8 and 9 and the organisation.
    assert len(got.matters) == 4 and sum(map(len, got.matters.values())) == 5
    # Thousands of persons at once (a batch chunk), past any limit on bound parameters: the same.
    many = repo.check_reads(session, [f"{i:032x}" for i in range(5000)] + people)
    assert (many.births, many.roles, many.matters) == (got.births, got.roles, got.matters)


def test_rows_written_on_the_driver_read_back_through_the_orm(session):
    at = datetime(2026, 11, 21, 2, 3, 4, 567890, tzinfo=UTC)
    hits = [{"measure": "P-GWY-01", "blocking": True, "source": {"kind": "list_entry", "id": "拦截"}}]
    repo.insert_checks(session, [
        {"subject_key": "k" * 32, "id": "C" * 26, "department_code": "human_resources", "scenario": "s",
         "business_ref": None, "purpose": "p", "decision": "block", "hits": hits, "checked_at": at,
         "batch_id": None}],
        [{"subject_key": "k" * 32, "check_id": "C" * 26, "measure_code": "P-GWY-01",
          "department_code": "human_resources", "blocking": True, "checked_at": at}])
    access.log_reads(session, Caller("department", "human_resources"), "check",
                     [access.Read("k" * 32, "block", "C" * 26)], purpose="p", at=at)
    check = repo.get_check(session, "C" * 26)
    assert check is not None and check.hits == hits and check.checked_at == at
    hit = session.scalars(select(CheckHit).where(CheckHit.check_id == "C" * 26)).one()
    assert hit.blocking is True and hit.checked_at == at
    entry = session.scalars(select(AccessEntry).where(AccessEntry.ref_id == "C" * 26)).one()
    assert (entry.at, entry.result, entry.actor_department) == (at, "block", "human_resources")


def test_bulk_rows_with_awkward_text_round_trip(session):
    at = datetime(2026, 11, 21, 2, 3, 4, tzinfo=UTC)
    purpose = '审查\t"引号"\\反斜杠\n换行\r'
    n = 70  # above COPY_MIN_ROWS: COPY on PostgreSQL
    hits = [{"measure": "P-GWY-01", "note": 'a\tb\\c\n"d"'}]
    repo.insert_checks(session, [
        {"subject_key": f"{i:032x}", "id": f"C{i:025d}", "department_code": "human_resources", "scenario": "s",
         "business_ref": None if i % 2 else "业务\\编号", "purpose": purpose, "decision": "block",
         "hits": hits if i % 3 else [], "checked_at": at, "batch_id": "B" * 26} for i in range(n)], [])
    access.log_reads(session, Caller("department", "human_resources"), "batch_check",
                     [access.Read(f"{i:032x}", "block" if i % 2 else "clear\tx", None if i % 5 else f"C{i:025d}")
                      for i in range(n)], purpose=purpose, basis="s\\b", business_ref=None, at=at)
    checks = {c.id: c for c in session.scalars(select(Check).where(Check.batch_id == "B" * 26))}
    assert len(checks) == n
    for i in range(n):
        c = checks[f"C{i:025d}"]
        assert (c.purpose, c.business_ref, c.hits, c.checked_at) == (
            purpose, None if i % 2 else "业务\\编号", hits if i % 3 else [], at)
    logged = session.scalars(select(AccessEntry).where(AccessEntry.action == "batch_check")
                             .order_by(AccessEntry.seq)).all()
    assert [(e.subject_key, e.result, e.ref_id, e.purpose, e.basis, e.business_ref, e.at) for e in logged] == [
        (f"{i:032x}", "block" if i % 2 else "clear\tx", None if i % 5 else f"C{i:025d}", purpose, "s\\b", None, at)
        for i in range(n)]


def test_a_group_written_in_one_statement_reads_back_as_decided(client, app, session, keys):
    """The group writer's rows (on PostgreSQL one statement over a JSON parameter, on SQLite the
    driver inserts) hold exactly the outcome: hits with their source and link, a reference with
    quotes, backslashes and a line break, no reference at all, Chinese text, the shared time."""
    from chengxin.checks import service
    from chengxin.checks.service import CheckContext, CheckRequest
    from chengxin.clock import today

    res = client.put(f"/api/v1/organisations/{USCC}", headers=HR, json={
        "name": "某某建筑劳务有限公司",
        "persons": [{"role": "legal_representative", "id_number": cid(8), "name": "郑一"}]})
    assert res.status_code == 200
    assert submit(client, [court_case(1)], headers=COURT).json()["created"] == 1
    assert submit(client, [{
        "item_code": "YZSX-02", "uscc": USCC, "org_name": "某某建筑劳务有限公司", "source_record_id": "NMG-2",
        "decision_date": "2026-04-01", "fields": {**listing_notice("2026-04-01"),
            "person_role": "用人单位", "circumstance": "克扣、无故拖欠农民工工资达到认定拒不支付劳动报酬罪数额标准",
            "authority": "市人力资源和社会保障局"}}], headers=HR).json()["created"] == 1
    caller = Caller("checker", department_code="human_resources", account_id="acc-hr")
    refs = ['报名号 "7"\\甲\n乙', None, "R-3"]
    wanted = [CheckRequest(caller, keys.subject_key("citizen_id", cid(n)), "honours", ref,
                           "评先评优：“政审”", today()) for n, ref in zip((1, 8, 9), refs, strict=True)]
    state = app.state
    outcomes = service.run_check_group(session, CheckContext(state.catalog, state.measures, state.tiers), wanted)
    session.flush()
    assert [o.decision for o in outcomes][:2] == ["block", "block"] and outcomes[2].decision != "block"
    for req, o in zip(wanted, outcomes, strict=True):
        row = session.scalars(select(Check).where(Check.id == o.check_id)).one()
        assert (row.subject_key, row.business_ref, row.purpose, row.decision, row.checked_at) == (
            req.person_key, req.business_ref, req.purpose, o.decision, o.checked_at)
        assert row.hits == [service.hit_json(h) for h in o.hits]
        hit_rows = session.scalars(select(CheckHit).where(CheckHit.check_id == o.check_id)).all()
        assert sorted((h.measure_code, h.blocking, h.checked_at) for h in hit_rows) == sorted(
            {(h.measure.code, h.blocking, o.checked_at) for h in o.hits})
        entry = session.scalars(select(AccessEntry).where(AccessEntry.ref_id == o.check_id)).one()
        assert (entry.subject_key, entry.action, entry.purpose, entry.basis, entry.business_ref, entry.result,
                entry.actor_department, entry.actor_account, entry.at) == (
            req.person_key, "check", req.purpose, req.scenario, req.business_ref, o.decision, "human_resources",
            "acc-hr", o.checked_at)
    vias = [h.candidate.via for h in outcomes[1].hits if h.candidate is not None]
    assert any(v is not None and v.uscc == USCC for v in vias)  # reached through the organisation


def test_sqlite_bulk_inserts_go_in_statements_of_many_rows_within_the_parameter_limit(tmp_path):
    """`db.sqlite_insert_many`: all rows, in order, in as few statements as the bound-parameter
    limit allows (here 30 parameters: 10 rows of 3 per statement, 95 rows in 10 statements)."""
    import sqlite3

    from chengxin.db import sqlite_insert_many

    conn = sqlite3.connect(tmp_path / "t.db")
    conn.execute("CREATE TABLE t (a INTEGER, b TEXT, c REAL)")
    conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 30)
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    rows = [(i, f"文本'{i}", None if i % 3 else i / 2) for i in range(95)]
    sqlite_insert_many(conn, "t", ("a", "b", "c"), iter(rows))
    conn.set_trace_callback(None)
    assert conn.execute("SELECT a, b, c FROM t ORDER BY rowid").fetchall() == rows
    assert sum(s.startswith("INSERT") for s in statements) == 10
    conn.close()
