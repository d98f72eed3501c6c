"""Read replicas for real: a primary and a streaming hot standby of the tests' own (tests/pgcluster.py).

Public pages are served by the standby; a standby paused (or stopped) past the lag bound is
skipped and the pages answer from the primary with the new data; a caller who has just written
reads it at once, by its cookie or its credential; a standby back in step is used again.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from chengxin.app import create_app
from chengxin.db import make_sessionmaker, unit_of_work
from chengxin.deps import SessionDep, lag_tolerant
from chengxin.replicas import LSN_COOKIE
from chengxin.settings import Settings
from helpers import COURT, DEPT, HR, OPERATOR, as_person, cid, court_case, matters_of, penalty, submit

MAX_LAG = 2.0  # the bound the tests' apps run with (seconds)
CHECK = 0.1  # the monitor's interval (seconds)


def make_app(cluster: Any, tmp: Path, keys: Any, **overrides: Any) -> Any:
    chosen: dict[str, Any] = {"replica_max_lag_seconds": MAX_LAG, "replica_check_seconds": CHECK, **overrides}
    settings = Settings(data_dir=tmp, database_url=cluster.primary.url("chengxin"),
                        replica_urls=cluster.standby_url(), **chosen)
    app = create_app(settings, engine=cluster.engine, keys=keys)

    @app.get("/test/where")
    @lag_tolerant
    def where(session: SessionDep) -> dict[str, bool]:
        """Which server a lag-tolerant read ran on: True on a standby (in recovery)."""
        return {"standby": session.execute(text("SELECT pg_is_in_recovery()")).scalar_one()}

    return app


@pytest.fixture
def app(cluster, tmp_path: Path, keys) -> Iterator[Any]:
    if not cluster.standby.running:
        cluster.standby.start()
    cluster.standby.resume_replay()
    cluster.primary.wait_caught_up()
    application = make_app(cluster, tmp_path, keys)
    with TestClient(application):  # the lifespan starts the lag monitor (and stops it at the end)
        wait_for(lambda: standby_state(application)["in_use"], "备库投入使用")
        yield application
    # Leave the standby running and replaying for the next test.
    if not cluster.standby.running:
        cluster.standby.start()
    cluster.standby.resume_replay()


def client_of(app: Any, **kwargs: Any) -> TestClient:
    return TestClient(app, **kwargs)


def standby_state(app: Any) -> dict[str, Any]:
    body = client_of(app).get("/healthz").json()  # not `with`: that would run the lifespan again
    (state,) = body["replicas"]
    assert set(state) == {"name", "in_use", "lag_seconds", "problem", "reads", "fallbacks"}
    return state


def wait_for(condition: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{timeout:.0f} 秒内未能{what}")
        time.sleep(0.05)


def shown(client: TestClient, n: int) -> bool:
    """Whether the public records page lists the penalty `penalty(n)` (by the person's number)."""
    res = client.get("/public/records", params={"q": cid(n)})
    assert res.status_code == 200
    found = re.search(r"公示信息共 (\d+) 条", res.text)
    assert found, res.text
    return int(found.group(1)) > 0


def caught_up(app: Any, cluster: Any) -> None:
    """Wait until the standby has replayed everything the primary has, and the app uses it again."""
    cluster.primary.wait_caught_up()
    wait_for(lambda: standby_state(app)["in_use"], "备库追上")


def person_with_a_penalty(app: Any, cluster: Any, keys: Any, tmp: Path, n: int) -> tuple[TestClient, TestClient]:
    """A department's client and the signed-in person `cid(n)`, who has `penalty(n)`, on a standby caught up."""
    writer = client_of(app, headers=DEPT)
    assert submit(writer, [penalty(n)]).status_code == 201
    with unit_of_work(make_sessionmaker(cluster.engine)) as session:
        person = client_of(app, headers=as_person(session, Settings(data_dir=tmp), keys, cid(n)))
    caught_up(app, cluster)
    return writer, person


@contextmanager
def paused(cluster: Any) -> Iterator[None]:
    cluster.standby.pause_replay()
    try:
        yield
    finally:
        cluster.standby.resume_replay()


def standby_then_primary(app: Any, cluster: Any, writer: TestClient, n: int, matters: Any) -> None:
    """`matters()` (what one read shows of the person `cid(n)`, who has `penalty(n)`) counts 1; with the
    standby paused a second penalty is written on the primary: the next read, on the standby, still
    counts 1; once the standby is past the lag bound, the read goes to the primary and counts 2."""
    assert matters() == 1
    with paused(cluster):
        second = penalty(n, source_record_id=f"SCJG-2026-{n}B", fields={"decision_no": f"京朝市监罚〔2026〕{n}1号"})
        assert submit(writer, [second]).status_code == 201
        before = standby_state(app)["reads"]
        assert matters() == 1  # read on the standby, which has not replayed the second record
        assert standby_state(app)["reads"] == before + 1
        wait_for(lambda: not standby_state(app)["in_use"], "发现备库延迟超过上限", timeout=MAX_LAG + 5)
        assert matters() == 2  # read on the primary
        assert standby_state(app)["reads"] == before + 1


def test_public_reads_are_served_by_the_standby(app):
    visitor = client_of(app)
    assert visitor.get("/test/where").json() == {"standby": True}
    before = standby_state(app)["reads"]
    assert visitor.get("/").status_code == 200
    assert visitor.get("/public/records").status_code == 200
    assert visitor.get("/public/lists").status_code == 200
    assert visitor.get("/api/v1/public/records").status_code == 200
    after = standby_state(app)
    assert after["reads"] == before + 4 and after["in_use"] and after["lag_seconds"] <= MAX_LAG
    assert "127.0.0.1" not in str(visitor.get("/healthz").json())  # no address shown
    # A route not declared lag-tolerant reads on the primary, a declared one that finds nothing on the standby.
    assert visitor.get("/api/v1/public/tipoffs/JB00000000").status_code == 404
    assert visitor.get("/public/articles/none").status_code == 404
    assert standby_state(app)["reads"] == before + 5


def test_a_standby_behind_the_bound_is_skipped_and_the_primary_shows_the_new_data(app, cluster):
    writer, visitor = client_of(app, headers=DEPT), client_of(app)
    with paused(cluster):
        assert submit(writer, [penalty(901)]).status_code == 201
        # Within the bound the standby still serves the public, with what it had replayed.
        assert not shown(visitor, 901)
        assert visitor.get("/test/where").json() == {"standby": True}
        wait_for(lambda: not standby_state(app)["in_use"], "发现备库延迟超过上限", timeout=MAX_LAG + 5)
        state = standby_state(app)
        assert state["problem"] == "lagging" and state["lag_seconds"] > MAX_LAG
        assert shown(visitor, 901)  # from the primary
        assert visitor.get("/test/where").json() == {"standby": False}
    cluster.primary.wait_caught_up()
    wait_for(lambda: standby_state(app)["in_use"], "备库追上后重新使用")
    assert visitor.get("/test/where").json() == {"standby": True}
    assert shown(visitor, 901)  # replayed


def test_a_caller_who_wrote_reads_its_write_at_once(app, cluster):
    writer, visitor = client_of(app, headers=DEPT), client_of(app)
    with paused(cluster):
        res = submit(writer, [penalty(902)])
        assert res.status_code == 201
        cookie = res.cookies.get(LSN_COOKIE)
        assert cookie
        assert not shown(visitor, 902)  # the standby, paused, within the bound
        assert shown(writer, 902)  # the writer: the primary
        # By the cookie alone (a browser: no credential this process remembers) ...
        browser = client_of(app, cookies={LSN_COOKIE: cookie})
        assert shown(browser, 902)
        assert browser.get("/test/where").json() == {"standby": False}
        # ... and by the credential alone (an API client that keeps no cookies).
        api = client_of(app, headers=DEPT)
        assert shown(api, 902)
        assert not shown(visitor, 902)  # still the standby for everyone else
        assert standby_state(app)["in_use"]
    cluster.primary.wait_caught_up()
    # Once the standby has replayed the write, the writer reads there again.
    wait_for(lambda: writer.get("/test/where").json() == {"standby": True}, "写入者在备库追上后回到备库")
    assert shown(writer, 902)


def test_a_stopped_standby_is_skipped_and_used_again_when_back(app, cluster):
    visitor = client_of(app)
    assert visitor.get("/test/where").json() == {"standby": True}
    cluster.standby.stop()
    wait_for(lambda: standby_state(app)["problem"] == "unreachable", "发现备库无法连接")
    for path in ("/", "/public/records", "/public/lists", "/api/v1/public/lists"):
        assert visitor.get(path).status_code == 200, path
    assert visitor.get("/test/where").json() == {"standby": False}
    assert not standby_state(app)["in_use"]
    cluster.standby.start()
    wait_for(lambda: standby_state(app)["in_use"], "备库重新启动后重新使用")
    before = standby_state(app)["reads"]
    assert visitor.get("/public/records").status_code == 200
    assert visitor.get("/test/where").json() == {"standby": True}
    assert standby_state(app)["reads"] == before + 2


def test_a_standby_gone_since_the_last_check_costs_no_request_an_error(cluster, tmp_path, keys):
    """The monitor checks once a minute here: the requests meet the stopped standby first."""
    if not cluster.standby.running:
        cluster.standby.start()
    cluster.standby.resume_replay()
    cluster.primary.wait_caught_up()
    app = make_app(cluster, tmp_path, keys, replica_check_seconds=60)
    with TestClient(app):
        visitor = client_of(app)
        assert visitor.get("/public/records").status_code == 200
        assert visitor.get("/test/where").json() == {"standby": True}  # pooled connections now
        cluster.standby.stop()
        try:
            for path in ("/public/records", "/", "/public/lists", "/api/v1/public/records"):
                assert visitor.get(path).status_code == 200, path
            assert visitor.get("/test/where").json() == {"standby": False}
            state = standby_state(app)
            assert state["problem"] == "unreachable" and state["fallbacks"] == 1
        finally:
            cluster.standby.start()
        app.state.replicas.check()
        assert visitor.get("/test/where").json() == {"standby": True}


def test_a_file_view_reads_on_the_standby_and_logs_on_the_primary(app, cluster):
    writer, operator = client_of(app, headers=DEPT), client_of(app, headers=OPERATOR)
    assert submit(writer, [penalty(903)]).status_code == 201
    caught_up(app, cluster)

    def view() -> int:
        """The matters the operator's view of the person's file shows, and its access-log entry on the primary."""
        logged = cluster.primary.query("SELECT count(*) FROM access_log", "chengxin")
        res = operator.post("/api/v1/files/query", json={"id_number": cid(903), "purpose": "核实"})
        assert res.status_code == 200, res.text
        # Committed on the primary before the answer came back (the standby is paused: not from there).
        assert cluster.primary.query("SELECT count(*) FROM access_log", "chengxin") == logged + 1
        assert LSN_COOKIE not in res.cookies  # its log is no reason to read on the primary next
        return len(matters_of(res.json()))

    standby_then_primary(app, cluster, writer, 903, view)


def test_the_persons_own_file_reads_on_the_standby_and_logs_on_the_primary(app, cluster, keys, tmp_path):
    writer, person = person_with_a_penalty(app, cluster, keys, tmp_path, 905)

    def logged() -> int:
        return cluster.primary.query("SELECT count(*) FROM access_log WHERE action = 'own_view'", "chengxin")

    with paused(cluster):
        second = penalty(905, source_record_id="SCJG-2026-905B", fields={"decision_no": "京朝市监罚〔2026〕9051号"})
        assert submit(writer, [second]).status_code == 201
        before, entries = standby_state(app)["reads"], logged()
        page = person.get("/me/file")
        assert page.status_code == 200 and "9051号" not in page.text
        assert len(matters_of(person.get("/api/v1/me/file").json())) == 1  # as the standby has it
        assert standby_state(app)["reads"] == before + 2 and logged() == entries + 2
        wait_for(lambda: not standby_state(app)["in_use"], "发现备库延迟超过上限", timeout=MAX_LAG + 5)
        assert len(matters_of(person.get("/api/v1/me/file").json())) == 2  # the primary
        page = person.get("/me/file")
        assert page.status_code == 200 and "9051号" in page.text
        assert logged() == entries + 4


def test_a_batch_check_reads_on_the_standby_and_records_on_the_primary(app, cluster):
    court, checker = client_of(app, headers=COURT), client_of(app, headers=HR)
    assert submit(court, [court_case(911)], headers=COURT).json()["created"] == 1
    caught_up(app, cluster)

    def batch(*numbers: int) -> tuple[list[str], str]:
        res = checker.post("/api/v1/checks/batch", json={
            "scenario": "civil_service_recruitment", "department": "human_resources", "purpose": "招录资格审查",
            "identifiers": [cid(n) for n in numbers]})
        assert res.status_code == 200, res.text
        *rows, summary = [json.loads(line) for line in res.text.splitlines()]
        return [r["decision"] for r in rows], summary["summary"]["batch_id"]

    with paused(cluster):
        assert submit(court, [court_case(912)], headers=COURT).json()["created"] == 1  # on the primary only
        before = standby_state(app)["reads"]
        logged = cluster.primary.query("SELECT count(*) FROM access_log WHERE action = 'batch_check'", "chengxin")
        decisions, batch_id = batch(911, 912)
        # Read and decided on the standby (which has the first case, not the second) ...
        assert decisions == ["block", "clear"]
        assert standby_state(app)["reads"] == before + 1
        # ... and recorded on the primary, checks and access-log entries, before the answer ended.
        assert cluster.primary.query(f"SELECT count(*) FROM checks WHERE batch_id = '{batch_id}'", "chengxin") == 2
        assert cluster.primary.query(
            "SELECT count(*) FROM access_log WHERE action = 'batch_check'", "chengxin") == logged + 2
        wait_for(lambda: not standby_state(app)["in_use"], "发现备库延迟超过上限", timeout=MAX_LAG + 5)
        assert batch(912)[0] == ["block"]  # the standby is behind the bound: read on the primary
        assert standby_state(app)["reads"] == before + 1


def test_a_report_reads_its_content_on_the_standby_and_registers_on_the_primary(app, cluster, keys, tmp_path):
    writer, person = person_with_a_penalty(app, cluster, keys, tmp_path, 915)

    def report() -> int:
        """The matters the person's own report counts, as registered on the primary with its log entry."""
        logged = cluster.primary.query("SELECT count(*) FROM access_log WHERE action = 'report'", "chengxin")
        res = person.post("/api/v1/me/reports", json={"variant": "self"})
        assert res.status_code == 200 and res.content.startswith(b"%PDF"), res.text[:300]
        number = res.headers["X-Report-Number"]
        assert cluster.primary.query("SELECT count(*) FROM access_log WHERE action = 'report'",
                                     "chengxin") == logged + 1
        assert LSN_COOKIE not in res.cookies  # the register is no reason to read on the primary next
        return cluster.primary.query(f"SELECT matters FROM reports WHERE number = '{number}'", "chengxin")

    standby_then_primary(app, cluster, writer, 915, report)
