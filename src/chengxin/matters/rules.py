"""Pure matter rules: how long a matter holds, its one state on a day, its publicity, and the
words that say what a change of state stopped. No database here: the check's hot loop, the file,
the public pages and the notices all call these same functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from chengxin.publicity.rules import STATUS_LABELS, Publicity, Tier, period_last_day

# Pure date arithmetic on few distinct arguments, called for every matter of every check.
_last_of_period = lru_cache(maxsize=1 << 16)(period_last_day)

LIST_LABELS = {"black": "严重失信主体名单", "red": "守信激励对象名单", "watch": "重点关注名单"}
END_REASONS = {"revoked": "撤销", "repaired": "信用修复", "court_deleted": "法院删除"}
# Why a matter left its list: an end above, or its term.
EXIT_LABELS = {"term_ended": "期限届满", **END_REASONS}
STATE_LABELS = {
    "pending": "未生效",
    "in_effect": "有效",
    "term_ended": "期限届满",
    "revoked": "已撤销",
    "repaired": "已信用修复",
    "court_deleted": "已由人民法院删除",
}
ENDED = frozenset({"term_ended", "revoked", "repaired", "court_deleted"})


@dataclass(frozen=True, slots=True)
class Facts:
    """What a matter's state depends on (the columns of `Matter` that say so)."""

    nature: str
    severity: str | None
    start: date
    list_type: str | None
    planned_end: date | None
    ended_on: date | None
    end_reason: str | None


def last_day(nature: str, severity: str | None, start: date, list_type: str | None,
             planned_end: date | None, tiers: dict[str, Tier]) -> date | None:
    """The last day the matter's information holds (None: no end). A matter on a serious-dishonesty
    (black) list is that listing: its publicity and measures end with it (R5: a court listing's
    display and measures end with the listing). Otherwise a negative matter holds for its tier's
    longest publicity, or less when its source gives an earlier end; a place on the watch or red
    list has a term of its own (`listing_state`) and does not shorten the information."""
    if list_type == "black" and planned_end is not None:
        return planned_end
    own = planned_end if list_type is None else None
    if nature != "negative" or severity not in tiers:
        return own
    tier_end = _last_of_period(start, tiers[severity].max_months)  # type: ignore[index]
    return tier_end if own is None else min(tier_end, own)


def listing_state(f: Facts, as_of: date) -> str:
    """A listed matter's place on its list on `as_of`: active, pending, expired (its term is over)
    or exited (the matter was ended: revoked, repaired, deleted)."""
    return listing_state_of(f.start, f.planned_end, f.ended_on, as_of)


def listing_state_of(start: date, planned_end: date | None, ended_on: date | None, as_of: date) -> str:
    """`listing_state` from the matter's columns (checks ask it for every matter they read)."""
    if ended_on is not None and ended_on <= as_of:
        return "exited"
    if as_of < start:
        return "pending"
    if planned_end is not None and as_of > planned_end:
        return "expired"
    return "active"


def state_on(f: Facts, as_of: date, tiers: dict[str, Tier]) -> str:
    """pending, in_effect, term_ended, or how it was ended (revoked, repaired, court_deleted)."""
    if f.ended_on is not None and f.ended_on <= as_of and f.end_reason is not None:
        return f.end_reason
    if as_of < f.start:
        return "pending"
    last = last_day(f.nature, f.severity, f.start, f.list_type, f.planned_end, tiers)
    if last is not None and as_of > last:
        return "term_ended"
    return "in_effect"


def in_effect_until(f: Facts, as_of: date, tiers: dict[str, Tier]) -> date | None:
    """For a matter in effect on `as_of`: its last day (date.max when it has none); else None."""
    return in_effect_until_of(f.nature, f.severity, f.start, f.list_type, f.planned_end, f.ended_on, f.end_reason,
                              as_of, tiers)


def in_effect_until_of(nature: str, severity: str | None, start: date, list_type: str | None,
                       planned_end: date | None, ended_on: date | None, end_reason: str | None, as_of: date,
                       tiers: dict[str, Tier]) -> date | None:
    """`in_effect_until` from the matter's columns: `state_on(...) == "in_effect"`, with its last day
    worked out once (checks ask it for every matter of every person they read)."""
    if ended_on is not None and ended_on <= as_of and end_reason is not None:
        return None  # ended (revoked, repaired, deleted)
    if as_of < start:
        return None  # pending
    last = last_day(nature, severity, start, list_type, planned_end, tiers)
    if last is not None and as_of > last:
        return None  # its term is over
    return last or date.max


def publicity(f: Facts, as_of: date, tiers: dict[str, Tier]) -> Publicity:
    """The matter's publicity on `as_of`: a negative matter is published (if its tier is) until its
    last day or its end; positive and neutral information has no publicity period."""
    negative = f.nature == "negative" and f.severity in tiers
    tier = tiers[f.severity] if negative else None  # type: ignore[index]
    last = last_day(f.nature, f.severity, f.start, f.list_type, f.planned_end, tiers)
    floor = period_last_day(f.start, tier.min_months) if tier is not None else None
    state = state_on(f, as_of, tiers)
    if state == "revoked":
        return Publicity("revoked", STATUS_LABELS["revoked"], None, None)
    if state in ("repaired", "court_deleted") and tier is not None:
        assert f.ended_on is not None
        stopped = f.ended_on - timedelta(days=1)
        return Publicity(state, STATUS_LABELS[state], stopped if last is None else min(stopped, last), floor)
    if tier is None:
        return Publicity("no_period", STATUS_LABELS["no_period"], None, None)
    if not tier.published:
        return Publicity("not_published", STATUS_LABELS["not_published"], last, floor)
    status = "in_publicity" if last is None or as_of <= last else "ended"
    return Publicity(status, STATUS_LABELS[status], last, floor)


def listed_on(f: Facts, as_of: date, tiers: dict[str, Tier] | None = None) -> bool:
    return f.list_type is not None and listing_state(f, as_of) == "active"


# Once repaired, a matter is no longer shared: only the person and the credit office still see
# it (R4 "停止共享"); a revoked or deleted matter stays visible as such to those who saw it.
UNSHARED = frozenset({"repaired"})


@dataclass(frozen=True, slots=True)
class Stopped:
    """What ending a matter took away, each only if it held when it was ended: its public
    display, its sharing with departments and others, its place on a list, and the punishment
    measures it carried."""

    publicity: bool
    sharing: bool
    list_type: str | None
    measures: bool

    @property
    def anything(self) -> bool:
        return self.publicity or self.sharing or self.list_type is not None or self.measures


def stopped_by_end(f: Facts, reason: str, on: date, tiers: dict[str, Tier]) -> Stopped:
    """What ending `f` (its facts before the end) for `reason` on `on` stops."""
    effect = state_on(f, on, tiers) == "in_effect"
    listed = listed_on(f, on)
    return Stopped(publicity=effect and publicity(f, on, tiers).status == "in_publicity",
                   sharing=reason in UNSHARED,
                   list_type=f.list_type if listed else None,
                   measures=f.nature == "negative" and (effect or listed))


def describe_stopped(s: Stopped, on: date) -> str:
    """The sentence a notice uses for what stopped, and only that (nothing it did not do)."""
    parts = []
    if s.publicity:
        parts.append("停止公示")
    if s.sharing:
        parts.append("停止向其他部门和机构共享")
    if s.list_type is not None:
        parts.append(f"移出{LIST_LABELS[s.list_type]}")
    if s.measures:
        parts.append("不再作为联合惩戒依据，相关惩戒措施不再适用")
    if not parts:
        return "该信息此前已不在公示期或名单期内，也已不作为联合惩戒依据。"
    return f"自 {on.isoformat()} 起" + "、".join(parts) + "。"
