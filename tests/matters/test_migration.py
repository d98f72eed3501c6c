"""Upgrading a platform that kept state on records and list entries: each chain and each direct
entry becomes one matter, with the earliest end and any dispute, and cases point at their matter."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import MetaData, insert, select

from chengxin.db import make_engine
from chengxin.migrate import upgrade
from helpers import scratch_database

BEFORE = "u6batchout10"  # the revision before the matters
T = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def _rows(conn, table: str, **where) -> list:
    t = MetaData()
    t.reflect(bind=conn, only=[table])
    stmt = select(t.tables[table])
    for k, v in where.items():
        stmt = stmt.where(t.tables[table].c[k] == v)
    return list(conn.execute(stmt).mappings())


def _record(sid: str, rid: str, version: int, *, dept="market_regulation", item="XZCF-01", superseded=None, **kw):
    return {"subject_key": "k" * 32, "id": rid, "subject_kind": "person", "department_code": dept,
            "source_record_id": sid, "version": version, "item_code": item, "catalog_version": "2026.1",
            "nature": "negative", "severity": kw.pop("severity", "general"), "severity_reason": None,
            "decision_date": date(2026, 1, 10), "data": {}, "content_hash": f"h{rid}"[:32], "batch_id": "B" * 26,
            "recorded_at": T, "superseded_at": superseded, "revoked_at": None, "revoke_reason": None,
            "disputed_at": None, "repaired_at": None, **kw}


def _entry(eid: str, *, source="record", sid=None, dept="court", **kw):
    return {"subject_key": "k" * 32, "id": eid, "subject_kind": "person", "list_type": "black", "source": source,
            "department_code": dept, "source_record_id": sid, "record_id": None, "item_code": None,
            "severity": "serious", "basis": "依据", "reference": None, "start_date": date(2026, 1, 10),
            "planned_end": date(2028, 1, 10), "exited_on": None, "exit_reason": None, "exit_note": None,
            "disputed_at": None, "created_at": T, "updated_at": T, **kw}


def test_state_moves_from_records_and_entries_into_one_matter_each(database_url, tmp_path):
    url = scratch_database(database_url, tmp_path, "matters_migration")
    engine = make_engine(url)
    try:
        upgrade(engine, BEFORE)
        meta = MetaData()
        with engine.begin() as conn:
            meta.reflect(bind=conn)
            conn.execute(insert(meta.tables["departments"]), [
                {"code": c, "name": c, "created_at": T} for c in ("market_regulation", "court", "human_resources")])
            conn.execute(insert(meta.tables["records"]), [
                # A penalty corrected once, then revoked.
                _record("P-1", "R1V1", 1, superseded=T), _record("P-1", "R1V2", 2, revoked_at=T,
                                                                 revoke_reason="复议撤销"),
                # A court listing whose record was repaired but whose entry was exited later (the drift).
                _record("Z-1", "R2V1", 1, dept="court", item="SFCP-01", severity="serious",
                        repaired_at=datetime(2026, 5, 1, 2, tzinfo=UTC), disputed_at=T),
            ])
            conn.execute(insert(meta.tables["list_entries"]), [
                _entry("E2", sid="Z-1", item_code="SFCP-01", exited_on=date(2026, 6, 1), exit_reason="court_deleted"),
                # A court's direct entry that got the black list's 36 months by default.
                _entry("E3", source="direct", planned_end=date(2029, 1, 10), disputed_at=T),
            ])
            conn.execute(insert(meta.tables["objections"]), [{
                "subject_key": "k" * 32, "id": "O1", "target_kind": "record", "target_id": "R1V1",
                "source_record_id": "P-1", "item_code": "XZCF-01", "department_code": "market_regulation",
                "reason": "理由", "status": "open", "filed_at": T, "deadline": date(2026, 4, 1),
                "deadline_estimated": False}])
        upgrade(engine)
        with engine.connect() as conn:
            matters = {m["id"]: m for m in _rows(conn, "matters")}
            assert set(matters) == {"R1V1", "E2", "E3"}  # a chain's matter keeps its entry's id if it had one
            assert (matters["R1V1"]["record_id"], matters["R1V1"]["end_reason"]) == ("R1V2", "revoked")
            assert matters["R1V1"]["end_note"] == "复议撤销" and matters["R1V1"]["list_type"] is None
            court = matters["E2"]  # the earliest end wins: repaired on 1 May, not deleted on 1 June
            assert (court["end_reason"], court["ended_on"], court["list_type"]) == ("repaired", date(2026, 5, 1),
                                                                                   "black")
            assert court["disputed_at"] is not None and court["origin"] == "record"
            direct = matters["E3"]
            assert (direct["origin"], direct["item_code"], direct["planned_end"]) == ("direct", "SFCP-01",
                                                                                     date(2028, 1, 10))
            assert direct["disputed_at"] is not None and direct["ended_on"] is None
            assert {r["id"]: r["matter_id"] for r in _rows(conn, "records")} == {
                "R1V1": "R1V1", "R1V2": "R1V1", "R2V1": "E2"}
            assert [o["matter_id"] for o in _rows(conn, "objections")] == ["R1V1"]
            assert "revoked_at" not in _rows(conn, "records")[0]
    finally:
        engine.dispose()
        scratch_database(database_url, tmp_path, "matters_migration", create=False)
