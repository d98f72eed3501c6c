"""The office's classification (分类管理): every opted-in person's grade under a model, counted by
grade and by region, sex and age group only, with a bias check, and compared with the model in
force before a new one is published. Runs in the background (the jobs), a page of persons at a
time, its progress kept on the run; no person's score is stored anywhere.

The figures of a run are counts: `cells` maps "grade|region|sex|age group" to persons, `moves`
(when a draft is compared with the model in force) maps "grade in force>grade of the draft"."""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date
from itertools import groupby
from operator import itemgetter

from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from chengxin import ids
from chengxin.clock import utcnow
from chengxin.db import make_engine, make_sessionmaker, unit_of_work
from chengxin.editions import rules as edition_rules
from chengxin.errors import DomainError
from chengxin.heap import fewer_collections
from chengxin.points import repository as repo
from chengxin.points.models import PointsRun
from chengxin.points.rules import Memo, PointsModel, is_minor, score_of
from chengxin.publicity.rules import Tier, add_months, default_tiers

log = logging.getLogger("chengxin.points")

PAGE = 20_000  # persons graded between two updates of the run's progress
AGE_GROUPS = ((18, "18-29 岁"), (30, "30-39 岁"), (40, "40-49 岁"), (50, "50-59 岁"), (60, "60 岁及以上"))
UNKNOWN = "未登记"
SEX_LABELS = {"male": "男", "female": "女"}
# The bias check: a group of at least this many persons whose share of the grades that unlock
# incentives differs from everyone's by this many percentage points or more is shown for a look.
MIN_GROUP = 30
GAP_POINTS = 10.0


def age_group(birth: date | None, as_of: date) -> str:
    if birth is None:
        return UNKNOWN
    label = UNKNOWN
    for years, name in AGE_GROUPS:
        if as_of >= add_months(birth, 12 * years):
            label = name
    return label


def start(session: Session, *, model: PointsModel, model_text: str, compare_text: str | None, as_of: date,
          by: str) -> PointsRun:
    """Queue a run (the jobs pick it up); one at a time."""
    busy = session.scalar(select(PointsRun.id).where(PointsRun.status.in_(("queued", "running"))))
    if busy is not None:
        raise DomainError("POINTS_RUN_BUSY", "已有一次分级计算在排队或进行中，请等它完成后再发起", 409)
    run = PointsRun(id=ids.new_id(), model_version=model.version, model_text=model_text, compare_text=compare_text,
                    as_of=as_of, status="queued", total=repo.count_consents(session), done=0, cells=None,
                    moves=None, started_at=utcnow(), started_by=by)
    session.add(run)
    session.flush()
    return run


def run_queued(factory: sessionmaker[Session], catalog_text: str, tiers: dict[str, Tier]) -> int:
    """Compute the queued runs (the jobs call this with the catalog in force); returns how many ran."""
    ran = 0
    while True:
        with unit_of_work(factory) as session:
            run = session.scalar(select(PointsRun).where(PointsRun.status == "queued")
                                 .order_by(PointsRun.started_at).limit(1))
            if run is None:
                return ran
            run.status = "running"
            run_id = run.id
        try:
            compute(factory, run_id, catalog_text, tiers)
        except Exception as exc:  # the run says it failed; the jobs go on
            log.error("points run %s failed: %s", run_id, type(exc).__name__, exc_info=True)
            with unit_of_work(factory) as session:
                failed = session.get(PointsRun, run_id)
                if failed is not None:
                    failed.status, failed.error, failed.finished_at = "failed", type(exc).__name__, utcnow()
        ran += 1


Cells = Counter[tuple[str, str, str, str]]  # (grade, region, sex, age group) -> persons
Moves = Counter[tuple[str, str]]  # (grade in force, grade of the draft) -> persons


def workers_for(factory: sessionmaker[Session]) -> int:
    """Processes grading a run: as many as cores (up to four), each reading a range of person keys on
    connections of its own; one when sessions share one connection (as in tests)."""
    return min(4, os.cpu_count() or 1) if isinstance(factory.kw.get("bind"), Engine) else 1


def compute(factory: sessionmaker[Session], run_id: str, catalog_text: str, tiers: dict[str, Tier],
            page: int = PAGE, workers: int | None = None) -> None:
    """Grade every opted-in person, keeping the progress on the run. The persons are split by key
    into ranges graded by processes of their own (Python grades one person at a time: one core per
    process); each adds to the run's progress as it goes; the counts are summed here."""
    with factory() as session:
        run = session.get(PointsRun, run_id)
        if run is None:
            return
        job = _Job(catalog_text, run.model_text, run.compare_text, run.as_of, run_id, page)
    n = workers if workers is not None else workers_for(factory)
    cells: Cells = Counter()
    moves: Moves = Counter()
    if n <= 1:
        got_cells, got_moves = _grade(factory, job, "", None, tiers)
        cells.update(got_cells)
        moves.update(got_moves)
    else:
        url = factory.kw["bind"].url.render_as_string(hide_password=False)
        bounds = ["", *(f"{16 * i // n:x}" for i in range(1, n)), None]
        with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("spawn")) as pool:
            parts = [pool.submit(_grade_range, url, job, bounds[i], bounds[i + 1]) for i in range(n)]
            for part in parts:
                got_cells, got_moves = part.result()
                cells.update(got_cells)
                moves.update(got_moves)
    with unit_of_work(factory) as session:
        run = session.get(PointsRun, run_id)
        if run is not None:
            run.total = max(run.total, run.done)
            run.cells = {"|".join(k): v for k, v in cells.items()}
            run.moves = {f"{a}>{b}": v for (a, b), v in moves.items()} if job.compare_text else None
            run.status, run.finished_at = "done", utcnow()


@dataclass(frozen=True)
class _Job:
    catalog_text: str
    model_text: str
    compare_text: str | None
    as_of: date
    run_id: str
    page: int


def _grade_range(url: str, job: _Job, after: str, before: str | None) -> tuple[Cells, Moves]:
    """A worker process: grade the persons with keys in (after, before)."""
    engine = make_engine(url)
    try:
        return _grade(make_sessionmaker(engine), job, after, before, default_tiers())
    finally:
        engine.dispose()


def _grade(factory: sessionmaker[Session], job: _Job, after: str, before: str | None,
           tiers: dict[str, Tier]) -> tuple[Cells, Moves]:
    catalog = edition_rules.parse_catalog_text(job.catalog_text)
    model = edition_rules.parse_points_text(job.model_text, catalog)
    other = edition_rules.parse_points_text(job.compare_text, catalog) if job.compare_text else None
    as_of = job.as_of
    cells: Cells = Counter()
    moves: Moves = Counter()
    groups: dict[date | None, str | None] = {}  # birth date -> age group, None for a minor
    sexes = {**SEX_LABELS, None: UNKNOWN}
    grade_of, other_grade_of = model.grade_of, other.grade_of if other else None
    memo: Memo = {}  # one per model (the day and tiers are the run's)
    other_memo: Memo = {}
    done = 0

    def progress(n: int) -> None:
        with unit_of_work(factory) as session:
            session.execute(update(PointsRun).where(PointsRun.id == job.run_id).values(done=PointsRun.done + n))

    with factory() as reading, fewer_collections():  # the rows of a person live until graded (chengxin.heap)
        for _, group in groupby(repo.graded_rows(reading, after, before), key=itemgetter(0)):
            matters = list(group)
            person = matters[0]
            birth = person[repo.BIRTH]
            if person[1] is None:
                matters = []  # no matter: the row only carries the person
            done += 1
            if done % job.page == 0:
                progress(job.page)
            age = groups.get(birth, "")
            if age == "":
                age = groups[birth] = None if is_minor(birth, as_of) else age_group(birth, as_of)
            if age is None:
                continue  # R18: never a grade for a minor, whatever the consent says
            grade = grade_of(score_of(model, matters, as_of, tiers, memo)).code
            cells[(grade, person[repo.REGION] or UNKNOWN, sexes.get(person[repo.SEX], UNKNOWN), age)] += 1
            if other_grade_of is not None:
                moves[(other_grade_of(score_of(other, matters, as_of, tiers, other_memo)).code,  # type: ignore[arg-type]
                       grade)] += 1
    progress(done % job.page)
    return cells, moves


# --- reading a run ------------------------------------------------------------------------------

@dataclass(frozen=True)
class GroupRow:
    dimension: str  # 地区 | 性别 | 年龄
    group: str
    persons: int
    shares: dict[str, float]  # grade -> percent of the group
    unlocking: float  # percent in the grades that unlock an incentive
    gap: float  # unlocking minus everyone's, in percentage points
    flagged: bool


@dataclass(frozen=True)
class Distribution:
    persons: int
    by_grade: dict[str, int]
    unlocking: float
    groups: tuple[GroupRow, ...]


def distribution(cells: dict[str, int], grades: tuple[str, ...], unlocking: tuple[str, ...]) -> Distribution:
    """Shares of each grade overall and per region, sex and age group, and the groups that stand out."""
    by_grade: Counter[str] = Counter()
    groups: dict[tuple[str, str], Counter[str]] = {}
    for key, n in cells.items():
        grade, region, sex, age = key.split("|")
        by_grade[grade] += n
        for dimension, group in (("地区", region), ("性别", sex), ("年龄", age)):
            groups.setdefault((dimension, group), Counter())[grade] += n
    total = sum(by_grade.values())
    overall = 100 * sum(by_grade[g] for g in unlocking) / total if total else 0.0
    rows = []
    for (dimension, group), counts in sorted(groups.items()):
        n = sum(counts.values())
        share = 100 * sum(counts[g] for g in unlocking) / n
        rows.append(GroupRow(dimension, group, n, {g: 100 * counts[g] / n for g in grades}, share, share - overall,
                             n >= MIN_GROUP and abs(share - overall) >= GAP_POINTS))
    return Distribution(total, {g: by_grade[g] for g in grades}, overall, tuple(rows))
