"""What a third party may see of a record (pure rule of chengxin.masking)."""

from __future__ import annotations

from datetime import date

import pytest

from chengxin.masking import withheld_from_third_party

AS_OF = date(2026, 11, 21)


def withheld(**kw) -> bool:
    values = {"disclosure": "public", "nature": "negative", "severity": "general",
              "decision_date": date(2026, 5, 1), "revoked": False, "birth_date": date(1985, 6, 15), "as_of": AS_OF}
    values.update(kw)
    return withheld_from_third_party(**values)


def test_an_adults_public_or_authorised_record_is_shown():
    assert not withheld()
    assert not withheld(disclosure="authorised", severity="minor")
    assert not withheld(birth_date=None)


@pytest.mark.parametrize("kw", [
    {"disclosure": "government"},
    {"revoked": True},
    {"birth_date": date(2012, 11, 22)},  # 13 on the day of the query
    {"birth_date": date(2009, 6, 1), "severity": "minor", "decision_date": date(2026, 5, 31)},  # at 16
    {"birth_date": date(2008, 2, 29), "severity": "minor", "decision_date": date(2026, 2, 27)},  # the day before 18
])
def test_withheld(kw):
    assert withheld(**kw)


def test_a_minors_other_records_and_an_adults_minor_dishonesty_are_shown():
    assert not withheld(birth_date=date(2009, 6, 1), severity="general", decision_date=date(2026, 5, 31))
    assert not withheld(birth_date=date(2008, 2, 29), severity="minor", decision_date=date(2026, 2, 28))  # 18 (R12)
    assert not withheld(birth_date=date(2012, 11, 21))  # 14 today
