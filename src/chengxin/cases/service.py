"""The one choke point for case history, and evidence storage (encrypted at rest)."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from chengxin import ids
from chengxin.cases import repository as repo
from chengxin.cases.models import CaseEvent, EvidenceFile
from chengxin.cases.rules import CheckedUpload
from chengxin.crypto import Keys
from chengxin.errors import NotFound


def record_event(session: Session, *, subject_key: str, case_id: str, case_kind: str, actor: str,
                 action: str, at: datetime, note: str | None = None) -> CaseEvent:
    """Append a step to a case's history; every state change of a case goes through here."""
    event = CaseEvent(subject_key=subject_key, case_id=case_id, seq=repo.next_seq(session, subject_key, case_id),
                      case_kind=case_kind, at=at, actor=actor, action=action, note=(note or None) and note[:2000])
    session.add(event)
    session.flush()
    return event


def store_evidence(session: Session, keys: Keys, *, subject_key: str, case_kind: str, case_id: str,
                   files: Sequence[CheckedUpload], at: datetime) -> list[EvidenceFile]:
    """Keep checked evidence files, each encrypted and bound to its own id."""
    rows = []
    for f in files:
        fid = ids.new_id()
        cipher = keys.encrypt(base64.b64encode(f.content).decode("ascii"), f"evidence:{fid}".encode())
        rows.append(EvidenceFile(subject_key=subject_key, id=fid, case_id=case_id, case_kind=case_kind,
                                 filename=f.filename, media_type=f.media_type, size=len(f.content),
                                 sha256=hashlib.sha256(f.content).hexdigest(), content_cipher=cipher,
                                 uploaded_at=at))
    session.add_all(rows)
    session.flush()
    return rows


def read_evidence(session: Session, keys: Keys, subject_key: str, case_id: str,
                  evidence_id: str) -> tuple[EvidenceFile, bytes]:
    """An evidence file of a case and its decrypted bytes."""
    row = repo.evidence(session, subject_key, evidence_id[:26])
    if row is None or row.case_id != case_id:
        raise NotFound("EVIDENCE_NOT_FOUND", "没有该证明材料")
    plain = keys.decrypt(row.content_cipher, f"evidence:{row.id}".encode())
    return row, base64.b64decode(plain)
