"""Pure objection rules: statuses, outcomes and what each outcome requires."""

from __future__ import annotations

from datetime import date

STATUS_LABELS = {
    "open": "异议处理中",
    "corrected": "已更正",
    "revoked": "已撤销原记录",
    "upheld": "维持原记录",
    "withdrawn": "已撤回",
}
OUTCOMES = ("corrected", "revoked", "upheld")
DISPUTED_LABEL = "异议处理中"
MIN_REASON = 5
MAX_REASON = 2000


def overdue(status: str, deadline: date, today: date) -> bool:
    """An open objection is overdue the day after its last working day."""
    return status == "open" and today > deadline


def days_left(deadline: date, today: date) -> int:
    """Calendar days until the deadline (negative when overdue), for queues sorted by urgency."""
    return (deadline - today).days
