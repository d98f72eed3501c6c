"""Pure edition rules: a YAML text becomes a catalog or a measure list through the same validators
as the packaged files, or a clear error."""

from __future__ import annotations

from importlib import resources

import yaml

from chengxin.catalog.rules import Catalog, CatalogError, parse_catalog
from chengxin.errors import DomainError
from chengxin.points.rules import PointsError, PointsModel, parse_model
from chengxin.sanctions.measures import MeasureError, MeasureList, parse_measures

KINDS = {"catalog": "公共信用信息目录", "measures": "联合奖惩措施清单", "points": "诚信积分模型"}
PACKAGED = {"catalog": ("chengxin.catalog", "catalog.yaml"), "measures": ("chengxin.sanctions", "measures.yaml"),
            "points": ("chengxin.points", "model.yaml")}
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def packaged_text(kind: str) -> str:
    package, name = PACKAGED[kind]
    return resources.files(package).joinpath(name).read_text("utf-8")


def _document(text: str) -> object:
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        raise DomainError("EDITION_INVALID", f"不是合法的 YAML：{exc}", 422) from exc


def parse_catalog_text(text: str) -> Catalog:
    try:
        return parse_catalog(_document(text))  # type: ignore[arg-type]
    except CatalogError as exc:
        raise DomainError("EDITION_INVALID", f"目录未通过校验：{exc}", 422) from exc


def parse_measures_text(text: str, catalog: Catalog, grades: tuple[str, ...]) -> MeasureList:
    try:
        return parse_measures(_document(text), departments=catalog.departments,  # type: ignore[arg-type]
                              domains=catalog.domains, items=catalog.items, grades=grades)
    except MeasureError as exc:
        raise DomainError("EDITION_INVALID", f"措施清单未通过校验：{exc}", 422) from exc


def parse_points_text(text: str, catalog: Catalog) -> PointsModel:
    try:
        return parse_model(_document(text), catalog)
    except PointsError as exc:
        raise DomainError("EDITION_INVALID", f"积分模型未通过校验：{exc}", 422) from exc
