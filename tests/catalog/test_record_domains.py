"""Every record carries its domain (领域): from its item, its 处罚领域 field or its department;
domain-limited measures reach records of those domains only (both databases)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from chengxin.catalog.domain import record_domain
from chengxin.catalog.rules import default_catalog
from chengxin.checks import repository as check_repo
from chengxin.checks.rules import evaluate
from chengxin.checks.service import CheckContext, candidates_for
from chengxin.matters.models import Matter
from chengxin.publicity.rules import default_tiers
from chengxin.records.models import Record
from chengxin.sanctions.measures import default_measures
from helpers import as_dept, cid, penalty, submit

CATALOG = default_catalog()
PENALTY_DEPARTMENTS = CATALOG.item("XZCF-01").source_departments  # type: ignore[union-attr]


def _stored(session, keys, n: int) -> tuple[Record, Matter]:
    key = keys.subject_key("citizen_id", cid(n))
    record = session.scalars(select(Record).where(Record.subject_key == key)).one()
    matter = session.scalars(select(Matter).where(Matter.subject_key == key)).one()
    return record, matter


def test_each_department_tags_its_penalties_with_its_domain(client, session, keys):
    rows = []
    for n, dept in enumerate(PENALTY_DEPARTMENTS, start=1):
        row = penalty(n, source_record_id=f"CF-{dept}-{n}")
        body = submit(client, [row], headers=as_dept(dept)).json()
        assert body["created"] == 1, (dept, body)
        rows.append((n, dept))
    for n, dept in rows:
        record, matter = _stored(session, keys, n)
        want = CATALOG.department_domains.get(dept)
        assert (record.domain, matter.domain) == (want, want), dept
    # the ones the issue names, spelled out
    by_dept = {dept: _stored(session, keys, n)[0].domain for n, dept in rows}
    assert by_dept["ecology_environment"] == "environment"
    assert by_dept["fire_rescue"] == "fire_safety"
    assert by_dept["statistics"] == "statistics"
    assert by_dept["tax"] == "tax"
    assert by_dept["market_regulation"] is None  # many domains: its records say which (next test)


def test_the_penalty_domain_field_names_the_domain_of_one_record(client, session, keys):
    row = penalty(31, fields={"penalty_domain": "价格"})
    assert submit(client, [row]).json()["created"] == 1
    assert _stored(session, keys, 31)[0].domain == "price"
    # a correction that changes the field moves the matter to the new domain
    row = penalty(31, fields={"penalty_domain": "产品质量", "facts": "经查，当事人销售不合格产品。"})
    assert submit(client, [row]).json()["new_versions"] == 1
    key = keys.subject_key("citizen_id", cid(31))
    live = session.scalars(select(Record).where(Record.subject_key == key, Record.superseded_at.is_(None))).one()
    matter = session.scalars(select(Matter).where(Matter.subject_key == key)).one()
    assert (live.domain, matter.domain) == ("quality", "quality")


def test_an_unknown_penalty_domain_is_refused(client):
    body = submit(client, [penalty(32, fields={"penalty_domain": "宗族事务"})]).json()
    assert body["created"] == 0 and body["rejected"] == 1


def test_the_items_own_domain_comes_first():
    tax_arrears = CATALOG.item("QTXZ-01")
    assert record_domain(CATALOG, tax_arrears, "tax", None) == "tax"  # type: ignore[arg-type]
    # an item limited to its domains keeps to them whatever the department's default
    driving = CATALOG.item("XZCF-04")
    assert record_domain(CATALOG, driving, "transport", None) == "transport"  # type: ignore[arg-type]
    assert record_domain(CATALOG, driving, "public_security", None) == "traffic_safety"  # type: ignore[arg-type]
    # the field outranks the department: the deciding authority's word on this decision
    generic = CATALOG.item("XZCF-01")
    assert record_domain(CATALOG, generic, "ecology_environment",  # type: ignore[arg-type]
                         {"penalty_domain": "生物安全"}) == "biosafety"
    assert record_domain(CATALOG, generic, "ecology_environment", {}) == "environment"  # type: ignore[arg-type]


@pytest.mark.parametrize(("dept", "reached"), [("ecology_environment", True), ("tax", False)])
def test_environment_limited_measure_reaches_only_environment_records(client, session, keys, clock, dept, reached):
    clock.set(date(2026, 11, 18))
    n = 40 if reached else 41
    row = penalty(n, source_record_id=f"CF-{dept}", decision_date="2026-10-01",
                  fields={"penalty_type": "罚款"})
    assert submit(client, [row], headers=as_dept(dept)).json()["created"] == 1
    base = default_measures()
    # Any shipped punishment, aimed at general records in publicity (the file's bases decide which
    # shipped measures do that; the domain limit is what this test is about).
    shipped = next(m for m in base.measures.values() if m.effect == "punishment" and not m.targets.items)
    punish = replace(shipped, targets=replace(shipped.targets, lists=(), severities=("general",)))
    limited = replace(punish, code="P-ENV-TEST", domains=("environment",))
    ctx = CheckContext(CATALOG, base, default_tiers())
    key = keys.subject_key("citizen_id", cid(n))
    read = check_repo.check_reads(session, [key])
    cands, person = candidates_for(ctx, key, date(2026, 11, 18), read.births.get(key), (), read.matters)
    assert [c.item_code for c in cands] == ["XZCF-01"]
    decision, hits = evaluate([limited], cands, person)
    assert ([h.measure.code for h in hits] == ["P-ENV-TEST"]) is reached
    assert (decision != "clear") is reached
    # the same measure unlimited reaches both: the domain alone made the difference
    assert evaluate([punish], cands, person)[1]
