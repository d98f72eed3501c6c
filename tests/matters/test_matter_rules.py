"""Pure matter rules: how long a matter holds, its state on a day, and what an end stopped."""

from __future__ import annotations

from datetime import date
from itertools import product

from chengxin.matters import rules
from chengxin.matters.rules import (
    Facts,
    in_effect_until_of,
    last_day,
    listing_state,
    listing_state_of,
    state_on,
)
from chengxin.publicity.rules import default_tiers

TIERS = default_tiers()
D = date(2026, 1, 10)


def facts(**kw) -> rules.Facts:
    base = {"nature": "negative", "severity": "serious", "start": D, "list_type": None, "planned_end": None,
            "ended_on": None, "end_reason": None}
    return rules.Facts(**{**base, **kw})


def test_a_listed_matter_holds_for_its_listing_and_an_unlisted_one_for_its_tier():
    assert rules.last_day("negative", "serious", D, None, None, TIERS) == date(2029, 1, 10)  # 36 months
    # A court listing: two years, its record's publicity and measures with it (R5).
    assert rules.last_day("negative", "serious", D, "black", date(2028, 1, 10), TIERS) == date(2028, 1, 10)
    # An end of its own (a lifted restriction) cuts an unlisted matter short, never lengthens it.
    assert rules.last_day("negative", "general", D, None, date(2026, 3, 1), TIERS) == date(2026, 3, 1)
    assert rules.last_day("negative", "general", D, None, date(2030, 1, 1), TIERS) == date(2027, 1, 10)
    assert rules.last_day("positive", None, D, None, None, TIERS) is None


def test_one_state_on_each_day():
    listed = facts(list_type="black", planned_end=date(2028, 1, 10))
    assert rules.state_on(listed, date(2026, 1, 9), TIERS) == "pending"
    assert rules.state_on(listed, date(2028, 1, 10), TIERS) == "in_effect"  # its last day
    assert rules.state_on(listed, date(2028, 1, 11), TIERS) == "term_ended"
    repaired = facts(list_type="black", planned_end=date(2028, 1, 10), ended_on=date(2027, 2, 1),
                     end_reason="repaired")
    assert rules.state_on(repaired, date(2027, 1, 31), TIERS) == "in_effect"
    assert rules.state_on(repaired, date(2027, 2, 1), TIERS) == "repaired"
    assert not rules.listed_on(repaired, date(2027, 2, 1), TIERS)
    assert rules.in_effect_until(listed, date(2027, 1, 1), TIERS) == date(2028, 1, 10)
    assert rules.in_effect_until(facts(nature="positive", severity=None), date(2027, 1, 1), TIERS) == date.max


def test_publicity_ends_with_the_matter():
    court = facts(list_type="black", planned_end=date(2028, 1, 10))
    assert rules.publicity(court, date(2028, 1, 10), TIERS).status == "in_publicity"
    assert rules.publicity(court, date(2028, 1, 11), TIERS).status == "ended"
    assert rules.publicity(court, date(2028, 1, 11), TIERS).ends_on == date(2028, 1, 10)
    deleted = facts(list_type="black", planned_end=date(2028, 1, 10), ended_on=date(2026, 6, 1),
                    end_reason="court_deleted")
    pub = rules.publicity(deleted, date(2026, 6, 1), TIERS)
    assert (pub.status, pub.ends_on) == ("court_deleted", date(2026, 5, 31))
    assert rules.publicity(facts(severity="minor"), D, TIERS).status == "not_published"


def test_an_end_says_only_what_it_stopped():
    listed = facts(list_type="black", planned_end=date(2028, 1, 10))
    stopped = rules.stopped_by_end(listed, "repaired", date(2027, 2, 1), TIERS)
    assert stopped == rules.Stopped(publicity=True, sharing=True, list_type="black", measures=True)
    text = rules.describe_stopped(stopped, date(2027, 2, 1))
    assert "停止公示" in text and "移出严重失信主体名单" in text and "惩戒措施不再适用" in text
    # An unlisted minor matter was never published: revoking it stops its measures, not a publicity.
    minor = rules.stopped_by_end(facts(severity="minor"), "revoked", date(2026, 2, 1), TIERS)
    assert minor == rules.Stopped(publicity=False, sharing=False, list_type=None, measures=True)
    assert "停止公示" not in rules.describe_stopped(minor, date(2026, 2, 1))
    # A matter past its term: ending it stops nothing more, and the words say so.
    late = rules.stopped_by_end(facts(severity="general"), "revoked", date(2028, 1, 1), TIERS)
    assert not late.anything
    assert "此前已不在公示期或名单期内" in rules.describe_stopped(late, date(2028, 1, 1))


def test_a_watch_or_red_listing_has_its_own_term_and_does_not_shorten_the_information():
    watch = facts(list_type="watch", planned_end=date(2027, 1, 10))
    assert rules.last_day("negative", "serious", D, "watch", date(2027, 1, 10), TIERS) == date(2029, 1, 10)
    assert rules.listing_state(watch, date(2027, 1, 11)) == "expired"
    assert rules.state_on(watch, date(2027, 1, 11), TIERS) == "in_effect"  # still published for its tier
    red = facts(nature="positive", severity=None, list_type="red", planned_end=date(2028, 1, 10))
    assert rules.listing_state(red, date(2028, 1, 11)) == "expired" and rules.last_day(
        "positive", None, D, "red", date(2028, 1, 10), TIERS) is None


def test_the_column_forms_checks_use_agree_with_the_rules_on_every_combination():
    # Checks call in_effect_until_of / listing_state_of for every matter they read; they must say
    # exactly what state_on and listing_state say.
    as_of = date(2026, 6, 30)
    days = [None, date(2020, 1, 1), date(2026, 6, 29), date(2026, 6, 30), date(2026, 7, 1), date(2031, 1, 1)]
    starts = [date(2019, 7, 1), date(2023, 6, 30), date(2025, 12, 31), date(2026, 6, 30), date(2026, 7, 1)]
    seen = set()
    for nature, severity, start, list_type, planned_end, ended_on, end_reason in product(
            ("negative", "positive"), (None, *TIERS), starts, (None, "black", "red", "watch"), days, days,
            (None, "revoked", "repaired")):
        f = Facts(nature, severity, start, list_type, planned_end, ended_on, end_reason)
        want = ((last_day(nature, severity, start, list_type, planned_end, TIERS) or date.max)
                if state_on(f, as_of, TIERS) == "in_effect" else None)
        assert in_effect_until_of(nature, severity, start, list_type, planned_end, ended_on, end_reason, as_of,
                                  TIERS) == want, f
        assert listing_state_of(start, planned_end, ended_on, as_of) == listing_state(f, as_of), f
        seen.add(want is None)
    assert seen == {True, False}
