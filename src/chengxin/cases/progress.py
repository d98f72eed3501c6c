"""A person's case as three steps, 提交 → 受理 → 决定, each with its date and what was decided:
the tracker on the file's matter cards and on the objection and repair pages. Pure: it reads
the case's own columns (words come from state: a step is done only when its date is there)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from chengxin.objections.rules import STATUS_LABELS as OBJECTION_LABELS
from chengxin.repairs.rules import OPEN as REPAIR_OPEN
from chengxin.repairs.rules import STATUS_LABELS as REPAIR_LABELS

# done: happened (at its date); refused: happened and ended the case against the person's ask;
# current: being worked on now (by the date shown); todo: not reached yet.
DONE, REFUSED, CURRENT, TODO = "done", "refused", "current", "todo"


@dataclass(frozen=True, slots=True)
class Step:
    label: str
    state: str
    at: datetime | None = None
    due: date | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class Progress:
    """One case of the person, as the tracker shows it."""

    kind: str  # objection | repair
    kind_label: str
    id: str
    matter_id: str
    href: str
    open: bool
    status_label: str
    filed_at: datetime
    steps: tuple[Step, Step, Step]


class _Objection(Protocol):
    id: str
    matter_id: str
    status: str
    filed_at: datetime
    deadline: date
    decided_at: datetime | None
    decision_reason: str | None


class _Repair(Protocol):
    id: str
    matter_id: str
    status: str
    filed_at: datetime
    accept_deadline: date
    accepted_at: datetime | None
    decide_deadline: date | None
    decided_at: datetime | None
    decision_reason: str | None


def of_objection(o: _Objection) -> Progress:
    """An objection is registered as it is filed; the department then checks and decides by its deadline."""
    filed = Step("提交", DONE, o.filed_at, note="异议已提交")
    received = Step("受理", DONE, o.filed_at, note="提交即登记，报送部门核查中")
    if o.status == "open":
        decided = Step("决定", CURRENT, due=o.deadline, note="等待报送部门核查后答复")
    else:
        label = OBJECTION_LABELS.get(o.status, o.status)
        reason = f"：{o.decision_reason}" if o.decision_reason else ""
        decided = Step("决定", DONE, o.decided_at, note=f"{label}{reason}")
    return Progress("objection", "异议", o.id, o.matter_id, f"/me/objections/{o.id}", o.status == "open",
                    OBJECTION_LABELS.get(o.status, o.status), o.filed_at, (filed, received, decided))


def of_repair(r: _Repair) -> Progress:
    """A repair application is accepted (or refused) by its deadline, then decided by the next."""
    filed = Step("提交", DONE, r.filed_at, note="修复申请已提交")
    reason = f"：{r.decision_reason}" if r.decision_reason else ""
    if r.status == "submitted":
        accepted = Step("受理", CURRENT, due=r.accept_deadline, note="等待信用办受理")
        decided = Step("决定", TODO)
    elif r.status == "rejected":
        accepted = Step("受理", REFUSED, r.accepted_at or r.decided_at, note=f"不予受理{reason}")
        decided = Step("决定", TODO, note="申请未受理，不再作出修复决定")
    else:
        accepted = Step("受理", DONE, r.accepted_at, note="已受理，审核中")
        if r.status == "accepted":
            decided = Step("决定", CURRENT, due=r.decide_deadline, note="等待信用办作出修复决定")
        else:
            state = DONE if r.status == "approved" else REFUSED
            decided = Step("决定", state, r.decided_at, note=f"{REPAIR_LABELS.get(r.status, r.status)}{reason}")
    return Progress("repair", "信用修复申请", r.id, r.matter_id, f"/me/repairs/{r.id}", r.status in REPAIR_OPEN,
                    REPAIR_LABELS.get(r.status, r.status), r.filed_at, (filed, accepted, decided))
