from datetime import date, timedelta

import pytest

from chengxin.publicity.rules import add_months, default_tiers, parse_tiers, publicity_on

TIERS = default_tiers()


def status(severity: str, decided: date, as_of: date, nature: str = "negative",
           revoked_on: date | None = None) -> str:
    return publicity_on(nature=nature, severity=severity, decision_date=decided,
                        revoked_on=revoked_on, as_of=as_of, tiers=TIERS).status


def test_tier_periods_follow_r4():
    assert (TIERS["minor"].published, TIERS["minor"].max_months) == (False, 3)
    assert (TIERS["general"].min_months, TIERS["general"].max_months) == (3, 12)
    assert (TIERS["serious"].min_months, TIERS["serious"].max_months) == (12, 36)


@pytest.mark.parametrize(("start", "months", "end"), [
    (date(2026, 1, 31), 1, date(2026, 2, 28)),
    (date(2024, 2, 29), 12, date(2025, 2, 28)),
    (date(2024, 2, 29), 48, date(2028, 2, 29)),
    (date(2025, 11, 30), 3, date(2026, 2, 28)),
    (date(2025, 3, 15), 12, date(2026, 3, 15)),
])
def test_add_months_takes_corresponding_or_last_day(start, months, end):
    assert add_months(start, months) == end


def test_general_record_in_publicity_through_its_last_day():
    decided = date(2025, 3, 15)
    assert status("general", decided, date(2026, 3, 15)) == "in_publicity"
    assert status("general", decided, date(2026, 3, 16)) == "ended"


def test_serious_record_lasts_three_years_from_leap_day():
    decided = date(2024, 2, 29)
    assert status("serious", decided, date(2027, 2, 28)) == "in_publicity"
    assert status("serious", decided, date(2027, 3, 1)) == "ended"


def test_minor_is_not_published_and_positive_has_no_period():
    assert status("minor", date(2026, 1, 1), date(2026, 1, 2)) == "not_published"
    assert status(None, date(2026, 1, 1), date(2026, 1, 2), nature="positive") == "no_period"


def test_revoked_from_the_day_of_revocation_only():
    decided = date(2026, 1, 1)
    assert status("general", decided, date(2026, 2, 1), revoked_on=date(2026, 2, 2)) == (
        "in_publicity")
    assert status("general", decided, date(2026, 2, 2), revoked_on=date(2026, 2, 2)) == "revoked"


def test_tier_data_is_validated():
    with pytest.raises(ValueError):
        parse_tiers({"tiers": [{"code": "general", "name": "一般", "published": True,
                                "min_months": 13, "max_months": 12, "repair": "x"}]})


@pytest.mark.parametrize(("severity", "decided", "min_last", "max_last"), [
    ("general", date(2026, 1, 31), date(2026, 4, 30), date(2027, 1, 31)),
    ("serious", date(2024, 2, 29), date(2025, 2, 28), date(2027, 2, 28)),
    ("general", date(2025, 11, 30), date(2026, 2, 28), date(2026, 11, 30)),
])
def test_the_day_before_and_the_day_of_each_minimum_and_maximum(severity, decided, min_last, max_last):
    pub = publicity_on(nature="negative", severity=severity, decision_date=decided, revoked_on=None,
                       as_of=decided, tiers=TIERS)
    assert (pub.min_ends_on, pub.ends_on) == (min_last, max_last)
    one = timedelta(days=1)
    assert status(severity, decided, max_last - one) == "in_publicity"
    assert status(severity, decided, max_last) == "in_publicity"
    assert status(severity, decided, max_last + one) == "ended"


def test_a_repair_stops_publicity_from_its_day():
    decided, repaired = date(2026, 1, 10), date(2026, 6, 1)

    def on(day: date) -> str:
        return publicity_on(nature="negative", severity="general", decision_date=decided, revoked_on=None,
                            as_of=day, tiers=TIERS, repaired_on=repaired).status

    assert on(repaired - timedelta(days=1)) == "in_publicity"
    assert on(repaired) == "repaired"
    assert publicity_on(nature="negative", severity="general", decision_date=decided, revoked_on=None,
                        as_of=repaired, tiers=TIERS, repaired_on=repaired).ends_on == repaired
