"""Pure rules of the listing procedure (R13): states, when a decision may be made, the intended
measures a notice names, and the words of the notices (告知书, 决定书 with the repair route)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from chengxin.sanctions.measures import Measure

STATE_LABELS = {
    "noticed": "已告知，陈述申辩期内",
    "stated": "已陈述申辩，待决定",
    "listed": "已决定列入",
    "not_listed": "已决定不予列入",
    "withdrawn": "已撤回",
}
OPEN = frozenset({"noticed", "stated"})
STATED_VIA = {"online": "本人在线提交", "counter": "窗口代为录入"}


def intended_measures(measures: Iterable[Measure], list_type: str, item_code: str | None,
                      item_domains: Sequence[str] = ()) -> list[dict[str, str]]:
    """The punishment measures the measure list attaches to this list (and item): what the notice
    names, never free text (R9: no body adds measures of its own)."""
    out = []
    for m in measures:
        t = m.targets
        if m.effect != "punishment" or list_type not in t.lists:
            continue
        if t.items and item_code not in t.items:
            continue
        if m.domains and not set(m.domains) & set(item_domains):
            continue
        out.append({"code": m.code, "name": m.name})
    return out


def decision_refusal(state: str, stated: bool, statement_due: date, today: date) -> tuple[str, str] | None:
    """Why the department may not decide yet (code, message), or None: only an open procedure, and
    only once the person has stated their case or the period has run out."""
    if state not in OPEN:
        return "LISTING_PROCEDURE_CLOSED", f"该列入程序已结束（{STATE_LABELS.get(state, state)}）"
    if not stated and today <= statement_due:
        return ("LISTING_DECISION_TOO_EARLY",
                f"当事人的陈述申辩期至 {statement_due.isoformat()} 届满；期满或收到陈述申辩后方可作出决定")
    return None


def statement_refusal(state: str, statement_due: date, today: date) -> tuple[str, str] | None:
    """Why a statement is not taken (code, message), or None."""
    if state == "stated":
        return "LISTING_ALREADY_STATED", "已经提交过陈述申辩"
    if state not in OPEN:
        return "LISTING_PROCEDURE_CLOSED", f"该列入程序已结束（{STATE_LABELS.get(state, state)}）"
    if today > statement_due:
        return "LISTING_STATEMENT_LATE", f"陈述申辩期已于 {statement_due.isoformat()} 届满"
    return None


@dataclass(frozen=True, slots=True)
class Notice:
    """What the prior notice says: the facts, the basis, the measures, the term and the right."""

    department: str
    list_name: str
    facts: str
    basis: str
    measures: Sequence[str]
    term_months: int
    due_label: str
    days: int


def notice_body(n: Notice) -> str:
    """The prior notice (告知书)."""
    measures = "；".join(n.measures) if n.measures else "措施清单中没有对该名单的惩戒措施"
    return (f"{n.department}拟将您列入{n.list_name}。\n"
            f"事实：{n.facts}\n依据：{n.basis}\n"
            f"拟采取的惩戒措施（依措施清单）：{measures}\n"
            f"列入期限：自决定之日起 {n.term_months} 个月。\n"
            f"您有权陈述、申辩：请在 {n.due_label} 前（告知送达后 {n.days} 个工作日内）通过本平台"
            f"“列入告知”页面提交，或到信用办或{n.department}窗口由工作人员代为录入。期满未提出的，视为放弃陈述、申辩。")


@dataclass(frozen=True, slots=True)
class RepairRoute:
    """How the person can get off the list again: where, from when, how (R4 两书同达, R14)."""

    department: str
    repairable: bool
    earliest: date | None
    min_months: int
    methods: Sequence[str]


def repair_route(r: RepairRoute) -> str:
    """The repair route served with the decision (信用修复告知)."""
    if not r.repairable:
        return "信用修复：法律、法规规定该信息不得修复。"
    when = (f"自 {r.earliest.isoformat()} 起（最短公示期 {r.min_months} 个月届满后）" if r.earliest and r.min_months
            else "履行义务、纠正失信行为后")
    methods = "、".join(r.methods)
    return (f"信用修复：您可{when}通过本平台“信用修复”页面申请信用修复（一处申请），"
            f"由信用办会同作出本决定的{r.department}办理；须已纠正失信行为、履行义务并作出信用承诺，"
            f"修复方式：{methods}。修复后停止公示和共享，惩戒措施解除。")


def decision_body(department: str, list_name: str, basis: str, measures: Sequence[str], start: date,
                  end: date | None, reasons: str, answer: str | None, route: str) -> str:
    """The decision notice with the repair route in one (两书同达)."""
    measures_text = "；".join(measures) if measures else "无"
    statement = f"对您的陈述、申辩的答复：{answer}\n" if answer else "您未在期限内陈述、申辩。\n"
    term = f"{start.isoformat()} 至 {end.isoformat()}" if end else f"自 {start.isoformat()} 起"
    return (f"一、列入决定书\n{department}决定将您列入{list_name}。\n理由：{reasons}\n{statement}"
            f"依据：{basis}\n惩戒措施：{measures_text}\n列入期限：{term}。\n"
            f"二、信用修复告知书\n{route}")


def not_listed_body(department: str, list_name: str, reasons: str, answer: str | None) -> str:
    said = f"对您的陈述、申辩的答复：{answer}\n" if answer else ""
    return f"{department}经审查，决定不将您列入{list_name}。\n理由：{reasons}\n{said}".rstrip("\n")
