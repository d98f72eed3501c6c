"""The pure retention rules: behaviour end, the last day kept (R12 counting), what is due."""

from __future__ import annotations

from datetime import date

from chengxin.retention.rules import REPAIRED, RETENTION, Facts, behaviour_end, due, kept_through, start_cutoff


def facts(start=date(2020, 3, 10), planned_end=None, ended_on=None, end_reason=None, nature="negative") -> Facts:
    return Facts(nature, start, planned_end, ended_on, end_reason)


def test_behaviour_ends_with_the_matter_its_term_or_its_decision():
    assert behaviour_end(facts()) == date(2020, 3, 10)
    assert behaviour_end(facts(planned_end=date(2022, 3, 9))) == date(2022, 3, 9)
    # Ended (revoked, repaired, deleted) before its term: the end counts.
    assert behaviour_end(facts(planned_end=date(2022, 3, 9), ended_on=date(2021, 1, 5))) == date(2021, 1, 5)


def test_five_years_count_from_the_day_after_the_end_and_end_on_the_corresponding_day():
    assert kept_through(facts(), 5) == date(2025, 3, 10)
    # No 29 February in 2029: the period ends on that month's last day (民法典 art. 202).
    assert kept_through(facts(start=date(2024, 2, 29)), 5) == date(2029, 2, 28)


def test_a_matter_one_day_short_is_not_due_the_next_day_it_is():
    f = facts()
    assert due(f, date(2025, 3, 10), 5, False) is None
    assert due(f, date(2025, 3, 11), 5, False) == RETENTION
    assert due(f, date(2025, 3, 11), 6, False) is None


def test_positive_information_is_never_purged():
    assert due(facts(nature="positive"), date(2040, 1, 1), 5, True) is None


def test_a_repaired_matter_is_due_at_once_only_where_the_rule_is_on():
    f = facts(start=date(2026, 1, 5), ended_on=date(2026, 6, 1), end_reason="repaired")
    assert due(f, date(2026, 6, 1), 5, False) is None
    assert due(f, date(2026, 5, 31), 5, True) is None
    assert due(f, date(2026, 6, 1), 5, True) == REPAIRED
    revoked = facts(start=date(2026, 1, 5), ended_on=date(2026, 6, 1), end_reason="revoked")
    assert due(revoked, date(2026, 6, 1), 5, True) is None


def test_the_coarse_cutoff_never_leaves_out_a_due_matter():
    for as_of in (date(2031, 2, 28), date(2032, 2, 29), date(2031, 3, 1), date(2031, 12, 31)):
        cutoff = start_cutoff(as_of, 5)
        day = date.fromordinal(cutoff.toordinal() + 1)
        assert due(facts(start=day), as_of, 5, False) is None
        # And it is not so coarse that nearly due matters are scanned for weeks.
        assert (as_of - cutoff).days >= 365 * 5 - 3
