"""What keeps the public pages fast on a large database (bench.pages, 1,000,000 persons; issue 15: every
page ≤ 200 ms): a name search names the persons through the name index and reads their matters by subject,
the public records walk matters newest first through an index, and SQLite's planner has statistics (the
jobs and the server's start refresh them). Plans depend on the data, so the bench shows them at work; here
the indexes, the shape of the search and the statistics."""

from __future__ import annotations

import pytest
from sqlalchemy import event, inspect, text

from chengxin.clock import today
from chengxin.disclosure import service
from chengxin.jobs import run_once
from helpers import COURT, court_case, penalty, submit


def _sent(session, run) -> list[str]:
    """Every SELECT on matters that `run` sends."""
    sent: list[str] = []
    conn = session.connection()

    def keep(_conn, _cursor, statement, _params, _context, _many) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM matters" in statement:
            sent.append(" ".join(statement.split()))

    event.listen(conn, "before_cursor_execute", keep)
    try:
        run()
    finally:
        event.remove(conn, "before_cursor_execute", keep)
    return sent


def test_the_indexes_the_public_pages_read_through(session):
    found = inspect(session.connection())
    persons = {i["name"]: i["column_names"] for i in found.get_indexes("persons")}
    matters = {i["name"]: i["column_names"] for i in found.get_indexes("matters")}
    assert persons["ix_persons_name"] == ["name"] and persons["ix_persons_birth"] == ["person_key", "birth_date"]
    assert matters["ix_matters_start"][:2] == ["start_date", "id"]
    assert matters["ix_matters_list"][:2] == ["list_type", "start_date"]
    assert {"ended_on", "planned_end", "subject_kind", "subject_key"} <= set(matters["ix_matters_list"])
    records = {i["name"]: i["column_names"] for i in found.get_indexes("records")}
    assert records["ix_records_recorded"] == ["recorded_at", "version", "department_code", "decision_date"]


def test_a_name_search_names_the_persons_first_then_reads_their_matters(client, session, keys, catalog):
    submit(client, [court_case(n) for n in range(701, 706)], headers=COURT)
    submit(client, [penalty(707, name="李四")])
    tiers = client.app.state.tiers
    found = service.search_entries(session, keys, as_of=today(), list_type="black", name="赵六", catalog=catalog)
    assert found.total == 5 and len(found.entries) == 5
    assert service.search_records(session, catalog, keys, tiers, as_of=today(), name="李四").total == 1
    sent = _sent(session, lambda: service.search_entries(session, keys, as_of=today(), list_type="black",
                                                        name="赵六", catalog=catalog))
    sent += _sent(session, lambda: service.search_records(session, catalog, keys, tiers, as_of=today(),
                                                         name="李四"))
    assert len(sent) == 5  # the black list's page, the counts of both lists; the records' page and count
    named = ("matters.subject_key IN (SELECT persons_1.person_key FROM persons AS persons_1 "
             "WHERE persons_1.name = ")
    assert all(named in s for s in sent), sent
    assert all("persons.name =" not in s for s in sent)  # not tested row by row on the joined person


def test_the_jobs_refresh_sqlites_planner_statistics(client, session, factory, keys, signer):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL analyses by itself (autovacuum)")
    submit(client, [penalty(708)])  # ANALYZE leaves empty tables out
    session.execute(text("DROP TABLE IF EXISTS sqlite_stat1"))
    session.commit()
    run_once(factory, keys, signer=signer)
    tables = {row[0] for row in session.execute(text("SELECT tbl FROM sqlite_stat1"))}
    assert {"persons", "matters", "records"} <= tables


def test_with_no_search_the_lists_and_records_take_the_home_pages_counts(client, connection):
    submit(client, [court_case(711), court_case(712)], headers=COURT)
    counted: list[str] = []

    def keep(_conn, _cursor, statement, _params, _context, _many) -> None:
        if "count(*)" in statement and "FROM matters" in statement:
            counted.append(statement)

    event.listen(connection, "before_cursor_execute", keep)
    try:
        home = client.get("/").text
        assert "<b>2</b><span>黑名单在列</span>" in home and len(counted) == 5  # 4 list counts, the records'
        lists, records = client.get("/public/lists").text, client.get("/public/records").text
        assert '黑名单 <span class="count">2</span>' in lists and "共 2 条" in lists
        assert "公示信息共 2 条" in records
        assert len(counted) == 5  # nothing counted again
        searched = client.get("/public/lists", params={"q": "赵六"}).text
        assert "共 2 条" in searched and len(counted) == 7  # a search counts its own (black and red)
    finally:
        event.remove(connection, "before_cursor_execute", keep)


def test_counts_by_kind_filter_on_the_matter_itself(client, session, catalog):
    """The home page counts persons and organisations on each list apart: the kind is asked of the matter
    (read from the lists' index), not only found out by joining every entry to its subject."""
    submit(client, [court_case(721)], headers=COURT)
    tiers = client.app.state.tiers
    sent = _sent(session, lambda: service.figures(session, catalog, tiers, today()))
    by_kind = [s for s in sent if "matters.list_type = " in s]
    assert len(by_kind) == 4, sent  # black and red, persons and organisations
    assert all("matters.subject_kind = " in s.split(" WHERE ", 1)[1] for s in by_kind), by_kind
    found = service.figures(session, catalog, tiers, today())
    assert (found.black_persons, found.black_organisations) == (1, 0)


def test_stale_figures_are_shown_at_once_and_recounted_in_the_background(data_dir, keys):
    """No visitor waits for the recount (a few hundred milliseconds on 1,000,000 persons): the page
    shows the figures it has and a thread counts the new ones; a new day is counted before it is shown."""
    from dataclasses import replace
    from datetime import timedelta

    from fastapi.testclient import TestClient

    from chengxin.clock import utcnow
    from chengxin.web import pages
    from helpers import own_database_app

    app, engine, _ = own_database_app(keys)
    try:
        client = TestClient(app)
        stale = service.Figures(today(), 7777, 0, 0, 0, 0)
        app.state.home_figures = (utcnow() - timedelta(seconds=1), stale)
        shown = client.get("/").text
        assert "7,777" in shown or "7777" in shown  # shown, not waited for
        assert pages._recounting.acquire(timeout=60)  # the recount has finished
        pages._recounting.release()
        expires, fresh = app.state.home_figures
        assert fresh.black_persons == 0 and expires > utcnow()
        assert "7777" not in client.get("/").text and "7,777" not in client.get("/").text
        # Yesterday's figures are never shown as today's: counted before the page.
        app.state.home_figures = (utcnow() + pages.FIGURES_TTL, replace(stale, as_of=today() - timedelta(days=1)))
        assert "7777" not in client.get("/").text and "7,777" not in client.get("/").text
        assert app.state.home_figures[1].as_of == today()
    finally:
        engine.dispose()
