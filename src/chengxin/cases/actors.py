"""Who acted on a case, as the history keeps it."""

from __future__ import annotations

from chengxin.callers import Caller


def actor_of(caller: Caller) -> str:
    """person | agent:<uscc> | department:<code> | operator:<account> | system."""
    if caller.has("person"):
        return "person"
    if caller.has("third_party"):
        return f"agent:{caller.org_uscc}"
    if caller.is_department:
        return f"department:{caller.department_code}"
    if caller.has("operator"):
        return f"operator:{caller.account_id}"
    return "system"
