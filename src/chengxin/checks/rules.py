"""The pure check decision: candidates and standing in, decision and hits out.

No database here, so it is tested on plain values and runs in the hot loop of
batch checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from chengxin.publicity.rules import add_months
from chengxin.sanctions.measures import Measure

DECISION_LABELS = {"block": "拦截", "review": "从严审核", "green": "绿色通道", "clear": "通过"}
CONDITION_LABELS = {"good_record": "信用记录良好", "no_negative_3y": "连续三年无不良信用记录"}
GRADE_CONDITION = "grade:"  # a reward hit by an integrity-point grade: "grade:A"


def condition_label(condition: str | None) -> str | None:
    """What a reward hit's condition says to people (an R11 condition or a points grade)."""
    if condition and condition.startswith(GRADE_CONDITION):
        return f"本人已开通诚信积分，等级 {condition[len(GRADE_CONDITION):]}"
    return CONDITION_LABELS.get(condition or "")


@dataclass(frozen=True, slots=True)
class Via:
    """How a person is reached through an organisation (R10)."""

    uscc: str
    org_name: str
    role: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """A list entry or record in effect on the check day that a measure may target."""

    kind: str  # list_entry | record
    id: str
    chain: str  # the record behind it, so an entry and its own record count once per measure
    list_type: str | None
    item_code: str | None
    severity: str | None
    domains: tuple[str, ...]
    department_code: str
    basis: str
    start: date
    holds_until: date | None
    disputed: bool
    via: Via | None = None


@dataclass(frozen=True, slots=True)
class Standing:
    """R11 conditions of the person on the check day."""

    good_record: bool
    no_negative_3y: bool
    grade: str | None = None  # integrity-point grade, only for an adult who opted in (R18)


@dataclass(frozen=True, slots=True)
class Hit:
    measure: Measure
    candidate: Candidate | None
    condition: str | None
    blocking: bool
    disputed: bool


# Pure date arithmetic on few distinct arguments, called for every record of every check.
_add_months = lru_cache(maxsize=1 << 12)(add_months)


def standing(*, as_of: date, negative_dates: Iterable[date], positive_dates: Iterable[date],
             earliest: date | None, in_effect_negative: bool, red_listed: bool) -> Standing:
    """R11: a good record, and three consecutive years without a negative record."""
    window_start = _add_months(as_of, -36)
    recent_negative = any(window_start < d <= as_of for d in negative_dates)
    recent_positive = any(window_start < d <= as_of for d in positive_dates)
    clean = not in_effect_negative and not recent_negative
    good = clean and (red_listed or recent_positive)
    three_years = clean and earliest is not None and earliest <= window_start
    return Standing(good_record=good, no_negative_3y=three_years)


def _matches(measure: Measure, c: Candidate) -> bool:
    if c.via is not None and not measure.applies_to_responsible_persons:
        return False
    t = measure.targets
    if t.items and c.item_code not in t.items:
        return False
    if measure.domains and not set(measure.domains).intersection(c.domains):
        return False
    if c.kind == "list_entry":
        return c.list_type in t.lists
    return c.severity in t.severities


def reaches(measure: Measure, c: Candidate) -> bool:
    """Whether a measure reaches a candidate (also what the person's own file says applies to them)."""
    return _matches(measure, c)


def evaluate(measures: Sequence[Measure], candidates: Sequence[Candidate],
             person: Standing) -> tuple[str, list[Hit]]:
    """Decision (block, review, green, clear) and every hit behind it."""
    # List entries first, so an entry and the record it came from count once per measure.
    ordered = sorted(candidates, key=lambda c: c.kind != "list_entry")
    punish: list[Hit] = []
    reward: list[Hit] = []
    for m in measures:
        seen: set[str] = set()
        for c in ordered:
            if c.chain in seen or not _matches(m, c):
                continue
            seen.add(c.chain)
            blocking = m.mandatory and (not c.disputed or m.blocks_when_disputed)
            hit = Hit(m, c, None, blocking and m.effect == "punishment", c.disputed)
            (punish if m.effect == "punishment" else reward).append(hit)
        if m.effect == "reward" and not seen:
            for condition in m.targets.conditions:
                if getattr(person, condition, False):
                    reward.append(Hit(m, None, condition, False, False))
                    break
            else:
                if person.grade is not None and person.grade in m.targets.grades:
                    reward.append(Hit(m, None, GRADE_CONDITION + person.grade, False, False))
    if punish:
        return ("block" if any(h.blocking for h in punish) else "review"), punish
    if reward:
        return "green", reward
    return "clear", []
