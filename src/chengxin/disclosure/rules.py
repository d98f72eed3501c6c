"""Pure rules of public disclosure (公示): what the public may see, on which day."""

from __future__ import annotations

from datetime import date

from chengxin.masking import ADULT_MONTHS
from chengxin.publicity.rules import Tier, add_months

PUBLIC_LISTS = ("black", "red")  # the watch list is for government use only


def minor_involved(birth_date: date | None, decision_date: date, as_of: date) -> bool:
    """R7: nothing about a person under 18 is public, nor what they did before 18."""
    if birth_date is None:
        return False
    adult_on = add_months(birth_date, ADULT_MONTHS)
    return as_of < adult_on or decision_date < adult_on


def record_shown(*, disclosure: str, publicity: str, decision_date: date, birth_date: date | None,
                 as_of: date) -> bool:
    """A matter is public while in its publicity period (negative: its matter's publicity, which
    ends with its list, its repair, revocation or deletion) or while valid (others)."""
    if disclosure != "public" or decision_date > as_of or minor_involved(birth_date, decision_date, as_of):
        return False
    return publicity in ("in_publicity", "no_period")


def search_cutoffs(as_of: date, tiers: dict[str, Tier]) -> dict[str, date]:
    """Per published tier, the earliest decision date still in publicity on `as_of` (for the query)."""
    return {code: add_months(as_of, -t.max_months) for code, t in tiers.items() if t.published}
