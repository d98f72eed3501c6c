"""Pure publicity rules: tier data, calendar months (R12) and a record's status on a day."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from chengxin.datafiles import read_yaml

STATUS_LABELS = {
    "in_publicity": "公示中",
    "ended": "公示期满",
    "not_published": "不予公示",
    "no_period": "无公示期限",
    "revoked": "已撤销",
    "repaired": "已信用修复，停止公示",
    "court_deleted": "已由人民法院删除，停止公示",
}


@dataclass(frozen=True, slots=True)
class Tier:
    code: str
    name: str
    published: bool
    min_months: int
    max_months: int
    repair: str


@dataclass(frozen=True, slots=True)
class Publicity:
    """A record's publicity on a given day: status code, Chinese label, last day, minimum."""

    status: str
    label: str
    ends_on: date | None
    min_ends_on: date | None


def parse_tiers(doc: dict[str, Any]) -> dict[str, Tier]:
    """Validate the tier document: known codes, 0 <= min <= max."""
    tiers: dict[str, Tier] = {}
    for t in doc.get("tiers", []):
        tier = Tier(t["code"], t["name"], bool(t["published"]), int(t["min_months"]),
                    int(t["max_months"]), t["repair"])
        if not 0 <= tier.min_months <= tier.max_months:
            raise ValueError(f"严重程度 {tier.code} 的公示期限设置有误")
        tiers[tier.code] = tier
    if set(tiers) != {"minor", "general", "serious"}:
        raise ValueError("严重程度必须且只能包括 minor、general、serious")
    return tiers


@lru_cache
def default_tiers() -> dict[str, Tier]:
    return parse_tiers(read_yaml("chengxin.publicity", "tiers.yaml", None, ValueError))


def add_months(start: date, months: int) -> date:
    """The corresponding day `months` later, or that month's last day (民法典 art. 202)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def period_last_day(decision_date: date, months: int) -> date:
    """Last day inside a period of `months` from a decision date.

    The first day is not counted (art. 201), so a period starting on the
    decision date ends on the corresponding day of the last month.
    """
    return add_months(decision_date, months)


def publicity_on(
    *,
    nature: str,
    severity: str | None,
    decision_date: date,
    revoked_on: date | None,
    as_of: date,
    tiers: dict[str, Tier],
    repaired_on: date | None = None,
) -> Publicity:
    """Publicity status of a record on `as_of`, computed from data, no job needed."""
    if revoked_on is not None and revoked_on <= as_of:
        return Publicity("revoked", STATUS_LABELS["revoked"], None, None)
    if repaired_on is not None and repaired_on <= as_of and nature == "negative" and severity is not None:
        tier = tiers[severity]
        return Publicity("repaired", STATUS_LABELS["repaired"], min(repaired_on, period_last_day(
            decision_date, tier.max_months)), period_last_day(decision_date, tier.min_months))
    if nature != "negative" or severity is None:
        return Publicity("no_period", STATUS_LABELS["no_period"], None, None)
    tier = tiers[severity]
    ends_on = period_last_day(decision_date, tier.max_months)
    min_ends_on = period_last_day(decision_date, tier.min_months)
    if not tier.published:
        return Publicity("not_published", STATUS_LABELS["not_published"], ends_on, min_ends_on)
    status = "in_publicity" if as_of <= ends_on else "ended"
    return Publicity(status, STATUS_LABELS[status], ends_on, min_ends_on)


def earliest_repair_day(decision_date: date, tier: Tier) -> date:
    """First day a repair may be applied for: the day after the minimum publicity ends.

    A tier without a minimum (minor: "once obligations are met") may apply from the
    decision date itself.
    """
    if tier.min_months == 0:
        return decision_date
    return period_last_day(decision_date, tier.min_months) + timedelta(days=1)
