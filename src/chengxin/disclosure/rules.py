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


# The fields of a record that say what the subject did (or, on the red list, was honoured for), in
# the order they are read: the catalog's words for the behaviour, not a department's free summary.
BEHAVIOUR_FIELDS = ("dishonest_circumstance", "circumstance", "violation", "case_nature", "title", "honour_level")
# A person listed for an organisation says so (法定代表人 …); one listed for themselves does not.
ROLE_FIELD = "person_role"
OWN_ROLES = frozenset({"被执行人本人", "当事人本人", "本人"})
BEHAVIOUR_MAX = 160


def behaviour(item_name: str | None, data: dict[str, object] | None, subject_kind: str) -> str:
    """What a listing is for, in plain words: the catalog item's name and the record's own words
    for the behaviour (a direct listing without a record: the item's name alone)."""
    data = data or {}
    words = [str(data[f]).strip() for f in BEHAVIOUR_FIELDS if data.get(f) not in (None, "")]
    text = "；".join(dict.fromkeys(w for w in words if w))
    if len(text) > BEHAVIOUR_MAX:
        text = text[:BEHAVIOUR_MAX - 1] + "…"
    role = data.get(ROLE_FIELD)
    if subject_kind == "person" and isinstance(role, str) and role.strip() and role.strip() not in OWN_ROLES:
        text = f"{text}（作为单位的{role.strip()}）" if text else f"作为单位的{role.strip()}"
    if item_name and text:
        return f"{item_name}：{text}"
    return item_name or text
