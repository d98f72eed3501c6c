"""All SQL for explanations."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin.explanations.models import Explanation


def get(session: Session, subject_key: str, matter_id: str) -> Explanation | None:
    return session.get(Explanation, (subject_key, matter_id))


def of_subjects(session: Session, subject_keys: Sequence[str]) -> dict[str, Explanation]:
    """The subjects' explanations by matter id."""
    rows = session.scalars(select(Explanation).where(Explanation.subject_key.in_(list(subject_keys))))
    return {e.matter_id: e for e in rows}
