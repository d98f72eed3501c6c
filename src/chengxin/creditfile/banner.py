"""The status banner at the top of a person's own file: on a black list or not, why in plain words,
which measures reach them, and the one way out. Pure: the file's cards and the measure list in,
plain values out (the page and its tests need no database)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from chengxin.catalog.domain import candidate_domains
from chengxin.checks.rules import Candidate, reaches
from chengxin.creditfile.schemas import MatterOut
from chengxin.disclosure.rules import behaviour
from chengxin.sanctions.measures import Measure


@dataclass(frozen=True, slots=True)
class MeasureRef:
    """A measure the person is subject to: the link /measures#measure-<code> explains it."""

    code: str
    name: str
    kind_label: str
    binding: bool  # a prohibition: the business is refused, not only reviewed more strictly


@dataclass(frozen=True, slots=True)
class Reason:
    """One matter behind the banner: what it is, in the catalog's and the record's own words."""

    matter_id: str
    why: str
    department_name: str
    start: date
    until: date | None
    case_label: str | None = None  # 异议处理中 / 修复申请处理中 while a case on it is open


@dataclass(frozen=True, slots=True)
class RepairWay:
    """The one way out the banner offers: repair a matter now, from a date, or why not at all."""

    matter_id: str
    now: bool
    earliest: date | None
    pending: bool
    reason: str | None


@dataclass(frozen=True, slots=True)
class Banner:
    """What the person came for, in one box."""

    black_listed: bool
    reasons: tuple[Reason, ...]  # the black-list matters in force, else the negative matters in effect
    measures: tuple[MeasureRef, ...]
    repair: RepairWay | None
    honours: tuple[str, ...] = ()  # the red-list honours in force, by name (shown apart, in their own style)

    @property
    def clear(self) -> bool:
        """Nothing negative in force: no listing, no dishonesty information in effect."""
        return not self.reasons


def _black(m: MatterOut) -> bool:
    return m.listing is not None and m.listing.list_type == "black" and m.listing.listed


def _in_effect_negative(m: MatterOut) -> bool:
    return m.nature == "negative" and m.state == "in_effect"


def _candidates(m: MatterOut, domains: tuple[str, ...]) -> list[Candidate]:
    """The matter as the check engine sees it: a list entry while listed, a record while in effect."""
    out = []
    common = dict(item_code=m.item_code, domains=domains, department_code=m.department_code, basis=m.legal_basis,
                  start=m.start_date, holds_until=None, disputed=m.disputed)
    if m.listing is not None and m.listing.listed:
        out.append(Candidate("list_entry", m.id, m.id, m.listing.list_type, severity=m.severity, **common))
    if _in_effect_negative(m) and m.severity is not None:
        out.append(Candidate("record", m.id, m.id, None, severity=m.severity, **common))
    return out


def measures_for(matters: Iterable[MatterOut], measures: Iterable[Measure],
                 domains_of: Mapping[str, tuple[str, ...]]) -> tuple[MeasureRef, ...]:
    """The punishment measures that reach any of the matters (as a check would apply them), in the
    measure list's order, each once."""
    candidates = [c for m in matters
                  for c in _candidates(m, candidate_domains(domains_of.get(m.item_code or "", ()), m.domain))]
    return tuple(MeasureRef(x.code, x.name, x.kind_label, x.mandatory) for x in measures
                 if x.effect == "punishment" and any(reaches(x, c) for c in candidates))


def _why(m: MatterOut) -> str:
    data = {f.name: f.value for f in m.record.fields} if m.record else {}
    text = behaviour(m.item_name, data, "person")
    if not data and m.legal_basis and m.origin == "direct":
        text = f"{text}（依据：{m.legal_basis}）"
    return text


def _repair_way(matters: Sequence[MatterOut]) -> RepairWay | None:
    """The first matter the person can repair now; else the one they can repair soonest; else the
    reason the first cannot be repaired here (a court listing is deleted by the court)."""
    with_actions = [m for m in matters if m.actions is not None]
    if not with_actions:
        return None
    for m in with_actions:
        if m.actions and m.actions.repair.allowed:
            return RepairWay(m.id, True, None, False, None)
    for m in with_actions:
        if m.repair_pending:
            return RepairWay(m.id, False, None, True, "修复申请处理中")
    dated = sorted((m for m in with_actions if m.actions and m.actions.repair.earliest),
                   key=lambda m: m.actions.repair.earliest)  # type: ignore[union-attr,return-value,arg-type]
    if dated:
        m = dated[0]
        assert m.actions is not None
        return RepairWay(m.id, False, m.actions.repair.earliest, False, m.actions.repair.reason)
    first = with_actions[0]
    assert first.actions is not None
    return RepairWay(first.id, False, None, False, first.actions.repair.reason)


def banner(own: Sequence[MatterOut], measures: Iterable[Measure],
           domains_of: Mapping[str, tuple[str, ...]]) -> Banner:
    """The banner of a person's own matters (not their organisations')."""
    black = [m for m in own if _black(m)]
    negative = [m for m in own if _in_effect_negative(m) and not _black(m)]
    shown = black or negative
    reasons = tuple(Reason(m.id, _why(m), m.department_name, m.start_date,
                           m.listing.planned_end if m.listing and _black(m) else m.publicity.ends_on,
                           "异议处理中" if m.disputed else ("修复申请处理中" if m.repair_pending else None))
                    for m in shown)
    # The way out is for what the banner names: the listing when listed (a repairable penalty
    # beside a court listing keeps its own button on its card).
    honours = tuple(m.item_name for m in own if m.listing is not None and m.listing.list_type == "red"
                    and m.listing.listed)
    return Banner(bool(black), reasons, measures_for([*black, *negative], measures, domains_of), _repair_way(shown),
                  honours)
