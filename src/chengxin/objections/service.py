"""Objection use cases (R6): file, mark disputed at once, decide, escalate when overdue."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from chengxin import ids
from chengxin.callers import Caller
from chengxin.cases import service as cases
from chengxin.cases import targets
from chengxin.cases.actors import actor_of
from chengxin.cases.rules import Upload, check_uploads
from chengxin.catalog.rules import Catalog
from chengxin.clock import CHINA, today, utcnow
from chengxin.crypto import Keys
from chengxin.departments.models import Department
from chengxin.errors import DomainError, NotFound
from chengxin.matters import service as matters
from chengxin.notices import service as notices
from chengxin.objections import repository as repo
from chengxin.objections import rules
from chengxin.objections.models import Objection
from chengxin.persons import repository as persons
from chengxin.records import repository as record_repo
from chengxin.records import service as records
from chengxin.records.models import Record
from chengxin.records.rules import RowContext
from chengxin.settings import Settings
from chengxin.workdays.rules import add_working_days

KIND = "objection"


def file(session: Session, catalog: Catalog, keys: Keys, settings: Settings, *, caller: Caller, person_key: str,
         target_kind: str, target_id: str, reason: str, uploads: Sequence[Upload] = (),
         authorisation_id: str | None = None, now: datetime | None = None) -> Objection:
    """File an objection: the target shows "异议处理中" from this moment, wherever it appears."""
    now = now or utcnow()
    reason = " ".join((reason or "").split())
    if len(reason) < rules.MIN_REASON:
        raise DomainError("OBJECTION_REASON_REQUIRED", f"请写明异议理由（至少 {rules.MIN_REASON} 个字）", 422)
    target = targets.find(session, catalog, person_key, target_kind, target_id)
    if target.revoked:
        raise DomainError("OBJECTION_TARGET_REVOKED", "该信息已被撤销，无需提出异议", 409)
    if repo.open_on(session, person_key, target.id) is not None:
        raise DomainError("OBJECTION_ALREADY_OPEN", "对这条信息的异议正在处理中，请勿重复提交", 409)
    checked = check_uploads(list(uploads), max_files=settings.evidence_max_files,
                            max_bytes=settings.evidence_max_bytes)
    deadline = add_working_days(now.astimezone(CHINA).date(), settings.objection_working_days)
    objection = Objection(
        subject_key=person_key, id=ids.new_id(), target_kind=target_kind, target_id=target_id.strip()[:26],
        matter_id=target.id,
        source_record_id=target.source_record_id, item_code=target.item_code,
        department_code=target.department_code, reason=reason[: rules.MAX_REASON],
        filed_by=caller.account_id, agent_uscc=caller.org_uscc if caller.has("third_party") else None,
        authorisation_id=authorisation_id, status="open", filed_at=now, deadline=deadline.day,
        deadline_estimated=deadline.estimated)
    session.add(objection)
    session.flush()
    targets.set_disputed(session, target, now)
    cases.store_evidence(session, keys, subject_key=person_key, case_kind=KIND, case_id=objection.id,
                         files=checked, at=now)
    cases.record_event(session, subject_key=person_key, case_id=objection.id, case_kind=KIND,
                       actor=actor_of(caller), action="filed", at=now, note=reason)
    notices.enqueue(session, person_key=person_key, kind="objection_filed", key=objection.id,
                    title="异议已受理",
                    body=f"您对“{target.item_name}”提出的异议已提交{_dept(session, target.department_code)}处理，"
                         f"处理期限至 {deadline.label()}。处理期间该信息标注为“异议处理中”。")
    return objection


def decide(session: Session, catalog: Catalog, keys: Keys, *, caller: Caller, objection: Objection, outcome: str,
           reason: str, record: Mapping[str, Any] | None = None, now: datetime | None = None,
           settings: Settings | None = None) -> Objection:
    """The source department corrects (a new version), revokes or upholds; the person is told."""
    now = now or utcnow()
    if objection.status != "open":
        raise DomainError("OBJECTION_CLOSED", "该异议已处理完毕", 409, objection_status=objection.status)
    if outcome not in rules.OUTCOMES:
        raise DomainError("OBJECTION_OUTCOME_UNKNOWN",
                          "处理结果应为 corrected（更正）、revoked（撤销）或 upheld（维持）", 422)
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("OBJECTION_DECISION_REASON_REQUIRED", "请写明处理理由", 422)
    target = _live_target(session, catalog, objection)
    if outcome == "corrected":
        objection.new_record_id = _correct(session, catalog, keys, objection, target, record)
    elif outcome == "revoked":
        _revoke(session, catalog, objection, target, reason, settings)
    targets.set_disputed(session, target, None)
    objection.status = outcome
    objection.decided_at = now
    objection.decided_by = actor_of(caller)
    objection.decision_reason = reason[:2000]
    session.flush()
    cases.record_event(session, subject_key=objection.subject_key, case_id=objection.id, case_kind=KIND,
                       actor=objection.decided_by, action=outcome, at=now, note=reason)
    notices.enqueue(session, person_key=objection.subject_key, kind="objection_decided", key=objection.id,
                    settings=settings,
                    title=f"异议处理结果：{rules.STATUS_LABELS[outcome]}",
                    body=f"您对“{target.item_name}”提出的异议已处理：{rules.STATUS_LABELS[outcome]}。理由：{reason[:200]}")
    return objection


def withdraw(session: Session, catalog: Catalog, *, caller: Caller, objection: Objection,
             now: datetime | None = None) -> Objection:
    """The person takes an open objection back; the marker goes."""
    now = now or utcnow()
    if objection.status != "open":
        raise DomainError("OBJECTION_CLOSED", "该异议已处理完毕", 409, objection_status=objection.status)
    targets.set_disputed(session, _live_target(session, catalog, objection), None)
    objection.status = "withdrawn"
    objection.decided_at = now
    objection.decided_by = actor_of(caller)
    session.flush()
    cases.record_event(session, subject_key=objection.subject_key, case_id=objection.id, case_kind=KIND,
                       actor=objection.decided_by, action="withdrawn", at=now)
    return objection


def escalate_overdue(session: Session, on: date | None = None, now: datetime | None = None) -> int:
    """Open objections past their deadline go to the credit office (once each); idempotent."""
    on = on or today()
    now = now or utcnow()
    count = 0
    for objection in repo.overdue(session, on):
        objection.escalated_at = now
        cases.record_event(session, subject_key=objection.subject_key, case_id=objection.id, case_kind=KIND,
                           actor="system", action="escalated", at=now,
                           note=f"超过处理期限 {objection.deadline.isoformat()}，提交信用办督办")
        notices.enqueue(session, person_key=objection.subject_key, kind="objection_escalated", key=objection.id,
                        title="异议已提交信用办督办",
                        body=f"您的异议未在期限（{objection.deadline.isoformat()}）内处理完毕，已提交信用办督办。")
        count += 1
    session.flush()
    return count


def for_handler(session: Session, caller: Caller, objection_id: str) -> Objection:
    """An objection the caller may handle: its source department's, or any for the credit office."""
    objection = repo.get(session, objection_id)
    if objection is None or (not caller.has("operator") and objection.department_code != caller.department_code):
        raise NotFound("OBJECTION_NOT_FOUND", "没有该异议，或它不属于本部门")
    return objection


def own(session: Session, person_key: str, objection_id: str) -> Objection:
    objection = repo.get(session, objection_id)
    if objection is None or objection.subject_key != person_key:
        raise NotFound("OBJECTION_NOT_FOUND", "没有该异议")
    return objection



def _live_target(session: Session, catalog: Catalog, objection: Objection) -> targets.Target:
    return targets.find(session, catalog, objection.subject_key, "matter", objection.matter_id)


def _correct(session: Session, catalog: Catalog, keys: Keys, objection: Objection, target: targets.Target,
             record: Mapping[str, Any] | None) -> str:
    """Correct through a new version: sent with the decision, or already submitted since the objection."""
    if target.record is None:
        raise DomainError("OBJECTION_CORRECTION_KIND", "直接列入的名单条目不能更正，请选择撤销或维持", 422)
    if record is None:
        if target.record.recorded_at <= objection.filed_at:
            raise DomainError("OBJECTION_CORRECTION_MISSING", "请随处理结果提交更正后的记录（或先报送新版本）", 422)
        return target.record.id
    if record.get("source_record_id") != objection.source_record_id:
        raise DomainError("OBJECTION_CORRECTION_SOURCE", "更正后的记录必须使用原记录的源记录编号", 422)
    batch = records.open_batch(session, objection.department_code, "api")
    ctx = RowContext(catalog, objection.department_code, today(), keys.hasher(), None)
    result = records.Collector(session, catalog, keys, batch, ctx).add_chunk([(1, dict(record))])
    records.close_batch(batch)
    if result.rejected:
        raise DomainError("OBJECTION_CORRECTION_INVALID", "更正后的记录未通过校验", 422,
                          issues=[{"field": i.field, "code": i.code, "message": i.message}
                                  for i in result.issues if i.level == "error"])
    if not result.new_versions:
        raise DomainError("OBJECTION_CORRECTION_UNCHANGED", "更正后的记录与原记录相同", 422)
    live = record_repo.find_current(session, objection.department_code, objection.source_record_id or "")
    if live is None or live.subject_key != objection.subject_key:
        raise DomainError("OBJECTION_CORRECTION_SUBJECT", "更正后的记录必须仍是同一信息主体的", 422)
    target.record = live
    return live.id


def _revoke(session: Session, catalog: Catalog, objection: Objection, target: targets.Target, reason: str,
            settings: Settings | None = None) -> None:
    """The objection is upheld by revoking: the whole matter ends, and the person is told what that
    stopped (the decision notice says the rest)."""
    if target.matter.ended_on is not None:
        return  # ended meanwhile (a repair, a court deletion): nothing left to stop
    department = _dept(session, objection.department_code)
    matters.end(session, target.matter, "revoked", f"异议成立：{reason}"[:2000], settings=settings, told=matters.Told(
        "matter_revoked", target.matter.id, f"信息已撤销：{target.item_name}",
        f"您对“{target.item_name}”的异议成立，{department}已撤销该信息。"))


def _dept(session: Session, code: str) -> str:
    department = session.get(Department, code)
    return department.name if department is not None else code


def current_record(session: Session, catalog: Catalog, objection: Objection) -> Record | None:
    """The live version of the record of the matter objected to (None for a direct list entry), for
    the handler's form."""
    return _live_target(session, catalog, objection).record


def corrected_row(session: Session, keys: Keys, record: Record, values: Mapping[str, str]) -> dict[str, Any] | None:
    """A full submission row for `record` with the handler's changed field values, or None when
    nothing changed (the handler then relies on a version already resubmitted)."""
    changes = {k: v.strip() for k, v in values.items() if v.strip() != str(record.data.get(k, "")).strip()}
    if not changes:
        return None
    person = persons.get(session, record.subject_key)
    if person is None:
        raise NotFound("PERSON_NOT_FOUND", "平台中没有此人的信用档案")
    row: dict[str, Any] = {
        "item_code": record.item_code, "id_type": person.id_type, "name": person.name,
        "id_number": keys.decrypt(person.id_cipher, record.subject_key.encode()),
        "source_record_id": record.source_record_id, "decision_date": record.decision_date.isoformat(),
        **{k: v for k, v in record.data.items()}, **changes}
    if record.severity_reason:
        row.update(severity=record.severity, severity_reason=record.severity_reason)
    return row
