"""Collection coverage (归集覆盖): each requirement of the seed policies → the catalog items that meet
it → the departments that submit them → how many records each collected in the period; gaps marked.

The requirements are data (requirements.yaml), checked against the catalog at load: a requirement
naming an item, domain or occupation the catalog does not know is an error, not a silent gap."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from chengxin.catalog.rules import Catalog
from chengxin.datafiles import read_yaml

KINDS = {"domain": "重点领域", "behaviour": "严重失信行为", "occupation": "重点职业人群", "other": "其他"}


class RequirementError(Exception):
    """requirements.yaml is invalid; the message says which entry and why."""


@dataclass(frozen=True, slots=True)
class Requirement:
    code: str
    seed: str
    seed_title: str
    section: str
    quote: str
    kind: str
    domain: str | None
    occupation: str | None
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Cell:
    """One item from one department under a requirement, and its volume in the period."""

    item_code: str
    item_name: str
    department_code: str
    department_name: str
    records: int


@dataclass(frozen=True, slots=True)
class Line:
    """A requirement with the cells that meet it; `gap` when nothing meets it or nothing came in."""

    requirement: Requirement
    label: str  # what the requirement names (the domain's or occupation's name, else the quote)
    cells: tuple[Cell, ...]

    @property
    def records(self) -> int:
        return sum(c.records for c in self.cells)

    @property
    def gap(self) -> str | None:
        if not self.cells:
            return "目录中没有对应的信息项"
        if not self.records:
            return "本期没有部门报送"
        return None


def parse_requirements(doc: Any, catalog: Catalog) -> tuple[Requirement, ...]:
    """Validate the requirements document against the catalog."""
    if not isinstance(doc, Mapping) or set(doc) != {"seeds", "requirements"}:
        raise RequirementError("归集要求文件应只有 seeds 和 requirements 两项")
    seeds = {str(s["code"]): str(s["title"]) for s in doc["seeds"]}
    out: list[Requirement] = []
    seen: set[str] = set()
    for i, e in enumerate(doc["requirements"] or ()):
        where = f"归集要求第 {i + 1} 项"
        if not isinstance(e, Mapping) or not {"code", "seed", "section", "quote", "kind"} <= set(e):
            raise RequirementError(f"{where}：应有 code、seed、section、quote、kind")
        code = str(e["code"])
        if code in seen:
            raise RequirementError(f"归集要求编码 {code} 重复")
        seen.add(code)
        if str(e["seed"]) not in seeds:
            raise RequirementError(f"{code}：未登记的种子文件 {e['seed']!r}")
        if e["kind"] not in KINDS:
            raise RequirementError(f"{code}：kind 应为 {'、'.join(KINDS)}")
        domain, occupation = e.get("domain"), e.get("occupation")
        if domain is not None and domain not in catalog.domains:
            raise RequirementError(f"{code}：目录中没有领域 {domain!r}")
        if occupation is not None and occupation not in catalog.occupations:
            raise RequirementError(f"{code}：目录中没有职业人群 {occupation!r}")
        items = tuple(e.get("items") or ())
        unknown = [c for c in items if c not in catalog.items]
        if unknown:
            raise RequirementError(f"{code}：目录中没有信息项 {unknown}")
        out.append(Requirement(code, str(e["seed"]), seeds[str(e["seed"])], str(e["section"]), str(e["quote"]),
                               e["kind"], domain, occupation, items))
    return tuple(out)


def load_requirements(catalog: Catalog, path: Path | None = None) -> tuple[Requirement, ...]:
    return parse_requirements(read_yaml("chengxin.assessment", "requirements.yaml", path, RequirementError), catalog)


@cache
def _packaged_doc() -> Any:
    return read_yaml("chengxin.assessment", "requirements.yaml", None, RequirementError)


def default_requirements(catalog: Catalog) -> tuple[Requirement, ...]:
    """The packaged requirements, checked against `catalog` (the current edition may differ from the
    packaged one; fifty entries check in well under a millisecond)."""
    return parse_requirements(_packaged_doc(), catalog)


def lines(catalog: Catalog, requirements: Iterable[Requirement],
          volumes: Iterable[tuple[str, str, str | None, int]]) -> list[Line]:
    """The coverage lines from the period's volumes: (item, department, record domain, count).

    A domain requirement lists each item declared for the domain from each of its departments, and
    the other records that fall in the domain (a generic penalty from the environment bureau is
    环境保护); an occupation requirement lists the items of that occupation;
    named items are listed from each of their departments."""
    by_pair: dict[tuple[str, str], int] = {}
    by_domain: dict[str, dict[tuple[str, str], int]] = {}
    for item, dept, domain, n in volumes:
        by_pair[(item, dept)] = by_pair.get((item, dept), 0) + n
        if domain is not None:
            cells = by_domain.setdefault(domain, {})
            cells[(item, dept)] = cells.get((item, dept), 0) + n
    out = []
    for r in requirements:
        counts: dict[tuple[str, str], int] = {}
        codes = list(r.items)
        if r.occupation is not None:
            codes += [i.code for i in catalog.items.values() if r.occupation in i.occupations]
        if r.domain is not None:
            codes += [i.code for i in catalog.items.values() if r.domain in i.domains]
        for code in dict.fromkeys(codes):
            for dept in catalog.items[code].source_departments:
                counts[(code, dept)] = by_pair.get((code, dept), 0)
        if r.domain is not None:  # other items' records that fall in the domain (by department or field)
            for key, n in by_domain.get(r.domain, {}).items():
                counts.setdefault(key, n)
        cells = tuple(Cell(item, catalog.items[item].name if item in catalog.items else item, dept,
                           catalog.departments.get(dept, dept), n)
                      for (item, dept), n in sorted(counts.items()))
        label = (catalog.domains.get(r.domain or "") or catalog.occupations.get(r.occupation or "") or r.quote)
        out.append(Line(r, label, cells))
    return out
