"""The catalog, the integrity-points model and the measure list in force: the newest edition the credit
office published, else the packaged YAML. A new edition is validated like the packaged files before it is
kept; a catalog edition must keep every item the points model and the measures in force name, a points
model every grade the measures name."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from chengxin.catalog.rules import Catalog, default_catalog
from chengxin.clock import utcnow
from chengxin.editions import repository as repo
from chengxin.editions import rules
from chengxin.editions.models import DataEdition
from chengxin.errors import DomainError
from chengxin.generations import repository as generations
from chengxin.points.rules import PointsModel, default_model
from chengxin.sanctions.measures import MeasureList, default_measures


@lru_cache(maxsize=8)
def _catalog(text: str) -> Catalog:
    return rules.parse_catalog_text(text)


_MEASURES: dict[tuple[str, str, tuple[str, ...]], MeasureList] = {}
_POINTS: dict[tuple[str, str], PointsModel] = {}


def _measures(text: str, catalog: Catalog, grades: tuple[str, ...]) -> MeasureList:
    """Parsed once per (text, catalog version, grades): each edition's version is unique."""
    key = (text, catalog.version, grades)
    if key not in _MEASURES:
        if len(_MEASURES) > 16:
            _MEASURES.clear()
        _MEASURES[key] = rules.parse_measures_text(text, catalog, grades)
    return _MEASURES[key]


def _points(text: str, catalog: Catalog) -> PointsModel:
    key = (text, catalog.version)
    if key not in _POINTS:
        if len(_POINTS) > 16:
            _POINTS.clear()
        _POINTS[key] = rules.parse_points_text(text, catalog)
    return _POINTS[key]


def current(session: Session) -> tuple[Catalog, MeasureList]:
    """The catalog and measure list in force (the measures' grades are those of the points model in force)."""
    catalog, _, measures = in_force(session)
    return catalog, measures


def in_force(session: Session) -> tuple[Catalog, PointsModel, MeasureList]:
    """The catalog, the integrity-points model and the measure list in force."""
    cat_row, pts_row, mea_row = (repo.latest(session, k) for k in ("catalog", "points", "measures"))
    catalog = _catalog(cat_row.content) if cat_row else default_catalog()
    if pts_row is None and cat_row is None:
        points = default_model()
    else:
        points = _points(pts_row.content if pts_row else rules.packaged_text("points"), catalog)
    if mea_row is None and cat_row is None and pts_row is None:
        return catalog, points, default_measures()
    text = mea_row.content if mea_row else rules.packaged_text("measures")
    return catalog, points, _measures(text, catalog, points.grade_codes)


def points_model(session: Session) -> PointsModel:
    """The integrity-points model in force."""
    return in_force(session)[1]


def current_or_packaged(factory: sessionmaker[Session]) -> tuple[Catalog, MeasureList]:
    """`current`, or the packaged data when the database has no editions table yet (not upgraded)."""
    catalog, _, measures = in_force_or_packaged(factory)
    return catalog, measures


def in_force_or_packaged(factory: sessionmaker[Session]) -> tuple[Catalog, PointsModel, MeasureList]:
    """`in_force`, or the packaged data when the database has no editions table yet (not upgraded)."""
    try:
        with factory() as session:
            return in_force(session)
    except DBAPIError:
        return default_catalog(), default_model(), default_measures()


def text_in_force(session: Session, kind: str) -> tuple[str, str]:
    """(version, YAML text) of the edition in force, the packaged one when none was published."""
    row = repo.latest(session, kind)
    if row is not None:
        return row.version, row.content
    packaged = {"catalog": default_catalog().version, "measures": default_measures().version,
                "points": default_model().version}[kind]
    return packaged, rules.packaged_text(kind)


def publish(session: Session, kind: str, content: str, change_note: str, author: str,
            now: datetime | None = None) -> tuple[DataEdition, Catalog, MeasureList]:
    """Validate and keep a new edition; returns it with the catalog and measures then in force."""
    note = " ".join((change_note or "").split())
    if len(note) < 4:
        raise DomainError("EDITION_NOTE_REQUIRED", "请写明修订说明（至少 4 个字）", 422)
    version, catalog, measures = check(session, kind, content)
    row = DataEdition(kind=kind, version=version, content=content, change_note=note, author=author,
                      created_at=now or utcnow())
    session.add(row)
    generations.bump(session, generations.EDITIONS)  # every serving process reloads what is in force
    session.flush()
    return row, catalog, measures


def check(session: Session, kind: str, content: str) -> tuple[str, Catalog, MeasureList]:
    """Validate a new edition without keeping it (the first step of publishing): its version, and the
    catalog and measures that would then be in force; or the error that would refuse it."""
    if kind not in rules.KINDS:
        raise DomainError("EDITION_KIND", "只能编辑目录（catalog）、措施清单（measures）或积分模型（points）", 422)
    catalog, points, measures = in_force(session)
    _, measures_text = text_in_force(session, "measures")
    if kind == "catalog":
        new_catalog = rules.parse_catalog_text(content)
        version = new_catalog.version
        try:  # the grades do not depend on the catalog
            measures = rules.parse_measures_text(measures_text, new_catalog, points.grade_codes)
        except DomainError as err:
            raise DomainError("EDITION_BREAKS_MEASURES", f"新目录与现行措施清单不一致：{err.message}", 422) from err
        _, points_text = text_in_force(session, "points")
        try:
            points = rules.parse_points_text(points_text, new_catalog)
        except DomainError as err:
            raise DomainError("EDITION_BREAKS_POINTS", f"新目录与现行积分模型不一致：{err.message}", 422) from err
        catalog = new_catalog
    elif kind == "points":
        points = rules.parse_points_text(content, catalog)
        version = points.version
        try:
            measures = rules.parse_measures_text(measures_text, catalog, points.grade_codes)
        except DomainError as err:
            raise DomainError("EDITION_BREAKS_MEASURES", f"新积分模型与现行措施清单不一致：{err.message}", 422) from err
    else:
        measures = rules.parse_measures_text(content, catalog, points.grade_codes)
        version = measures.version
    in_force_version, _ = text_in_force(session, kind)
    if version == in_force_version or repo.get(session, kind, version) is not None:
        raise DomainError("EDITION_VERSION_EXISTS", f"版本号 {version} 已经使用过，请在 YAML 中写一个新的 version", 409)
    return version, catalog, measures
