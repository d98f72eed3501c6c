"""All SQL for case history and evidence files."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chengxin.cases.models import CaseEvent, EvidenceFile


def next_seq(session: Session, subject_key: str, case_id: str) -> int:
    last = session.scalar(select(func.max(CaseEvent.seq)).where(
        CaseEvent.subject_key == subject_key, CaseEvent.case_id == case_id))
    return (last or 0) + 1


def events(session: Session, subject_key: str, case_id: str) -> Sequence[CaseEvent]:
    return session.scalars(select(CaseEvent).where(
        CaseEvent.subject_key == subject_key, CaseEvent.case_id == case_id).order_by(CaseEvent.seq)).all()


def evidence_of(session: Session, subject_key: str, case_id: str) -> Sequence[EvidenceFile]:
    """The files of a case, without loading their contents' plaintext."""
    return session.scalars(select(EvidenceFile).where(
        EvidenceFile.subject_key == subject_key, EvidenceFile.case_id == case_id).order_by(EvidenceFile.id)).all()


def evidence(session: Session, subject_key: str, evidence_id: str) -> EvidenceFile | None:
    return session.get(EvidenceFile, (subject_key, evidence_id))
