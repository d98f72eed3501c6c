"""Group commit of single checks: grouped, each recorded and logged once, failures kept apart."""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from chengxin.access.models import AccessEntry
from chengxin.callers import Caller
from chengxin.checks import repository as repo
from chengxin.checks.models import Check
from chengxin.checks.service import CheckRequest
from chengxin.checks.writer import CheckWriter
from chengxin.clock import today
from chengxin.errors import DomainError
from helpers import COURT, cid, court_case, own_database_app, submit

HR_CHECKER = Caller("checker", department_code="human_resources", account_id="acc-hr")
SCENARIO = "civil_service_recruitment"


def ask(keys, n: int, caller: Caller = HR_CHECKER) -> CheckRequest:
    return CheckRequest(caller, keys.subject_key("citizen_id", cid(n)), SCENARIO, f"REF-{n}", "招录资格审查", today())


def rows_of(session, key: str) -> tuple[int, int]:
    checks = session.scalar(select(func.count()).select_from(Check).where(Check.subject_key == key))
    logged = session.scalar(select(func.count()).select_from(AccessEntry).where(
        AccessEntry.subject_key == key, AccessEntry.action == "check"))
    return checks, logged


def test_concurrent_checks_share_a_transaction_and_each_is_recorded_once(app, client, session, keys):
    submit(client, [court_case(1)], headers=COURT)  # person 1 is on the black list
    writer = CheckWriter(app.state)
    wanted = [ask(keys, n) for n in range(1, 11)]

    async def all_at_once():
        return await asyncio.gather(*(writer.check(r) for r in wanted))

    outcomes = asyncio.run(all_at_once())
    assert writer.checked == 10 and writer.groups < 10  # they went in groups
    assert [o.person_key for o in outcomes] == [r.person_key for r in wanted]
    assert [o.decision for o in outcomes] == ["block"] + ["clear"] * 9
    assert len({o.check_id for o in outcomes}) == 10
    for r in wanted:
        assert rows_of(session, r.person_key) == (1, 1)
    entry = session.scalars(select(AccessEntry).where(AccessEntry.ref_id == outcomes[3].check_id)).one()
    assert (entry.business_ref, entry.purpose, entry.basis, entry.result) == (
        "REF-4", "招录资格审查", SCENARIO, "clear")


def test_a_failing_check_does_not_fail_the_rest_of_its_group(app, session, keys):
    writer = CheckWriter(app.state)
    nobody = Caller("checker", account_id="acc-x")  # no department: refused inside the group
    wanted = [ask(keys, 21), ask(keys, 22, nobody), ask(keys, 23)]

    async def all_at_once():
        return await asyncio.gather(*(writer.check(r) for r in wanted), return_exceptions=True)

    first, refused, third = asyncio.run(all_at_once())
    assert isinstance(refused, DomainError) and refused.code == "AUTH_DEPARTMENT_REQUIRED"
    assert first.decision == third.decision == "clear"
    assert rows_of(session, wanted[0].person_key) == rows_of(session, wanted[2].person_key) == (1, 1)
    assert rows_of(session, wanted[1].person_key) == (0, 0)


def test_sqlite_group_waits_in_a_thread_while_another_writer_holds_the_lock(app, session, keys, is_postgres):
    if is_postgres:
        pytest.skip("the in-process writer lock is SQLite's")
    lock = repo._sqlite_writer(str(app.state.engine.url))
    writer = CheckWriter(app.state)
    lock.acquire()
    released = threading.Timer(0.3, lock.release)
    released.start()

    async def check_and_tick():
        ticks = 0

        async def ticker():  # the event loop keeps running while the group waits for the lock
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        done = asyncio.Event()
        tick = asyncio.create_task(ticker())
        started = time.monotonic()
        outcome = await writer.check(ask(keys, 31))
        done.set()
        await tick
        return outcome, ticks, time.monotonic() - started

    outcome, ticks, waited = asyncio.run(check_and_tick())
    released.join()
    assert outcome.decision == "clear" and waited >= 0.25 and ticks >= 10
    assert rows_of(session, outcome.person_key) == (1, 1)


def test_writer_busy_is_raised_only_when_not_waiting(app):
    lock = repo._sqlite_writer(str(app.state.engine.url))
    if app.state.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with lock, pytest.raises(repo.WriterBusy), repo.check_transaction(app.state.sessionmaker, wait=False):
        pass


def test_groups_on_a_database_of_their_own_commit_and_a_failed_write_leaves_nothing(data_dir, keys, is_postgres):
    """Sessions of an engine, as `chengxin serve` has them (the writer keeps a connection between
    groups; on PostgreSQL an autocommit asyncio one, on the event loop, each group's writes in one
    statement): every group is committed; a group whose write fails at the database leaves no row
    of any of its checks, the others are then checked alone, and the next group goes through."""
    import sqlite3

    import psycopg


    app, engine, factory = own_database_app(keys)
    writer = CheckWriter(app.state)

    kept = []

    async def groups():
        first = await asyncio.gather(*(writer.check(ask(keys, n)) for n in (41, 42)))
        kept.append(writer.live if is_postgres else writer.held)
        # A check without a purpose (the API never sends one): its row fails at the insert (NOT NULL).
        purposeless = replace(ask(keys, 44), purpose=None)
        mixed = await asyncio.gather(writer.check(ask(keys, 43)), writer.check(purposeless),
                                     writer.check(ask(keys, 45)), return_exceptions=True)
        last = await writer.check(ask(keys, 46))
        return first, mixed, last

    try:
        first, (ok, refused, also_ok), last = asyncio.run(groups())
        assert isinstance(refused, (sqlite3.IntegrityError, psycopg.errors.NotNullViolation)), refused
        assert [o.decision for o in (*first, ok, also_ok, last)] == ["clear"] * 5
        with factory() as session:  # committed: seen by a session of its own
            for n in (41, 42, 43, 45, 46):
                assert rows_of(session, ask(keys, n).person_key) == (1, 1)
            assert rows_of(session, ask(keys, 44).person_key) == (0, 0)
        assert writer.groups >= 4  # the failed group, then its checks one by one
        if is_postgres:
            # Kept between groups and after the failed write, which left no transaction open.
            assert kept[0] is not None and writer.live is kept[0] and not kept[0].closed
            assert kept[0].info.transaction_status == psycopg.pq.TransactionStatus.IDLE
            assert writer.held is None
        else:  # kept between groups, replaced after the failure
            assert kept[0] is not None and writer.held is not None and writer.held is not kept[0]
    finally:
        asyncio.run(writer.aclose())
        engine.dispose()


def test_postgres_group_whose_log_entry_cannot_be_written_records_none_of_its_checks(data_dir, keys, is_postgres):
    """A PostgreSQL group writes its check rows and access-log entries in one statement, so an
    entry the log refuses (here an account id longer than its column; the check row itself
    would fit) takes the group's check rows with it: never a check without its log entry."""
    if not is_postgres:
        pytest.skip("the PostgreSQL group write (SQLite does not enforce column lengths)")
    import psycopg

    app, engine, factory = own_database_app(keys)
    writer = CheckWriter(app.state)
    overlong = Caller("checker", department_code="human_resources", account_id="a" * 65)

    async def group():
        return await asyncio.gather(writer.check(ask(keys, 71)), writer.check(ask(keys, 72, overlong)),
                                    return_exceptions=True)

    try:
        ok, refused = asyncio.run(group())
        assert isinstance(refused, psycopg.errors.StringDataRightTruncation)
        assert ok.decision == "clear"
        with factory() as session:
            assert rows_of(session, ask(keys, 71).person_key) == (1, 1)  # checked again alone
            assert rows_of(session, ask(keys, 72).person_key) == (0, 0)
        assert writer.groups == 3  # the group that failed whole, then each check alone
    finally:
        asyncio.run(writer.aclose())
        engine.dispose()


def test_postgres_writer_connection_cut_off_fails_one_group_and_the_next_connects_afresh(data_dir, keys,
                                                                                       is_postgres):
    """The asyncio connection of the PostgreSQL writer dies (a restart, a terminated backend):
    the group under way fails and records nothing, the writer drops the connection, the next
    group opens a new one and is recorded; the app's shutdown closes it."""
    if not is_postgres:
        pytest.skip("the PostgreSQL writer's own connection")
    import psycopg
    from fastapi.testclient import TestClient

    from chengxin.checks.endpoints import writer_of

    app, engine, factory = own_database_app(keys)
    writer = writer_of(app.state)

    async def cut_off():
        await writer.check(ask(keys, 61))
        first = writer.live
        with engine.connect() as other:
            other.exec_driver_sql(f"SELECT pg_terminate_backend({first.info.backend_pid})")
        with pytest.raises(psycopg.OperationalError):
            await writer.check(ask(keys, 62))
        assert writer.live is None  # dropped
        return first, await writer.check(ask(keys, 63))

    try:
        first, again_outcome = asyncio.run(cut_off())
        again = writer.live
        assert again_outcome.decision == "clear" and again is not None and again is not first
        with factory() as session:
            assert [rows_of(session, ask(keys, n).person_key) for n in (61, 62, 63)] == [(1, 1), (0, 0), (1, 1)]
        with TestClient(app) as client:  # another event loop: another connection, closed at shutdown
            assert client.portal.call(writer.check, ask(keys, 64)).decision == "clear"
            live = writer.live
            assert live is not None and live is not again and first.closed
        assert writer.live is None and live.closed
    finally:
        writer.close_live()
        engine.dispose()


def test_sqlite_writer_connection_waits_in_a_thread_for_another_process_and_is_given_back_as_it_was(
        data_dir, keys, is_postgres):
    """The writer's own SQLite connection never waits on the event loop (busy timeout 0): while
    another connection (another process, say) holds the write lock, the group waits in a thread
    with the usual timeout; given back, the connection has that timeout again."""
    if is_postgres:
        pytest.skip("SQLite's write lock")
    import sqlite3

    from chengxin.db import SQLITE_BUSY_TIMEOUT_MS, make_sessionmaker

    app, engine, _ = own_database_app(keys)
    writer = CheckWriter(app.state)
    other = sqlite3.connect(engine.url.database, isolation_level=None, check_same_thread=False)

    async def check_and_tick():
        await writer.check(ask(keys, 51))  # takes the writer's connection
        other.execute("BEGIN IMMEDIATE")
        threading.Timer(0.3, other.execute, ("COMMIT",)).start()
        ticks = 0
        done = asyncio.Event()

        async def ticker():
            nonlocal ticks
            while not done.is_set():
                ticks += 1
                await asyncio.sleep(0.01)

        tick = asyncio.create_task(ticker())
        started = time.monotonic()
        outcome = await writer.check(ask(keys, 52))
        done.set()
        await tick
        return outcome, ticks, time.monotonic() - started

    try:
        outcome, ticks, waited = asyncio.run(check_and_tick())
        assert outcome.decision == "clear" and waited >= 0.25 and ticks >= 10
        raw = writer.held.connection.driver_connection
        assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == 0
        writer._let_go()
        assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == SQLITE_BUSY_TIMEOUT_MS
        with make_sessionmaker(engine)() as session:
            assert rows_of(session, outcome.person_key) == (1, 1)
    finally:
        other.close()
        writer._let_go()
        engine.dispose()
