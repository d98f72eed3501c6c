"""The office's classification (分类管理): every opted-in person's grade under a model, counted by
grade and by region, sex and age group only, with a bias check, and compared with the model in
force before a new one is published. Runs in the background (the jobs), a page of persons at a
time, its progress kept on the run; no person's score is stored anywhere.

The figures of a run are counts: `cells` maps "grade|region|sex|age group" to persons, `moves`
(when a draft is compared with the model in force) maps "grade in force>grade of the draft"."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from chengxin import ids
from chengxin.catalog.rules import Catalog
from chengxin.clock import utcnow
from chengxin.db import unit_of_work
from chengxin.editions import rules as edition_rules
from chengxin.errors import DomainError
from chengxin.heap import fewer_collections
from chengxin.points import repository as repo
from chengxin.points.models import PointsRun
from chengxin.points.rules import PointsModel, is_minor, score_of
from chengxin.publicity.rules import Tier, add_months

log = logging.getLogger("chengxin.points")

PAGE = 20_000  # persons read and graded together
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


def run_queued(factory: sessionmaker[Session], catalog: Catalog, tiers: dict[str, Tier]) -> int:
    """Compute the queued runs (the jobs call this); returns how many ran."""
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
            compute(factory, run_id, catalog, tiers)
        except Exception as exc:  # the run says it failed; the jobs go on
            log.error("points run %s failed: %s", run_id, type(exc).__name__)
            with unit_of_work(factory) as session:
                failed = session.get(PointsRun, run_id)
                if failed is not None:
                    failed.status, failed.error, failed.finished_at = "failed", type(exc).__name__, utcnow()
        ran += 1


def compute(factory: sessionmaker[Session], run_id: str, catalog: Catalog, tiers: dict[str, Tier],
            page: int = PAGE) -> None:
    """Grade every opted-in person a page at a time, keeping the progress on the run."""
    with factory() as session:
        run = session.get(PointsRun, run_id)
        if run is None:
            return
        model = edition_rules.parse_points_text(run.model_text, catalog)
        other = edition_rules.parse_points_text(run.compare_text, catalog) if run.compare_text else None
        as_of = run.as_of
    cells: Counter[str] = Counter()
    moves: Counter[str] = Counter()
    groups: dict[date | None, str | None] = {}  # birth date -> age group, None for a minor
    done = 0
    with fewer_collections():  # a page's rows all live until it is graded (see chengxin.heap)
        for persons, matters in _pages(factory, page):
            for key, birth, sex, region in persons:
                age = groups.get(birth, "")
                if age == "":
                    age = groups[birth] = None if is_minor(birth, as_of) else age_group(birth, as_of)
                if age is None:
                    continue  # R18: never a grade for a minor, whatever the consent says
                rows = matters.get(key, ())
                grade = model.grade_of(score_of(model, rows, as_of, tiers)).code
                cells[f"{grade}|{region or UNKNOWN}|{SEX_LABELS.get(sex or '', UNKNOWN)}|{age}"] += 1
                if other is not None:
                    moves[f"{other.grade_of(score_of(other, rows, as_of, tiers)).code}>{grade}"] += 1
            done += len(persons)
            with unit_of_work(factory) as session:
                run = session.get(PointsRun, run_id)
                if run is not None:
                    run.done = done
    with unit_of_work(factory) as session:
        run = session.get(PointsRun, run_id)
        if run is not None:
            run.done, run.total = done, max(run.total, done)
            run.cells, run.moves = dict(cells), dict(moves) if other is not None else None
            run.status, run.finished_at = "done", utcnow()


def _pages(factory: sessionmaker[Session], page: int) -> Iterator[tuple[list[Any], dict[str, list[Any]]]]:
    """The opted-in persons a page at a time with their own matters, the next page read by a thread
    of its own while this one grades the current (the database works on the other core)."""
    def read(after: str) -> tuple[list[Any], dict[str, list[Any]]]:
        with factory() as session:
            persons = repo.consenting_page(session, after, page)
            return persons, repo.own_matters(session, [p[0] for p in persons]) if persons else {}

    with ThreadPoolExecutor(1, thread_name_prefix="points-read") as pool:
        ahead = pool.submit(read, "")
        while True:
            persons, matters = ahead.result()
            if not persons:
                return
            ahead = pool.submit(read, persons[-1][0])
            yield persons, matters


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
