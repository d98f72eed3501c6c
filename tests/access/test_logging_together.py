"""`logging_together`: many `log_reads` calls written in one statement, in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from chengxin.access.models import AccessEntry
from chengxin.access.service import Read, log_reads, logging_together
from chengxin.callers import Caller

HR = Caller("checker", department_code="human_resources", account_id="acc-hr")
TAX = Caller("checker", department_code="taxation", account_id="acc-tax")
AT = datetime(2026, 11, 21, 2, 30, tzinfo=UTC)


def logged(session, key: str) -> list[AccessEntry]:
    return list(session.scalars(select(AccessEntry).where(AccessEntry.subject_key == key).order_by(AccessEntry.seq)))


def test_entries_of_different_callers_are_written_when_the_block_ends(session):
    with logging_together(session):
        assert log_reads(session, HR, "check", [Read("k-together-1", "clear", "C1")], purpose="招录",
                         basis="civil_service_recruitment", business_ref="R1", at=AT) == 1
        log_reads(session, TAX, "check", [Read("k-together-1", "block", "C2")], purpose="许可",
                  basis="administrative_licensing", business_ref=None, at=AT)
        session.flush()
        assert logged(session, "k-together-1") == []  # not yet
    first, second = logged(session, "k-together-1")
    assert (first.actor_department, first.purpose, first.basis, first.business_ref, first.ref_id, first.result) == (
        "human_resources", "招录", "civil_service_recruitment", "R1", "C1", "clear")
    assert (second.actor_department, second.actor_account, second.purpose, second.ref_id, second.result) == (
        "taxation", "acc-tax", "许可", "C2", "block")
    assert first.at == second.at == AT


def test_an_error_in_the_block_writes_nothing(session):
    with pytest.raises(RuntimeError), logging_together(session):
        log_reads(session, HR, "check", [Read("k-together-2", "clear")], purpose="招录", at=AT)
        raise RuntimeError("boom")
    assert session.scalar(select(func.count()).select_from(AccessEntry).where(
        AccessEntry.subject_key == "k-together-2")) == 0
    log_reads(session, HR, "check", [Read("k-together-2", "clear")], purpose="招录", at=AT)  # back to one by one
    assert len(logged(session, "k-together-2")) == 1
