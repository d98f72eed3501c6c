"""The office's classification: grades of every opted-in adult counted by region, sex and age group,
a group that stands out flagged, a draft compared with the model in force person by person; run by
the jobs with its progress on the page; no person's score stored."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from chengxin.clock import today, utcnow
from chengxin.editions import service as editions
from chengxin.jobs import run_once
from chengxin.points import grading
from chengxin.points.models import PointsConsent, PointsRun
from helpers import OPERATOR, as_person, cid, honour, penalty, submit, with_csrf

PAGE = "/console/points"


def opt_in(client, session, settings, keys, n: int) -> None:
    person = as_person(session, settings, keys, cid(n))
    assert client.put("/api/v1/me/points/consent", headers=person).status_code == 200


def post(client, data: dict):
    return client.post(f"{PAGE}/runs", headers=with_csrf(OPERATOR, client), data=data, follow_redirects=False)


def test_age_groups_turn_on_birthdays():
    assert grading.age_group(date(1996, 12, 8), date(2026, 12, 7)) == "18-29 岁"
    assert grading.age_group(date(1996, 12, 7), date(2026, 12, 7)) == "30-39 岁"
    assert grading.age_group(date(1950, 1, 1), date(2026, 12, 7)) == "60 岁及以上"
    assert grading.age_group(None, date(2026, 12, 7)) == "未登记"


def test_the_distribution_shows_each_group_and_flags_one_that_stands_out():
    cells = {"A|110105|男|30-39 岁": 40, "C|110105|女|30-39 岁": 40, "C|320102|男|30-39 岁": 20}
    d = grading.distribution(cells, ("A", "B", "C", "D"), ("A", "B"))
    assert d.persons == 100 and d.by_grade == {"A": 40, "B": 0, "C": 60, "D": 0} and d.unlocking == 40.0
    rows = {(r.dimension, r.group): r for r in d.groups}
    assert rows[("性别", "男")].unlocking == pytest.approx(200 / 3) and rows[("性别", "男")].flagged  # +26.7 points
    assert rows[("性别", "女")].unlocking == 0 and rows[("性别", "女")].flagged
    assert rows[("地区", "110105")].gap == 10.0 and rows[("地区", "110105")].flagged
    assert not rows[("地区", "320102")].flagged  # 20 persons: too few to say


def test_the_office_runs_a_grading_in_the_background_and_compares_a_draft(client, session, factory, settings, keys):
    # Three adults opted in (one grade A, one B, one with a penalty), one who did not.
    assert submit(client, [honour(3001, k) for k in (1, 2, 3)]).status_code == 201  # 750: A
    assert submit(client, [honour(3002, 1), honour(3002, 2)]).status_code == 201  # 700: B
    assert submit(client, [penalty(3003), penalty(3004)]).status_code == 201  # 560: C / not opted in
    for n in (3001, 3002, 3003):
        opt_in(client, session, settings, keys, n)
    page = client.get(PAGE, headers=OPERATOR)
    assert page.status_code == 200 and "开通诚信积分的有 <b>3</b> 人" in page.text
    assert 'href="/console/points"' in client.get("/console/assessment", headers=OPERATOR).text  # reached from there

    assert post(client, {}).status_code == 303
    queued = session.scalar(select(PointsRun))
    assert (queued.status, queued.total, queued.done) == ("queued", 3, 0)
    page = client.get(PAGE, headers=OPERATOR).text
    assert 'id="points-work" data-follow="5"' in page and "排队中" in page and 'value="0" max="3"' in page
    assert "正在计算：已计算 0 / 3 人" in page
    busy = post(client, {})
    assert busy.status_code == 409 and "已有一次分级计算" in busy.text

    assert run_once(factory, keys, settings=settings).points_runs == 1
    session.expire_all()
    run = session.get(PointsRun, queued.id)
    assert (run.status, run.done) == ("done", 3) and sum(run.cells.values()) == 3
    grades = sorted(k.split("|")[0] for k in run.cells for _ in range(run.cells[k]))
    assert grades == ["A", "B", "C"]
    assert all(k.split("|")[2] == "男" and k.split("|")[3] == "40-49 岁" for k in run.cells)  # born 1985-06-15
    page = client.get(PAGE, headers=OPERATOR).text
    assert "data-follow" not in page and "已完成" in page and 'value="3" max="3"' in page
    assert "合计占 <b>66.7%</b>" in page

    # A draft that raises the bar for A: the person at 750 moves to B, person by person.
    _, text = editions.text_in_force(session, "points")
    draft = text.replace('version: "2026.1"', 'version: "2027.1"').replace("min: 720}", "min: 760}")
    bad = post(client, {"draft": draft.replace("points: 10\n", "points: -10\n", 1)})
    assert bad.status_code == 422 and "守信信息，不能扣分" in bad.text and "2027.1" in bad.text  # the draft is kept
    assert post(client, {"draft": draft}).status_code == 303
    assert run_once(factory, keys, settings=settings).points_runs == 1
    session.expire_all()
    compared = session.scalars(select(PointsRun).where(PointsRun.model_version == "2027.1")).one()
    assert compared.moves == {"A>B": 1, "B>B": 1, "C>C": 1}
    page = client.get(f"{PAGE}?run={compared.id}", headers=OPERATOR).text
    assert "与现行模型（2026.1 版）相比" in page and '<td class="num moved">1</td>' in page
    # Nothing about any person's score was kept: only counts.
    assert session.scalar(select(PointsConsent).where(PointsConsent.person_key == keys.subject_key(
        "citizen_id", cid(3003)))).model_version == "2026.1"
    assert compared.as_of == today()


def test_a_minor_who_somehow_holds_a_consent_is_never_graded(client, session, factory, settings, keys):
    child = cid(3005, born=date(2012, 3, 1))
    assert submit(client, [penalty(3005, id_number=child)]).status_code == 201
    key = keys.subject_key("citizen_id", child)
    # As if the birth date had been corrected after opting in.
    session.add(PointsConsent(person_key=key, opted_in_at=utcnow(), model_version="2026.1"))
    session.flush()
    assert post(client, {}).status_code == 303
    run_once(factory, keys, settings=settings)
    session.expire_all()
    run = session.scalar(select(PointsRun))
    assert run.status == "done" and run.done == 1 and run.cells == {}
    person = as_person(session, settings, keys, child)
    assert client.get("/api/v1/me/points", headers=person).json()["score"] is None


def test_worker_processes_count_exactly_what_one_process_counts(data_dir, keys):
    """As served (an engine of its own): the persons split by key over two processes give the same
    counts and the same progress as one process."""
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from chengxin.db import unit_of_work
    from chengxin.editions.rules import packaged_text
    from chengxin.points.rules import default_model
    from chengxin.publicity.rules import default_tiers
    from helpers import own_database_app

    app, engine, factory = own_database_app(keys, tokens=True)
    try:
        with TestClient(app) as client:
            people = range(3100, 3140)
            rows = [penalty(n) for n in people if n % 3 == 0] + [honour(n, k) for n in people for k in range(n % 4)]
            assert submit(client, rows).status_code == 201
        with unit_of_work(factory) as session:
            session.execute(text("INSERT INTO points_consents (person_key, opted_in_at, model_version) "
                                 "SELECT person_key, :now, '2026.1' FROM persons"), {"now": utcnow()})
        assert grading.workers_for(factory) == min(4, __import__("os").cpu_count() or 1)
        counted = {}
        for workers in (1, 2):
            with unit_of_work(factory) as session:
                run = grading.start(session, model=default_model(), model_text=packaged_text("points"),
                                    compare_text=packaged_text("points"), as_of=today(), by="test")
                run_id = run.id
            grading.compute(factory, run_id, packaged_text("catalog"), default_tiers(), page=7, workers=workers)
            with factory() as session:
                done = session.get(PointsRun, run_id)
                counted[workers] = (done.status, done.done, done.total, done.cells, done.moves)
        assert counted[1] == counted[2]
        status, done, total, cells, moves = counted[2]
        opted = 40 - sum(1 for n in range(3100, 3140) if n % 4 == 0 and n % 3)  # persons with no record: none
        assert status == "done" and done == total == opted == 33 and sum(cells.values()) == opted
        assert {k.split("|")[0] for k in cells} == {"A", "B", "C"} and set(moves) <= {"A>A", "B>B", "C>C"}
    finally:
        with unit_of_work(factory) as session:
            session.execute(text("DELETE FROM points_runs"))
            session.execute(text("DELETE FROM points_consents"))
        engine.dispose()
