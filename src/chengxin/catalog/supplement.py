"""A county or city supplement (地方补充目录) layered on the national base catalog.

淮南's plan has each county make its own catalog and push it up: a supplement names its region and
the base version it builds on, and may only add (domains, occupations, departments, items) or
narrow an item's disclosure (public → government → authorised). It can never widen R3: its items
pass the same load-time checks as the base's (no forbidden kinds, consent-only data only where
consent is declared), and it cannot change what the base collects. `layer` gives the catalog in
force (base + supplement) and the difference, which the supplement page shows and exports.

The setting CHENGXIN_CATALOG_SUPPLEMENT points at the file; without it the base is in force alone."""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from chengxin.catalog.rules import Catalog, CatalogError, CatalogItem, _code_names, _departments, _item
from chengxin.datafiles import read_yaml
from chengxin.errors import DomainError

_KEYS = {"region", "base_version", "version", "effective_date", "changes", "domains", "occupations", "departments",
         "items", "narrowed"}
_REQUIRED = ("region", "base_version", "version", "effective_date")
DISCLOSURE_RANK = {"public": 0, "government": 1, "authorised": 2}  # later is narrower


@dataclass(frozen=True, slots=True)
class Narrowed:
    code: str
    name: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class Supplement:
    """What a supplement adds to and narrows in its base: the difference shown and pushed up."""

    region_code: str
    region_name: str
    base_version: str
    version: str
    effective_date: date
    changes: str
    domains: Mapping[str, str]
    occupations: Mapping[str, str]
    departments: Mapping[str, str]
    items: tuple[CatalogItem, ...]
    narrowed: tuple[Narrowed, ...]
    text: str  # the document as pushed up (canonical YAML)

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()


def _added(doc: Mapping[str, Any], key: str, what: str, base: Mapping[str, str]) -> dict[str, str]:
    if not doc.get(key):
        return {}
    found = _code_names(doc, key, what)
    clash = sorted(set(found) & set(base))
    if clash:
        raise CatalogError(f"补充目录：{what}编码 {clash} 已在基础目录中，补充目录只能新增")
    return found


def layer(base: Catalog, doc: Any) -> tuple[Catalog, Supplement]:
    """The catalog in force (base + supplement) and the supplement's difference, or CatalogError."""
    if not isinstance(doc, Mapping):
        raise CatalogError("补充目录的顶层必须是映射")
    unknown, missing = sorted(set(doc) - _KEYS), [k for k in _REQUIRED if doc.get(k) is None]
    if unknown or missing:
        raise CatalogError(f"补充目录结构不对：缺少 {missing}，多余 {unknown}")
    region = doc["region"]
    if not isinstance(region, Mapping) or set(region) != {"code", "name"} or len(str(region["code"])) != 6:
        raise CatalogError("补充目录：region 应写明 6 位行政区划代码 code 和名称 name")
    if str(doc["base_version"]) != base.version:
        raise CatalogError(f"补充目录基于目录 {doc['base_version']} 版，而现行基础目录是 {base.version} 版，"
                           "请按现行版本修订")
    version = str(doc["version"])
    if not 0 < len(version) <= 16:
        raise CatalogError("补充目录：version 须为 1 至 16 个字符（记录逐条保存所依据的目录版本）")
    effective = doc["effective_date"]
    if isinstance(effective, str):
        effective = date.fromisoformat(effective)
    if not isinstance(effective, date) or isinstance(effective, datetime):
        raise CatalogError("补充目录：effective_date 必须是日期")
    domains = _added(doc, "domains", "领域", base.domains)
    occupations = _added(doc, "occupations", "职业人群", base.occupations)
    departments: dict[str, str] = {}
    defaults: dict[str, str] = {}
    if doc.get("departments"):
        departments, defaults = _departments(doc, {**base.domains, **domains})
        clash = sorted(set(departments) & set(base.departments))
        if clash:
            raise CatalogError(f"补充目录：部门编码 {clash} 已在基础目录中，补充目录只能新增")
    shell = dataclasses.replace(
        base, domains=MappingProxyType({**base.domains, **domains}),
        occupations=MappingProxyType({**base.occupations, **occupations}),
        departments=MappingProxyType({**base.departments, **departments}), items=MappingProxyType({}),
        department_domains=MappingProxyType({**base.department_domains, **defaults}))
    items = dict(base.items)
    added = []
    for i, entry in enumerate(doc.get("items") or ()):
        item = _item(entry, i, shell)  # the base's checks, R3 included
        if item.code in items:
            raise CatalogError(f"补充目录：信息项编码 {item.code} 已在基础目录中，补充目录只能新增信息项")
        items[item.code] = item
        added.append(item)
    names = [i.name for i in items.values()]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise CatalogError(f"补充目录：信息项名称 {dup} 与基础目录重复")
    narrowed = []
    for entry in doc.get("narrowed") or ():
        if not isinstance(entry, Mapping) or set(entry) != {"code", "disclosure"}:
            raise CatalogError("补充目录：narrowed 每项应只有 code 和 disclosure（只能收窄公开方式）")
        item = base.items.get(entry["code"])
        if item is None:
            raise CatalogError(f"补充目录：基础目录中没有信息项 {entry['code']!r}")
        after = entry["disclosure"]
        if after not in DISCLOSURE_RANK or DISCLOSURE_RANK[after] <= DISCLOSURE_RANK[item.disclosure]:
            raise CatalogError(f"补充目录：信息项 {item.code} 的公开方式只能收窄（{item.disclosure} 之后），"
                               f"不能改为 {after!r}")
        items[item.code] = dataclasses.replace(item, disclosure=after)
        narrowed.append(Narrowed(item.code, item.name, item.disclosure, after))
    changes = str(doc.get("changes") or "").strip()
    layered = Catalog(version=version, effective_date=effective, changes=changes or base.changes,
                      categories=base.categories, domains=shell.domains, occupations=shell.occupations,
                      departments=shell.departments, items=MappingProxyType(items),
                      department_domains=shell.department_domains)
    text = yaml.safe_dump(dict(doc), allow_unicode=True, sort_keys=False, default_flow_style=None)
    return layered, Supplement(str(region["code"]), str(region["name"]), base.version, version, effective, changes,
                               MappingProxyType(domains), MappingProxyType(occupations),
                               MappingProxyType(departments), tuple(added), tuple(narrowed), text)


def load(base: Catalog, path: Path) -> tuple[Catalog, Supplement]:
    return layer(base, read_yaml("chengxin.catalog", "", path, CatalogError))


def in_force(state: Any, catalog: Catalog) -> Catalog:
    """`catalog` with the configured supplement layered on (for wherever the app sets its catalog).

    A base edition the supplement no longer fits (another base version, an item code it now uses)
    is refused in the same request that would publish it: the county revises its supplement first."""
    path = getattr(state.settings, "catalog_supplement", None)
    if path is None:
        state.supplement = None
        return catalog
    try:
        layered, state.supplement = load(catalog, path)
    except CatalogError as err:
        raise DomainError("CATALOG_SUPPLEMENT_INVALID", f"本地补充目录与基础目录不符：{err}", 409) from err
    return layered
