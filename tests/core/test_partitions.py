"""Partitions of the large person-keyed tables on PostgreSQL (migration b8partitions0022).

records, checks and check_hits by hash of subject_key (16 each); access_log by ranges of seq with a
DEFAULT partition, kept ahead by the jobs. SQLite keeps plain tables."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import MetaData, func, insert, select, text
from sqlalchemy.orm import Session, sessionmaker

from chengxin import jobs
from chengxin.access import partitions
from chengxin.access import repository as access_repo
from chengxin.access.models import AccessEntry
from chengxin.access.sealing import seal
from chengxin.access.service import Read, log_reads
from chengxin.access.verify import verify
from chengxin.callers import Caller
from chengxin.clock import utcnow
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.migrate import upgrade
from chengxin.signing import Signer
from helpers import drop_database, scratch_database

W = access_repo.LOG_PARTITION_WIDTH
CHECKER = Caller.of(frozenset({"checker"}), department_code="human_resources", account_id="01JDCHECKER000000000000000")
SIGNER = Signer.from_seed(bytes(range(7, 39)))
BEFORE = "b7retention0020"
HASHED = ("records", "checks", "check_hits")


def _key(n: int) -> str:
    return f"{n:032x}"


# --- the plan (pure) ---------------------------------------------------------------------------


def test_partitions_wait_ahead_of_the_sequence():
    have = ((0, W), (W, 2 * W), (2 * W, 3 * W))
    assert partitions.wanted(have, 5, W) == []  # the one holding seq 5 and two above exist
    assert partitions.wanted(have, W + 1, W) == [(3 * W, 4 * W)]  # the sequence entered the second
    assert partitions.wanted(have, 3 * W - 1, W) == [(3 * W, 4 * W), (4 * W, 5 * W)]
    assert partitions.wanted((), 0, W) == [(0, W), (W, 2 * W), (2 * W, 3 * W)]


def test_rows_in_the_default_partition_get_a_partition_of_their_own_not_every_one_between():
    have = ((0, W), (W, 2 * W), (2 * W, 3 * W))
    far = 10**12 // W  # a seq given by hand far above the sequence
    assert partitions.wanted(have, 5, W, stray=[far]) == [(far * W, (far + 1) * W)]
    assert partitions.wanted(have, 5, W, stray=[-1]) == []  # below 0: stays in DEFAULT


def test_a_partition_overlapping_an_existing_one_is_not_made():
    assert partitions.wanted(((0, 3 * W),), 2 * W, W) == [(3 * W, 4 * W), (4 * W, 5 * W)]


def test_sqlite_keeps_plain_tables_and_the_job_does_nothing(session, is_postgres):
    if is_postgres:
        pytest.skip("SQLite has no partitions")
    assert access_repo.log_partitions(session) is None
    assert partitions.ensure(session) == partitions.PartitionRun(0, 0)


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.fixture
def pg(is_postgres) -> None:
    if not is_postgres:
        pytest.skip("PostgreSQL partitions")


def _layout(session: Session, table: str) -> tuple[str, str, list[str]]:
    strategy, key = session.execute(text(
        "SELECT p.partstrat, pg_get_partkeydef(p.partrelid) FROM pg_partitioned_table p "
        "WHERE p.partrelid = CAST(:t AS regclass)"), {"t": table}).one()
    bounds = list(session.scalars(text(
        "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = CAST(:t AS regclass) ORDER BY c.relname"), {"t": table}))
    return strategy, key, bounds


def test_the_person_tables_are_hashed_by_subject_key_into_16(session, pg):
    for table in HASHED:
        strategy, key, bounds = _layout(session, table)
        assert (strategy, key) == ("h", "HASH (subject_key)"), table
        assert bounds == [f"FOR VALUES WITH (modulus 16, remainder {r})" for r in range(16)], table


def test_the_access_log_is_ranged_by_seq_with_a_default(session, pg):
    strategy, key, bounds = _layout(session, "access_log")
    assert (strategy, key) == ("r", "RANGE (seq)")
    assert "DEFAULT" in bounds
    parts = access_repo.log_partitions(session)
    assert parts is not None and parts.default == "access_log_default"
    assert parts.ranges[0] == (0, W) and all(hi - lo == W for lo, hi in parts.ranges)


def _plan(session: Session, sql: str, **params: object) -> str:
    return "\n".join(session.scalars(text(f"EXPLAIN (COSTS OFF) {sql}"), params))


def _scanned(plan: str, table: str) -> set[str]:
    """The partitions of `table` a plan reads: the relation after " on " in each scan node (an index
    scan also names its index, `records_p03_pkey`, which is not a partition read)."""
    return set(re.findall(rf"\bon ({table}_\w+)", plan))


def test_a_persons_reads_touch_one_partition(session, pg):
    plan = _plan(session, "SELECT * FROM records WHERE subject_key = :k", k=_key(1))
    assert len(_scanned(plan, "records")) == 1, plan
    plan = _plan(session, "SELECT * FROM checks c JOIN check_hits h ON h.subject_key = c.subject_key "
                          "AND h.check_id = c.id WHERE c.subject_key = :k", k=_key(1))
    assert len(_scanned(plan, "checks")) == 1 and len(_scanned(plan, "check_hits")) == 1, plan
    plan = _plan(session, "SELECT * FROM access_log WHERE seq = 12345")
    assert _scanned(plan, "access_log") == {"access_log_s000000"}, plan


def test_the_job_makes_nothing_while_the_log_is_ahead(session, factory: sessionmaker[Session], pg):
    before = access_repo.log_partitions(session)
    assert jobs._partitions(factory) == 0
    assert access_repo.log_partitions(session) == before


def test_an_entry_beyond_the_partitions_lands_in_default_and_the_job_moves_it_sealing_intact(session, pg):
    log_reads(session, CHECKER, "check", [Read(_key(i), "clear") for i in range(3)], purpose="资格审查")
    far = 5 * W + 7  # as if the sequence had run past every partition while the jobs were stopped
    session.execute(insert(AccessEntry).values(
        seq=far, at=utcnow(), actor_role="checker", actor_department="human_resources", actor_org=None,
        actor_account=None, subject_key=_key(9), action="check", purpose="资格审查", basis=None,
        business_ref=None, ref_id=None, result="clear"))
    assert session.scalar(text("SELECT count(*) FROM access_log_default WHERE seq = :s"), {"s": far}) == 1
    first = seal(session, SIGNER)
    assert first.sealed >= 4
    entries = session.scalar(select(func.count()).select_from(AccessEntry))
    run = partitions.ensure(session)
    assert run.moved == 1 and run.created >= 1
    assert session.scalar(text("SELECT count(*) FROM access_log_default")) == 0
    assert session.scalar(text("SELECT tableoid::regclass::text FROM access_log WHERE seq = :s"),
                          {"s": far}) == "access_log_s000005"
    assert session.scalar(select(func.count()).select_from(AccessEntry)) == entries
    assert partitions.ensure(session) == partitions.PartitionRun(0, 0)  # once is enough
    log_reads(session, CHECKER, "check", [Read(_key(5), "clear")], purpose="资格审查")
    assert seal(session, SIGNER).sealed == 1
    report = verify(session, SIGNER.public_keys())
    assert report.ok, [p.line() for p in report.problems]


# --- the migration, on a database holding data -------------------------------------------------


def _fill(factory: sessionmaker[Session], meta: MetaData) -> None:
    now = utcnow()
    with unit_of_work(factory) as session:
        session.execute(insert(meta.tables["departments"]), [{"code": "human_resources", "name": "人社",
                                                               "created_at": now}])
        session.execute(insert(meta.tables["records"]), [{
            "subject_key": _key(i % 40), "id": f"R{i:025d}", "subject_kind": "person",
            "department_code": "human_resources", "source_record_id": f"S-{i}", "version": 1,
            "item_code": "XZCF-01", "catalog_version": "2026.1", "nature": "negative", "severity": "general",
            "severity_reason": None, "decision_date": date(2026, 1, 10), "data": {"n": i},
            "content_hash": f"{i:032x}", "batch_id": "B" * 26, "recorded_at": now, "superseded_at": None,
            "matter_id": f"R{i:025d}", "domain": None} for i in range(200)])
        session.execute(insert(meta.tables["checks"]), [{
            "subject_key": _key(i % 40), "id": f"C{i:025d}", "department_code": "human_resources",
            "scenario": "civil_service_recruitment", "business_ref": None, "purpose": "资格审查",
            "decision": "clear", "hits": [], "checked_at": now, "batch_id": None} for i in range(120)])
        session.execute(insert(meta.tables["check_hits"]), [{
            "subject_key": _key(i % 40), "check_id": f"C{i:025d}", "measure_code": "M1",
            "department_code": "human_resources", "blocking": False, "checked_at": now} for i in range(30)])
        log_reads(session, CHECKER, "check", [Read(_key(i % 40), "clear") for i in range(150)], purpose="资格审查")
        seal(session, SIGNER)
        log_reads(session, CHECKER, "file", [Read(_key(i), "clear") for i in range(20)], purpose="档案查询")


def _snapshot(engine) -> dict[str, list[tuple]]:
    order = {"records": "subject_key, id", "checks": "subject_key, id",
             "check_hits": "subject_key, check_id, measure_code", "access_log": "seq"}
    with engine.connect() as conn:
        return {t: [tuple(r) for r in conn.execute(text(f"SELECT * FROM {t} ORDER BY {o}"))]
                for t, o in order.items()}


def _kinds(engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(text("SELECT relname, relkind::text FROM pg_class WHERE relname IN "
                                      "('records', 'checks', 'check_hits', 'access_log')")).all())


def _downgrade(engine, revision: str) -> None:
    from alembic import command

    from chengxin.migrate import alembic_config

    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_the_migration_moves_every_row_and_back(database_url, tmp_path, pg):
    url = scratch_database(database_url, tmp_path, "partitions_migration")
    engine = make_engine(url)
    try:
        upgrade(engine, BEFORE)
        meta = MetaData()
        meta.reflect(bind=engine)
        factory = make_sessionmaker(engine)
        _fill(factory, meta)
        before = _snapshot(engine)
        assert len(before["access_log"]) == 170 and len(before["records"]) == 200
        upgrade(engine)
        assert set(_kinds(engine).values()) == {"p"}
        assert _snapshot(engine) == before
        with unit_of_work(factory) as session:  # the sequence carries on; sealing and verify as before
            assert log_reads(session, CHECKER, "file", [Read(_key(1), "clear")], purpose="档案查询") == 1
            assert seal(session, SIGNER).sealed == 21
            report = verify(session, SIGNER.public_keys())
            assert report.ok and report.tree_size == 171, [p.line() for p in report.problems]
            assert session.scalar(select(func.max(AccessEntry.seq))) == 171
        after = _snapshot(engine)
        _downgrade(engine, BEFORE)
        assert set(_kinds(engine).values()) == {"r"}
        assert _snapshot(engine) == after
        with engine.connect() as conn:  # the sequence is the column's again
            assert conn.scalar(text("SELECT pg_get_serial_sequence('access_log', 'seq')")) == \
                "public.access_log_seq_seq"
    finally:
        engine.dispose()
        drop_database(url)


def test_the_busiest_tables_are_written_without_per_row_look_ups():
    """Checks, their hits, matters and the access log are written thousands of rows at a time; a
    foreign key would be checked row by row (on PostgreSQL a look-up with a share lock on the
    referenced row), which cost more than writing a check row. Their department codes come from the
    caller or the record, whose own keys are checked (b9lean0025); and the list and occupation
    indexes of matters hold only the matters that have one."""
    from chengxin.db import Base
    from chengxin.models import import_all

    import_all()
    tables = Base.metadata.tables
    for name in ("checks", "check_hits", "matters", "access_log"):
        assert not tables[name].foreign_keys, name
    assert tables["records"].foreign_keys  # the record keeps the department's key for its matter
    partial = {i.name: str(i.dialect_options["postgresql"]["where"]) for i in tables["matters"].indexes
               if i.dialect_options["postgresql"]["where"] is not None}
    assert partial == {"ix_matters_list": "list_type IS NOT NULL", "ix_matters_occupation": "occupation IS NOT NULL"}


def test_the_migrated_database_has_the_partial_indexes(engine, is_postgres):
    from sqlalchemy import inspect

    indexes = {i["name"]: i for i in inspect(engine).get_indexes("matters")}
    option = "postgresql_where" if is_postgres else "sqlite_where"
    for name, column in (("ix_matters_list", "list_type"), ("ix_matters_occupation", "occupation")):
        where = indexes[name].get("dialect_options", {}).get(option)
        assert where is not None and column in str(where) and "NOT NULL" in str(where).upper(), (name, where)
    assert not [fk for fk in inspect(engine).get_foreign_keys("matters") if fk["referred_table"] == "departments"]
