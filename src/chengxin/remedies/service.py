"""Extensions (申请延期) and appeals (行政复议 / 行政诉讼) on a matter: the person asks, the department
that decided the matter decides or records; the credit office coordinates and may act as with repairs."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from chengxin import ids
from chengxin.callers import Caller
from chengxin.cases import service as cases
from chengxin.cases.actors import actor_of
from chengxin.clock import CHINA, utcnow
from chengxin.errors import DomainError, NotFound
from chengxin.matters import repository as matters_repo
from chengxin.matters import service as matters
from chengxin.matters.models import Matter
from chengxin.notices import service as notices
from chengxin.remedies import repository as repo
from chengxin.remedies import rules
from chengxin.remedies.models import Appeal, Extension
from chengxin.settings import Settings


def _day(now: datetime) -> date:
    return now.astimezone(CHINA).date()


def _may_handle(caller: Caller, department_code: str) -> bool:
    return caller.has("operator") or department_code == caller.department_code


def matter_for_handler(session: Session, caller: Caller, matter_id: str) -> Matter:
    """A matter the caller may handle: its deciding department's, or any for the credit office."""
    m = matters_repo.get(session, (matter_id or "")[:26])
    if m is None or not _may_handle(caller, m.department_code):
        raise NotFound("MATTER_NOT_FOUND", "没有该事项")
    return m


def request_extension(session: Session, *, caller: Caller, person_key: str, matter_id: str, obligation: str,
                      due_date: date, requested_until: date, reason: str, channel: str = "online",
                      now: datetime | None = None) -> Extension:
    """The person asks the deciding department to extend an obligation that is not yet due."""
    now = now or utcnow()
    m = matters_repo.of_subject(session, person_key, (matter_id or "").strip()[:26])
    if m is None:
        raise NotFound("EXTENSION_MATTER_NOT_FOUND", "您的信用档案中没有这一事项")
    if m.nature != "negative" or m.ended_on is not None:
        raise DomainError("EXTENSION_NOT_APPLICABLE", "只有仍然有效的失信事项可以申请延期履行", 422)
    obligation, reason = " ".join((obligation or "").split()), " ".join((reason or "").split())
    if not obligation:
        raise DomainError("EXTENSION_OBLIGATION_REQUIRED", "请写明申请延期履行的义务，如“缴纳罚款”", 422)
    if len(reason) < 5:
        raise DomainError("EXTENSION_REASON_REQUIRED", "请说明申请延期的理由（至少 5 个字）", 422)
    rules.check_extension(due_date=due_date, requested_until=requested_until, today=_day(now))
    if any(e.status == "requested" and e.matter_id == m.id for e in repo.extensions_of(session, [person_key])):
        raise DomainError("EXTENSION_ALREADY_PENDING", "该事项的延期申请正在审核中", 409)
    e = Extension(subject_key=person_key, id=ids.new_id(), matter_id=m.id, department_code=m.department_code,
                  obligation=obligation[:100], due_date=due_date, requested_until=requested_until,
                  reason=reason[:2000], channel=channel, filed_by=caller.account_id, filed_at=now, status="requested")
    session.add(e)
    session.flush()
    cases.record_event(session, subject_key=person_key, case_id=e.id, case_kind="extension", actor=actor_of(caller),
                       action="filed", at=now, note=reason)
    return e


def extension_for_handler(session: Session, caller: Caller, extension_id: str) -> Extension:
    e = repo.extension(session, extension_id)
    if e is None or not _may_handle(caller, e.department_code):
        raise NotFound("EXTENSION_NOT_FOUND", "没有该延期申请")
    return e


def decide_extension(session: Session, *, caller: Caller, extension: Extension, granted: bool, reason: str,
                     until: date | None = None, now: datetime | None = None) -> Extension:
    """Grant (to the requested day or an earlier one) or refuse, with reasons; the person is told."""
    now = now or utcnow()
    if extension.status != "requested":
        raise DomainError("EXTENSION_DECIDED", "该延期申请已作出决定", 409)
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("EXTENSION_DECISION_REASON_REQUIRED", "作出决定须说明理由", 422)
    if granted:
        until = until or extension.requested_until
        if not extension.due_date < until <= extension.requested_until:
            raise DomainError("EXTENSION_UNTIL_INVALID", "准予延期至的日期须晚于原履行期限，且不晚于申请的日期", 422)
        extension.status, extension.granted_until = "granted", until
        body = (f"您申请延期履行“{extension.obligation}”，已准予延期至 {until.isoformat()}。在此日期前履行的，"
                f"不因逾期未履行该义务认定失信。")
    else:
        extension.status = "refused"
        body = (f"您申请延期履行“{extension.obligation}”，经审核不予延期，"
                f"原履行期限 {extension.due_date.isoformat()} 不变。")
    extension.decided_at, extension.decided_by, extension.decision_reason = now, actor_of(caller), reason[:2000]
    session.flush()
    cases.record_event(session, subject_key=extension.subject_key, case_id=extension.id, case_kind="extension",
                       actor=extension.decided_by, action=extension.status, at=now, note=reason)
    notices.enqueue(session, person_key=extension.subject_key, kind=f"extension_{extension.status}", key=extension.id,
                    title=rules.EXTENSION_LABELS[extension.status], body=f"{body}理由：{reason[:200]}")
    return extension


def record_appeal(session: Session, *, caller: Caller, matter: Matter, kind: str, case_number: str, body: str,
                  filed_on: date, now: datetime | None = None) -> Appeal:
    """Record that the decision is under administrative reconsideration or in a lawsuit."""
    now = now or utcnow()
    if kind not in rules.APPEAL_KINDS:
        raise DomainError("APPEAL_KIND_UNKNOWN", "类型应为行政复议或行政诉讼", 422)
    case_number, body = " ".join((case_number or "").split()), " ".join((body or "").split())
    if not case_number or not body:
        raise DomainError("APPEAL_CASE_REQUIRED", "请填写案号和复议机关或受理法院", 422)
    if filed_on > _day(now):
        raise DomainError("APPEAL_DATE_FUTURE", "申请或起诉日期不能晚于今天", 422)
    if matter.ended_on is not None:
        raise DomainError("APPEAL_MATTER_ENDED", "该事项已结束，无需记录", 409)
    if any(a.status == "pending" and a.matter_id == matter.id for a in repo.appeals_of(session, [matter.subject_key])):
        raise DomainError("APPEAL_ALREADY_PENDING", "该事项已有正在进行的行政复议或行政诉讼", 409)
    a = Appeal(subject_key=matter.subject_key, id=ids.new_id(), matter_id=matter.id, kind=kind,
               case_number=case_number[:100], body=body[:100], filed_on=filed_on, recorded_by=actor_of(caller),
               recorded_at=now, status="pending")
    session.add(a)
    session.flush()
    cases.record_event(session, subject_key=a.subject_key, case_id=a.id, case_kind="appeal", actor=a.recorded_by,
                       action="pending", at=now, note=f"{rules.APPEAL_KINDS[kind]} {case_number}（{body}）")
    return a


def appeal_for_handler(session: Session, caller: Caller, appeal_id: str) -> tuple[Appeal, Matter]:
    a = repo.appeal(session, appeal_id)
    m = matters_repo.of_subject(session, a.subject_key, a.matter_id) if a is not None else None
    if a is None or m is None or not _may_handle(caller, m.department_code):
        raise NotFound("APPEAL_NOT_FOUND", "没有该行政复议或行政诉讼记录")
    return a, m


def close_appeal(session: Session, *, caller: Caller, appeal: Appeal, matter: Matter, outcome: str, note: str,
                 on: date | None = None, now: datetime | None = None, settings: Settings | None = None) -> Appeal:
    """Its outcome: a revoked decision ends the matter everywhere (as a revocation does); upheld or
    withdrawn, the matter goes on as before."""
    now = now or utcnow()
    if appeal.status != "pending":
        raise DomainError("APPEAL_CLOSED", "该行政复议或行政诉讼已记录结果", 409)
    if outcome not in rules.APPEAL_OUTCOMES:
        raise DomainError("APPEAL_OUTCOME_UNKNOWN", "结果应为撤销、维持或撤回", 422)
    note = " ".join((note or "").split())
    if not note:
        raise DomainError("APPEAL_NOTE_REQUIRED", "请写明复议决定书或判决书的文号和要点", 422)
    on = on or _day(now)
    appeal.status, appeal.outcome_on, appeal.outcome_note, appeal.closed_by = outcome, on, note[:2000], actor_of(caller)
    session.flush()
    cases.record_event(session, subject_key=appeal.subject_key, case_id=appeal.id, case_kind="appeal",
                       actor=appeal.closed_by, action=outcome, at=now, note=note)
    if outcome == "revoked" and matter.ended_on is None:
        label = rules.APPEAL_KINDS[appeal.kind]
        matters.end(session, matter, "revoked", f"{label}（{appeal.case_number}）撤销原决定：{note}"[:2000], on=on,
                    now=now, settings=settings,
                    told=matters.Told("appeal_revoked", appeal.id, "原决定已被撤销",
                                      f"经{label}（{appeal.body}，{appeal.case_number}），原决定已被撤销。"))
    return appeal
