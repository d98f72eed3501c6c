"""`record_source_ids` on PostgreSQL (migration b8sources0023): which numbers a department has sent.

`records` is partitioned by the person key, so looking up a department's number probes all 16
partitions; the collection path first asks this table, which a trigger on `records` keeps."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from chengxin.records import repository
from chengxin.records.repository import _PG_CURRENT, json_list
from helpers import penalty, submit


@pytest.fixture
def pg(is_postgres) -> None:
    if not is_postgres:
        pytest.skip("PostgreSQL only: on SQLite records is one table and its own index answers")


def _sent(session, dept: str) -> set[str]:
    return set(session.scalars(text("SELECT source_record_id FROM record_source_ids WHERE department_code = :d"),
                               {"d": dept}))


def _records(session, dept: str) -> set[str]:
    return set(session.scalars(text("SELECT source_record_id FROM records WHERE department_code = :d"), {"d": dept}))


def test_every_number_stored_is_in_the_table_and_a_correction_is_still_found(client, session, pg):
    res = submit(client, [penalty(n) for n in (71, 72, 73)])
    assert res.status_code == 201, res.text
    assert _records(session, "market_regulation") <= _sent(session, "market_regulation")
    assert {"SCJG-2026-000071", "SCJG-2026-000073"} <= _sent(session, "market_regulation")

    # The same number again with new content: found through the table, stored as version 2.
    res = submit(client, [penalty(72, fields={"fine_amount": "2.00"})])
    assert res.status_code == 201, res.text
    assert res.json()["new_versions"] == 1 and res.json()["created"] == 0
    found = repository.current_versions(session, "market_regulation", ["SCJG-2026-000072", "SCJG-2026-000099"])
    assert list(found) == ["SCJG-2026-000072"] and found["SCJG-2026-000072"].version == 2


def test_rows_put_in_by_other_means_are_kept_too(client, session, pg):
    # Whatever inserts into records (a restore, an operator's INSERT or COPY) fills the table: a trigger does.
    assert submit(client, [penalty(91)]).status_code == 201
    cols = list(session.scalars(text(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'records'"
        " AND table_schema = current_schema() ORDER BY ordinal_position")))
    values = {"source_record_id": "'RAW-1'", "id": "'01RAWRAWRAWRAWRAWRAWRAW000'"}
    session.execute(text(
        f"INSERT INTO records ({', '.join(cols)}) SELECT {', '.join(values.get(c, c) for c in cols)}"
        " FROM records WHERE department_code = 'market_regulation' AND source_record_id = 'SCJG-2026-000091'"))
    assert "RAW-1" in _sent(session, "market_regulation")
    assert "RAW-1" in repository.current_versions(session, "market_regulation", ["RAW-1"])


def test_new_numbers_never_probe_the_partitions(client, session, pg):
    assert submit(client, [penalty(81)]).status_code == 201
    session.flush()
    rows = repository.driver_connection(session).execute(
        f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) {_PG_CURRENT}",
        {"ids": json_list(["SCJG-2026-000081", "NEW-2", "NEW-3"]), "dept": "market_regulation"})
    plan = "\n".join(r[0] for r in rows)
    # The records partitions are probed once, for the one number sent before, not for the new two.
    probes = [line for line in plan.splitlines() if " on records_p" in line]
    assert len(probes) == 16 and all("loops=1)" in line for line in probes), plan
