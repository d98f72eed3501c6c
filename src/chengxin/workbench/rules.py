"""Pure workbench rules: what a role is shown first, how a count reads."""

from __future__ import annotations

from dataclasses import dataclass

from chengxin.accounts.rules import PERMISSIONS

# Roles that work in the console (not a person, not a third party): each lands on the workbench.
STAFF_ROLES = PERMISSIONS["workbench"]
# Days before a deadline from which an objection counts as "due soon".
DUE_SOON_DAYS = 3


@dataclass(frozen=True, slots=True)
class Todo:
    """One line of the workbench: `count` things wait at `href`; `urgent` of them are late."""

    key: str
    title: str
    count: int
    href: str
    detail: str = ""
    urgent: int = 0


@dataclass(frozen=True, slots=True)
class Shortcut:
    """A job a role does without a queue (send a file, run a check), one click from the workbench."""

    title: str
    href: str
    note: str


def shown(count: int, cap: int) -> str:
    """A count as a person reads it: "99+" past the cap the repository counts to."""
    return f"{cap - 1}+" if count >= cap else str(count)
