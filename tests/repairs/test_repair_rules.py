"""Repair eligibility (R4, R7) on plain values: the day before and the day of each minimum."""

from __future__ import annotations

from datetime import date

import pytest

from chengxin.publicity.rules import default_tiers, earliest_repair_day
from chengxin.repairs.rules import Facts, default_rules, eligibility, parse_rules

TIERS = default_tiers()
RULES = default_rules()


def facts(severity: str = "general", start: date = date(2026, 1, 31), **kw) -> Facts:
    base = dict(nature="negative", severity=severity, start=start, repairable=True, court_list=False, revoked=False,
                repaired=False, in_effect=True, pending=False, minor_at_decision=False)
    return Facts(**{**base, **kw})


@pytest.mark.parametrize(("severity", "decided", "last_refused", "first_allowed"), [
    ("general", date(2026, 1, 31), date(2026, 4, 30), date(2026, 5, 1)),  # 3 months from the 31st: April has 30
    ("general", date(2026, 3, 15), date(2026, 6, 15), date(2026, 6, 16)),
    ("serious", date(2024, 2, 29), date(2025, 2, 28), date(2025, 3, 1)),  # leap day: the year ends on 28 Feb
    ("serious", date(2025, 11, 21), date(2026, 11, 21), date(2026, 11, 22)),
])
def test_the_minimum_is_reached_the_day_after_its_last_day(severity, decided, last_refused, first_allowed):
    before = eligibility(facts(severity, decided), last_refused, TIERS, RULES)
    assert not before.eligible
    assert before.refusal.code == "REPAIR_TOO_EARLY" and before.earliest == first_allowed
    assert first_allowed.isoformat() in before.refusal.detail
    on = eligibility(facts(severity, decided), first_allowed, TIERS, RULES)
    assert on.eligible and on.refusal is None
    assert earliest_repair_day(decided, TIERS[severity]) == first_allowed


def test_minor_dishonesty_may_be_repaired_at_once():
    e = eligibility(facts("minor", date(2026, 6, 1)), date(2026, 6, 1), TIERS, RULES)
    assert e.eligible and e.earliest == date(2026, 6, 1) and not e.protected_minor


def test_a_minors_minor_dishonesty_is_protected_and_an_adults_serious_one_is_not():
    child = eligibility(facts("minor", date(2026, 6, 1), minor_at_decision=True), date(2026, 6, 1), TIERS, RULES)
    assert child.eligible and child.protected_minor
    serious = eligibility(facts("serious", date(2026, 6, 1), minor_at_decision=True), date(2026, 6, 2), TIERS, RULES)
    assert not serious.eligible and not serious.protected_minor and serious.refusal.code == "REPAIR_TOO_EARLY"


@pytest.mark.parametrize(("change", "code"), [
    ({"nature": "positive"}, "REPAIR_NOT_NEGATIVE"),
    ({"revoked": True}, "REPAIR_TARGET_REVOKED"),
    ({"repairable": False}, "REPAIR_NOT_ALLOWED"),
    ({"court_list": True}, "REPAIR_NOT_ALLOWED"),
    ({"repaired": True}, "REPAIR_ALREADY_REPAIRED"),
    ({"pending": True}, "REPAIR_ALREADY_PENDING"),
    ({"in_effect": False}, "REPAIR_NOT_NEEDED"),
])
def test_each_condition_refuses_with_its_own_code(change, code):
    e = eligibility(facts(**change), date(2027, 1, 1), TIERS, RULES)
    assert not e.eligible and e.refusal.code == code
    assert [s.code for s in e.steps if not s.passed] == [code]


def test_court_list_entries_point_to_the_court():
    e = eligibility(facts("serious", court_list=True), date(2028, 1, 1), TIERS, RULES)
    assert "法院" in e.refusal.detail


def test_methods_follow_the_tier_data():
    assert set(eligibility(facts("serious"), date(2027, 6, 1), TIERS, RULES).methods) == {
        "obligations_fulfilled", "fine_paid", "training"}
    assert "volunteer" in eligibility(facts("general"), date(2027, 6, 1), TIERS, RULES).methods
    with pytest.raises(ValueError, match="serious"):
        parse_rules({"methods": [{"code": "x", "name": "x", "tiers": ["minor", "general"]}], "commitment": "承诺"})
    with pytest.raises(ValueError, match="承诺书"):
        parse_rules({"methods": [{"code": "x", "name": "x", "tiers": ["minor", "general", "serious"]}]})
