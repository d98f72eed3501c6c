"""Pure list rules: planned end from the term data, and an entry's status on a day."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from chengxin.datafiles import read_yaml
from chengxin.publicity.rules import add_months

STATUS_LABELS = {"active": "在列", "expired": "期限届满", "exited": "已移出", "pending": "未生效"}


@dataclass(frozen=True, slots=True)
class Terms:
    default_months: Mapping[str, int]
    item_months: Mapping[str, int]
    item_basis: Mapping[str, str]
    end_fields: tuple[str, ...]  # a field giving the last day in effect
    lift_fields: tuple[str, ...] = ()  # a field giving the day the effect was lifted

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
    return Terms(defaults, {k: int(v["months"]) for k, v in items.items()},
                 {k: str(v.get("basis", "")) for k, v in items.items()},
                 tuple(doc.get("end_fields") or ()), tuple(doc.get("lift_fields") or ()))


@lru_cache
def default_terms() -> Terms:
    return parse_terms(read_yaml("chengxin.lists", "terms.yaml", None, ValueError))
