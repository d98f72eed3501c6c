"""The report's pure rules: score and ranking with ties, totals from sums, sorting, the previous period."""

from __future__ import annotations

from datetime import date

from chengxin.assessment import rules
from chengxin.assessment.schemas import DepartmentRow


def _row(code: str, **figures) -> DepartmentRow:
    return DepartmentRow(department_code=code, department_name=code, **figures)


def test_the_score_is_the_mean_of_the_known_rates_and_equal_scores_share_a_rank():
    a = _row("a", timely_rate=1.0, error_rate=0.0)
    b = _row("b", timely_rate=0.5, error_rate=0.5, feedback_rate=1.0, objection_on_time_rate=0.0)
    c = _row("c", timely_rate=1.0, error_rate=0.0)
    idle = _row("idle")
    rules.rank([a, b, c, idle])
    assert (a.score, b.score, idle.score) == (100.0, 50.0, None)
    assert (a.rank, c.rank, b.rank, idle.rank) == (1, 1, 3, None)


def test_totals_add_counts_and_recompute_rates_from_the_sums():
    rows = [_row("a", records=1, timely=1, mean_lag_days=1.0, rows=10, rejected=0, backfilled=2),
            _row("b", records=3, timely=0, mean_lag_days=9.0, rows=30, rejected=10, objections_decided=2,
                 objections_on_time=1, objection_mean_working_days=4.0)]
    t = rules.totals(rows)
    assert (t.records, t.timely, t.backfilled, t.rows, t.rejected) == (4, 1, 2, 40, 10)
    assert t.timely_rate == 0.25 and t.error_rate == 0.25  # not the mean of 100 % and 0 %
    assert t.mean_lag_days == 7.0 and t.objection_on_time_rate == 0.5 and t.objection_mean_working_days == 4.0
    assert t.feedback_rate is None  # no hits anywhere


def test_sorting_keeps_rows_without_a_value_last_either_way():
    rows = [_row("a", timely_rate=0.5), _row("b"), _row("c", timely_rate=0.9)]
    assert [r.department_code for r in rules.sort_rows(rows, "timely_rate", True)] == ["c", "a", "b"]
    assert [r.department_code for r in rules.sort_rows(rows, "timely_rate", False)] == ["a", "c", "b"]
    assert [r.department_code for r in rules.sort_rows(rows, "no_such_column", False)] == ["a", "b", "c"]
    assert rules.default_descending("timely_rate") and not rules.default_descending("error_rate")


def test_the_previous_period_has_the_same_length_and_ends_the_day_before():
    assert rules.previous_period(date(2026, 11, 1), date(2026, 11, 30)) == (date(2026, 10, 2), date(2026, 10, 31))
    assert rules.change(0.9, 0.75, True) == 15.0 and rules.change(3, None, False) is None
