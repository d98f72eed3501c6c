"""Batch checks (streamed, per-line errors) and feedback with its rates."""

from __future__ import annotations

import gc
import json

import pytest

from helpers import COURT, HR, as_dept, as_role, check, cid, court_case, own_database_app, submit

OPERATOR = as_role("operator")


def batch(client, identifiers, **body):
    payload = {"scenario": "civil_service_recruitment", "department": "human_resources",
               "purpose": "招录资格审查", "identifiers": identifiers, **body}
    return client.post("/api/v1/checks/batch", json=payload, headers=HR)


def lines(res) -> list[dict]:
    return [json.loads(line) for line in res.text.splitlines()]


def test_batch_answers_every_line_and_reports_bad_ones(client):
    submit(client, [court_case(1)], headers=COURT)
    ids = [cid(1), cid(2), "110105194912310020", cid(1), {"id_number": cid(3), "ref": "报名-3"},
           42, "1101O519491231002X"]
    res = batch(client, ids)
    assert res.status_code == 200 and res.headers["content-type"].startswith("application/x-ndjson")
    out = lines(res)
    *rows, summary = out
    assert [r["line"] for r in rows] == list(range(1, 8))
    assert rows[0]["decision"] == "block" and rows[0]["hits"][0]["measure_code"] == "P-GWY-01"
    assert rows[1]["decision"] == "clear"
    assert rows[2]["error"]["code"] == "ID_CHECKSUM"
    assert rows[3]["error"]["code"] == "BATCH_DUPLICATE" and rows[3]["error"]["first_line"] == 1
    assert rows[4]["ref"] == "报名-3" and rows[4]["decision"] == "clear"
    assert rows[5]["error"]["code"] == "BATCH_ITEM_INVALID"
    assert rows[6]["error"]["code"] == "ID_CHARS"
    assert rows[0]["id_number"] == cid(1)[:4] + "*" * 10 + cid(1)[-4:]
    assert summary["summary"] | {"batch_id": None} == {
        "batch_id": None, "total": 7, "errors": 4, "block": 1, "review": 0, "green": 0, "clear": 2}
    assert cid(2) not in res.text


def test_batch_over_the_limit_and_bad_scenario(client, app):
    app.state.settings.max_batch_check = 3
    res = batch(client, [cid(n) for n in range(1, 5)])
    assert res.status_code == 413 and res.json()["code"] == "BATCH_TOO_LARGE"
    res = batch(client, [cid(1)], scenario="nope")
    assert res.status_code == 422 and res.json()["code"] == "CHECK_SCENARIO_UNKNOWN"


def test_batch_spans_several_chunks_in_order(client):
    res = batch(client, [cid(n) for n in range(1, 451)])
    *rows, summary = lines(res)
    assert [r["line"] for r in rows] == list(range(1, 451))
    assert summary["summary"]["clear"] == 450


@pytest.mark.parametrize("processes", [0, 2], ids=["threads", "processes"])
def test_batch_on_a_database_of_its_own_is_answered_in_order_from_parallel_chunks(data_dir, keys, monkeypatch,
                                                                                  processes):
    """As served (sessions of an engine, not the fixtures' one connection): chunks are checked by
    workers on connections of their own (on SQLite two threads, one reads and decides while the
    other records; on PostgreSQL threads or, as by default, worker processes), yet every line is
    answered in input order, a listed person is blocked in whatever chunk they fall, and every
    check is recorded and logged once, at the server's time (the suite's clock is not the wall's:
    a worker process is given its server's)."""
    from fastapi.testclient import TestClient
    from sqlalchemy import func, select

    from chengxin.access.models import AccessEntry
    from chengxin.checks import batch as batches
    from chengxin.checks import processes as in_processes
    from chengxin.checks.models import Check
    from chengxin.clock import utcnow

    monkeypatch.setattr(batches, "FIRST_CHUNK", 40)
    monkeypatch.setattr(batches, "CHUNK", 90)
    monkeypatch.setattr(batches, "SQLITE_CHUNK", 90)
    thresholds: list[int] = []  # the collector's youngest threshold while each chunk is recorded here
    recording = batches.check_transaction

    def spy(*args, **kwargs):
        thresholds.append(gc.get_threshold()[0])
        return recording(*args, **kwargs)

    monkeypatch.setattr(batches, "check_transaction", spy)
    before = gc.get_threshold()
    app, engine, factory = own_database_app(keys, tokens=True)
    app.state.settings = app.state.settings.model_copy(update={"batch_processes": processes})
    elsewhere = processes > 0 and engine.dialect.name == "postgresql"
    listed = (3, 41, 170, 399)  # in the first chunk, the second, a middle one and the last
    try:
        assert batches._workers(app.state.sessionmaker) == (
            batches.PG_PARALLEL_CHUNKS if engine.dialect.name == "postgresql" else batches.PARALLEL_CHUNKS)
        with TestClient(app) as client:
            assert submit(client, [court_case(n) for n in listed], headers=COURT).json()["created"] == 4
            started = utcnow()
            *rows, summary = lines(batch(client, [cid(n) for n in range(1, 401)] + [cid(170)]))
            finished = utcnow()
        assert [r["line"] for r in rows] == list(range(1, 402))
        assert [r["line"] for r in rows if r.get("decision") == "block"] == list(listed)
        assert rows[-1]["error"]["code"] == "BATCH_DUPLICATE" and rows[-1]["error"]["first_line"] == 170
        totals = summary["summary"]
        assert (totals["total"], totals["errors"], totals["block"], totals["clear"]) == (401, 1, 4, 396)
        with factory() as session:
            recorded = session.scalar(select(func.count()).select_from(Check).where(
                Check.batch_id == totals["batch_id"]))
            times = session.execute(select(func.min(Check.checked_at), func.max(Check.checked_at)).where(
                Check.batch_id == totals["batch_id"])).one()
            logged = session.scalar(select(func.count(func.distinct(AccessEntry.ref_id))).where(
                AccessEntry.action == "batch_check"))
            entries = session.scalar(select(func.count()).select_from(AccessEntry).where(
                AccessEntry.action == "batch_check"))
            logged_at = session.scalar(select(func.min(AccessEntry.at)).where(AccessEntry.action == "batch_check"))
        assert recorded == logged == entries == 400
        assert started <= times[0] <= times[1] <= finished and started <= logged_at <= finished
        if elsewhere:  # the first two chunks were recorded here, the rest in the workers, kept for the next batch
            assert len(thresholds) == batches.IN_PROCESS_CHUNKS and min(thresholds) >= 100_000
            assert in_processes.pool_for(engine, processes) is in_processes.pool_for(engine, processes)
        else:
            assert len(thresholds) == 5 and min(thresholds) >= 100_000  # fewer collections while checking
        assert gc.get_threshold() == before  # and the usual ones after
    finally:
        in_processes.shutdown_all()
        engine.dispose()


def test_feedback_is_validated_and_counted(client):
    submit(client, [court_case(1)], headers=COURT)
    check_id = check(client, cid(1), "civil_service_recruitment").json()["check_id"]
    url = f"/api/v1/checks/{check_id}/feedback"
    res = client.post(url, headers=HR, json={"items": [{"measure_code": "P-GWY-01", "outcome": "not_applied"}]})
    assert res.status_code == 422 and res.json()["code"] == "FEEDBACK_REASON_REQUIRED"
    res = client.post(url, headers=HR, json={"items": [{"measure_code": "P-XYZ-01", "outcome": "applied"}]})
    assert res.json()["code"] == "FEEDBACK_MEASURE_NOT_HIT"
    res = client.post(url, headers=as_dept("tax"),
                      json={"items": [{"measure_code": "P-GWY-01", "outcome": "applied"}]})
    assert res.status_code == 404 and res.json()["code"] == "CHECK_NOT_FOUND"
    res = client.post(url, headers=HR, json={"items": [{"measure_code": "P-GWY-01", "outcome": "applied"}]})
    assert res.status_code == 201 and res.json()["recorded"] == 1

    check(client, cid(1), "civil_service_recruitment")  # a second hit, not answered yet
    rates = client.get("/api/v1/feedback/rates", headers=OPERATOR).json()["rows"]
    (row,) = [r for r in rates if r["measure_code"] == "P-GWY-01"]
    assert (row["hits"], row["answered"], row["rate"]) == (2, 1, 0.5)
    assert row["outcomes"]["applied"] == 1 and row["department_name"] == "市人力资源和社会保障局"
    # The last word counts: an applied measure later overturned.
    client.post(url, headers=HR, json={"items": [
        {"measure_code": "P-GWY-01", "outcome": "overturned", "reason": "复核后撤销"}]})
    (row,) = [r for r in client.get("/api/v1/feedback/rates", headers=OPERATOR).json()["rows"]
              if r["measure_code"] == "P-GWY-01"]
    assert row["answered"] == 1 and row["outcomes"] == {"applied": 0, "not_applied": 0, "overturned": 1}
    assert client.get("/api/v1/feedback/rates").json()["code"] == "AUTH_REQUIRED"
    assert client.get("/api/v1/feedback/rates", headers=as_role("auditor")).json()["code"] == "AUTH_FORBIDDEN"
