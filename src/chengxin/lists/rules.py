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
    end_fields: tuple[str, ...]

    def planned_end(self, list_type: str, item_code: str | None, start: date,
                    data: Mapping[str, Any] | None = None) -> date:
        """The record's own end date if it gives one, else the item's or the list's term."""
        for name in self.end_fields:
            value = (data or {}).get(name)
            if isinstance(value, str):
                try:
                    return date.fromisoformat(value)
                except ValueError:
                    pass
        months = self.item_months.get(item_code or "", self.default_months[list_type])
        return add_months(start, months)


def parse_terms(doc: dict[str, Any]) -> Terms:
    defaults = {k: int(v) for k, v in doc["default_months"].items()}
    if set(defaults) != {"black", "red", "watch"} or min(defaults.values()) <= 0:
        raise ValueError("名单期限必须为 black、red、watch 各给出正整数月数")
    items = doc.get("items") or {}
    return Terms(defaults, {k: int(v["months"]) for k, v in items.items()},
                 {k: str(v.get("basis", "")) for k, v in items.items()},
                 tuple(doc.get("end_fields") or ()))


@lru_cache
def default_terms() -> Terms:
    return parse_terms(read_yaml("chengxin.lists", "terms.yaml", None, ValueError))


def entry_status(start: date, planned_end: date | None, exited_on: date | None, as_of: date) -> str:
    """active / expired / exited / pending on `as_of`; an entry holds through its last day."""
    if exited_on is not None and exited_on <= as_of:
        return "exited"
    if as_of < start:
        return "pending"
    if planned_end is not None and as_of > planned_end:
        return "expired"
    return "active"
