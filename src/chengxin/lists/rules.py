"""Pure list rules: planned end from the term data, and an entry's status on a day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from chengxin.datafiles import read_yaml
from chengxin.publicity.rules import add_months

# Basis levels, in the measure list's vocabulary (sanctions/measures.py).
BASIS_LEVELS = frozenset({"law", "administrative_regulation", "central_policy", "departmental_rule",
                          "local_regulation", "normative"})
# R13 (国办发〔2020〕49号): a national list rests on a law, an administrative regulation or a central
# policy document; a list set up locally needs a local regulation (a law or an administrative
# regulation, being higher, serves too).
LIST_BASIS_LEVELS = {"national": frozenset({"law", "administrative_regulation", "central_policy"}),
                     "local": frozenset({"law", "administrative_regulation", "local_regulation"})}


@dataclass(frozen=True, slots=True)
class ListBasis:
    """Who set a list (or a listing item) up and on what basis."""

    scope: str  # national | local
    basis_level: str
    basis: str


def parse_list_basis(where: str, doc: dict[str, Any]) -> ListBasis:
    """A list's set-up basis, refused when its level cannot found a list of its scope (R13)."""
    scope, level, basis = str(doc.get("scope", "")), str(doc.get("basis_level", "")), str(doc.get("basis", "")).strip()
    if scope not in LIST_BASIS_LEVELS:
        raise ValueError(f"{where}：scope 应为 national（全国性名单）或 local（地方设立的名单）")
    if level not in BASIS_LEVELS:
        raise ValueError(f"{where}：依据层级 {level!r} 不在 {'、'.join(sorted(BASIS_LEVELS))} 之中")
    if not basis:
        raise ValueError(f"{where}：须写明设立名单的依据")
    if level not in LIST_BASIS_LEVELS[scope]:
        need = "地方性法规（或法律、行政法规）" if scope == "local" else "法律、行政法规或党中央、国务院政策文件"
        raise ValueError(f"{where}：{'地方设立的' if scope == 'local' else '全国性'}名单须以{need}为依据，"
                         f"不能以 {level} 设立")
    return ListBasis(scope, level, basis)


STATUS_LABELS = {"active": "在列", "expired": "期限届满", "exited": "已移出", "pending": "未生效"}


@dataclass(frozen=True, slots=True)
class Terms:
    default_months: Mapping[str, int]
    item_months: Mapping[str, int]
    item_basis: Mapping[str, str]
    end_fields: tuple[str, ...]  # a field giving the last day in effect
    lift_fields: tuple[str, ...] = ()  # a field giving the day the effect was lifted
    lists: Mapping[str, ListBasis] = field(default_factory=dict)  # who set each list up, on what

    def reads_end(self, item: Any) -> bool:
        """Whether records of a catalog item can carry an end of their own (then `planned_end`
        looks at their data)."""
        return any(n in item.by_name for n in self.end_fields + self.lift_fields)

    def own_end(self, data: Mapping[str, Any] | None) -> date | None:
        """The last day in effect that a record gives itself, if any."""
        for names, back in ((self.lift_fields, 1), (self.end_fields, 0)):
            for name in names:
                value = (data or {}).get(name)
                if isinstance(value, str):
                    try:
                        return date.fromordinal(date.fromisoformat(value).toordinal() - back)
                    except ValueError:
                        pass
        return None

    def planned_end(self, list_type: str | None, item_code: str | None, start: date,
                    data: Mapping[str, Any] | None = None) -> date | None:
        """The record's own end if it gives one; for a listed matter else the item's or the list's
        term; None for an unlisted matter without one (its publicity tier decides)."""
        own = self.own_end(data)
        if own is not None or list_type is None:
            return own
        months = self.item_months.get(item_code or "", self.default_months[list_type])
        return add_months(start, months)


def parse_terms(doc: dict[str, Any]) -> Terms:
    defaults = {k: int(v) for k, v in doc["default_months"].items()}
    if set(defaults) != {"black", "red", "watch"} or min(defaults.values()) <= 0:
        raise ValueError("名单期限必须为 black、red、watch 各给出正整数月数")
    items = doc.get("items") or {}
    lists = {k: parse_list_basis(f"名单 {k}", v) for k, v in (doc.get("lists") or {}).items()}
    if set(lists) != set(defaults):
        raise ValueError("lists 须为 black、red、watch 各写明设立依据")
    # An item that sets up a list of its own (a local one, typically) carries its own basis.
    lists |= {k: parse_list_basis(f"目录项 {k}", v) for k, v in items.items() if "scope" in v}
    return Terms(defaults, {k: int(v["months"]) for k, v in items.items() if "months" in v},
                 {k: str(v.get("basis", "")) for k, v in items.items()},
                 tuple(doc.get("end_fields") or ()), tuple(doc.get("lift_fields") or ()), lists)


@lru_cache
def default_terms() -> Terms:
    return parse_terms(read_yaml("chengxin.lists", "terms.yaml", None, ValueError))
