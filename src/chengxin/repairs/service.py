"""Credit repair use cases (R4): eligibility explained, apply, accept, decide, and what repair stops."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
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
from chengxin.clock import CHINA, utcnow
from chengxin.crypto import Keys
from chengxin.departments import repository as departments
from chengxin.errors import DomainError, NotFound
from chengxin.exchange.rules import split_department
from chengxin.masking import ADULT_MONTHS
from chengxin.matters import service as matters
from chengxin.notices import service as notices
from chengxin.persons import counter
from chengxin.persons import repository as persons
from chengxin.publicity.rules import Tier, add_months
from chengxin.records import repository as records_repo
from chengxin.repairs import repository as repo
from chengxin.repairs import rules
from chengxin.repairs.models import Repair
from chengxin.settings import Settings
from chengxin.signing import Signer, canonical_json
from chengxin.workdays.rules import add_working_days

KIND = "repair"
COUNTER_PURPOSE = "窗口代为申请信用修复"
COMMITMENT_TYPE = "chengxin.credit_commitment.v1"
MINOR_NOTE = "未成年时的轻微失信行为已纠正，依规予以保护，自动修复"


def _day(moment: datetime) -> date:
    return moment.astimezone(CHINA).date()


def assess(session: Session, catalog: Catalog, tiers: dict[str, Tier], person_key: str, target_kind: str,
           target_id: str, as_of: date) -> tuple[targets.Target, rules.Eligibility]:
    """The target and whether (and from when) it can be repaired, each condition explained."""
    target = targets.find(session, catalog, person_key, target_kind, target_id)
    pending = repo.open_on(session, person_key, target.id) is not None
    return target, _eligibility(session, tiers, person_key, target, as_of, pending=pending)


def _eligibility(session: Session, tiers: dict[str, Tier], person_key: str, target: targets.Target, as_of: date,
                 *, pending: bool, before_repair: bool = False) -> rules.Eligibility:
    """`before_repair`: judge the matter as it was before a repair took it off (then it was in effect:
    the repair could only be granted so)."""
    person = persons.get(session, person_key)
    birth = person.birth_date if person is not None else None
    in_effect = before_repair or matters.state(target.matter, as_of, tiers) == "in_effect"
    node, _ = split_department(target.department_code)
    elsewhere = None
    if node is not None:
        dept = departments.get(session, target.department_code)
        elsewhere = (dept.name if dept is not None else target.department_code).replace("·", "的")
    facts = rules.Facts(
        nature=target.nature, severity=target.severity, start=target.start, repairable=target.repairable,
        court_list=target.court_list, revoked=target.revoked, repaired=target.repaired and not before_repair,
        in_effect=in_effect, pending=pending,
        minor_at_decision=birth is not None and target.start < add_months(birth, ADULT_MONTHS), elsewhere=elsewhere)
    return rules.eligibility(facts, as_of, tiers, rules.default_rules())


def eligibility_at_filing(session: Session, catalog: Catalog, tiers: dict[str, Tier],
                          r: Repair) -> tuple[targets.Target, rules.Eligibility]:
    """The checklist the applicant saw when applying, for the reviewer: as of the filing day, with this
    application itself not counted as one pending, and a repair it brought about not counted either."""
    target = targets.find_live(session, catalog, r.subject_key, r.target_kind, r.target_id)
    return target, _eligibility(session, tiers, r.subject_key, target, _day(r.filed_at), pending=False,
                                before_repair=r.status == "approved")


def apply(session: Session, catalog: Catalog, keys: Keys, settings: Settings, signer: Signer,
          tiers: dict[str, Tier], *, caller: Caller, person_key: str, target_kind: str, target_id: str,
          method: str, statement: str, commitment: bool, uploads: Sequence[Upload] = (),
          authorisation_id: str | None = None, channel: str = "online", remote_evidence: Sequence[str] = (),
          now: datetime | None = None) -> Repair:
    """Apply for repair with evidence and a signed credit commitment; refused with the reason and
    the earliest date when a condition is not met. The application goes to the queue of the department
    that decided the matter (R14); `channel` says how it came in (a counter clerk files as `caller`);
    `remote_evidence` names proof another platform took in and keeps (an application forwarded from above)."""
    now = now or utcnow()
    day = _day(now)
    target, elig = assess(session, catalog, tiers, person_key, target_kind, target_id, day)
    refusal = elig.refusal
    if refusal is not None:
        raise DomainError(refusal.code, refusal.detail, 409 if refusal.code == "REPAIR_ALREADY_PENDING" else 422,
                          earliest=elig.earliest.isoformat() if elig.earliest else None,
                          steps=[{"code": s.code, "label": s.label, "passed": s.passed, "detail": s.detail}
                                 for s in elig.steps])
    if method not in elig.methods:
        names = "、".join(rules.default_rules().methods[m].name for m in elig.methods)
        raise DomainError("REPAIR_METHOD_NOT_ALLOWED", f"该信息可用的修复方式为：{names}", 422,
                          methods=list(elig.methods))
    statement = " ".join((statement or "").split())
    if len(statement) < 5:
        raise DomainError("REPAIR_STATEMENT_REQUIRED", "请说明纠正失信行为、履行义务的情况（至少 5 个字）", 422)
    if not commitment:
        raise DomainError("REPAIR_COMMITMENT_REQUIRED", "申请信用修复须签署信用承诺书", 422)
    checked = check_uploads(list(uploads), max_files=settings.evidence_max_files,
                            max_bytes=settings.evidence_max_bytes)
    if not checked and not remote_evidence and not held_by_department(session, target):
        raise DomainError("REPAIR_EVIDENCE_REQUIRED", "请上传履行义务或纠正失信行为的证明材料", 422)
    text = rules.default_rules().commitment
    repair_id = ids.new_id()
    signature = signer.sign(canonical_json(commitment_body(repair_id, person_key, target_kind, target_id.strip()[:26],
                                                           text, now)))
    accept_by = add_working_days(day, settings.repair_accept_working_days)
    repair = Repair(
        subject_key=person_key, id=repair_id, target_kind=target_kind, target_id=target_id.strip()[:26],
        matter_id=target.id,
        source_record_id=target.source_record_id, item_code=target.item_code, department_code=target.department_code,
        severity=target.severity or "", method=method, statement=statement[:2000], commitment_text=text,
        commitment_sha256=hashlib.sha256(text.encode()).hexdigest(), commitment_signed_at=now,
        commitment_key_id=signer.key_id, commitment_signature=base64.b64encode(signature).decode(),
        filed_by=caller.account_id, agent_uscc=caller.org_uscc if caller.has("third_party") else None,
        channel="agent" if caller.has("third_party") else channel,
        authorisation_id=authorisation_id, protected_minor=elig.protected_minor, status="submitted",
        filed_at=now, accept_deadline=accept_by.day)
    session.add(repair)
    session.flush()
    cases.store_evidence(session, keys, subject_key=person_key, case_kind=KIND, case_id=repair.id,
                         files=checked, at=now)
    cases.record_event(session, subject_key=person_key, case_id=repair.id, case_kind=KIND, actor=actor_of(caller),
                       action="filed", at=now, note=statement)
    if elig.protected_minor:  # R7: a minor's corrected minor dishonesty stops being used at once
        repair.status, repair.accepted_at, repair.reviewer = "accepted", now, "system"
        cases.record_event(session, subject_key=person_key, case_id=repair.id, case_kind=KIND, actor="system",
                           action="accepted", at=now, note=MINOR_NOTE)
        _approve(session, catalog, repair, "system", MINOR_NOTE, now, settings)
    else:
        notices.enqueue(session, person_key=person_key, kind="repair_filed", key=repair.id,
                        title="信用修复申请已提交",
                        body=f"您对“{target.item_name}”的信用修复申请已提交，"
                             f"将于 {accept_by.label()} 前决定是否受理。")
    return repair


def held_by_department(session: Session, target: targets.Target) -> list[rules.Held]:
    """What the deciding department already holds that proves the obligation met (held.yaml): the
    person is not asked for it, and the reviewer sees it as fetched."""
    m = target.matter
    # The decision document's number: a listing keeps it on the matter, a record in its data.
    data = target.record.data if target.record is not None else {}
    reference = m.reference or next((str(data[f]) for f in matters.REFERENCE_FIELDS if data.get(f)), None)
    rows = [(r.id, r.department_code, r.item_code, r.decision_date, r.data)
            for r in records_repo.subject_records(session, [m.subject_key], None, None, False)
            if r.department_code == m.department_code]
    return rules.held(rules.held_proofs(), department=m.department_code, reference=reference, since=m.start_date,
                      records=rows)


def commitment_body(repair_id: str, person_key: str, kind: str, target_id: str, text: str,
                    signed_at: datetime) -> dict[str, Any]:
    """What the platform signs for a credit commitment: who, about what, which text, when."""
    return {"type": COMMITMENT_TYPE, "repair_id": repair_id, "subject": person_key,
            "target": {"kind": kind, "id": target_id},
            "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "signed_at": signed_at.astimezone(CHINA).isoformat(timespec="seconds")}


def accept(session: Session, settings: Settings, *, caller: Caller, repair: Repair, accepted: bool, reason: str,
           now: datetime | None = None) -> Repair:
    """Accept the application for review (then decide by the deadline) or refuse to accept it."""
    now = now or utcnow()
    if repair.status != "submitted":
        raise DomainError("REPAIR_NOT_SUBMITTED", "只有待受理的申请可以受理或不予受理", 409,
                          repair_status=repair.status)
    reason = " ".join((reason or "").split())
    if not accepted and not reason:
        raise DomainError("REPAIR_REASON_REQUIRED", "不予受理须说明理由", 422)
    actor = actor_of(caller)
    repair.reviewer = actor
    repair.accepted_at = now
    if accepted:
        repair.status = "accepted"
        decide_by = add_working_days(_day(now), settings.repair_decide_working_days)
        repair.decide_deadline = decide_by.day
        title = "信用修复申请已受理"
        body = f"您的信用修复申请已受理，将于 {decide_by.label()} 前作出决定。"
    else:
        repair.status, repair.decided_at, repair.decision_reason = "rejected", now, reason[:2000]
        title, body = "信用修复申请不予受理", f"您的信用修复申请不予受理。理由：{reason[:200]}"
    session.flush()
    cases.record_event(session, subject_key=repair.subject_key, case_id=repair.id, case_kind=KIND, actor=actor,
                       action=repair.status, at=now, note=reason or None)
    notices.enqueue(session, person_key=repair.subject_key, kind=f"repair_{repair.status}", key=repair.id,
                    title=title, body=body)
    if repair.status == "rejected":
        _tell_upper(session, repair, settings)
    return repair


def decide(session: Session, catalog: Catalog, *, caller: Caller, repair: Repair, approved: bool, reason: str,
           now: datetime | None = None, settings: Settings | None = None) -> Repair:
    """Approve (publicity, sharing and checks stop; lists exited; others told) or deny with a reason."""
    now = now or utcnow()
    if repair.status != "accepted":
        raise DomainError("REPAIR_NOT_ACCEPTED", "只有已受理的申请可以作出修复决定", 409, repair_status=repair.status)
    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError("REPAIR_REASON_REQUIRED", "作出决定须说明理由", 422)
    if approved:
        _approve(session, catalog, repair, actor_of(caller), reason, now, settings)
        return repair
    repair.status, repair.decided_at, repair.decision_reason = "denied", now, reason[:2000]
    repair.reviewer = actor_of(caller)
    session.flush()
    cases.record_event(session, subject_key=repair.subject_key, case_id=repair.id, case_kind=KIND,
                       actor=repair.reviewer, action="denied", at=now, note=reason)
    notices.enqueue(session, person_key=repair.subject_key, kind="repair_denied", key=repair.id, settings=settings,
                    title="信用修复申请不予修复", body=f"您的信用修复申请经审核不予修复。理由：{reason[:200]}")
    _tell_upper(session, repair, settings)
    return repair


def _tell_upper(session: Session, repair: Repair, settings: Settings | None) -> None:
    """An application an upper platform forwarded and that was refused: that platform is told, as it is
    of an approval (which travels with the matter's end)."""
    if repair.channel != "upper":
        return
    notices.tell_upstream(session, subject_key=repair.subject_key, kind=f"repair_{repair.status}", key=repair.id,
                          settings=settings, payload={
                              "type": f"credit_repair_{repair.status}", "repair_id": repair.id,
                              "subject": repair.subject_key, "matter": repair.matter_id,
                              "department": repair.department_code, "source_record_id": repair.source_record_id,
                              "reason": (repair.decision_reason or "")[:500]})


def _approve(session: Session, catalog: Catalog, repair: Repair, actor: str, reason: str, now: datetime,
             settings: Settings | None = None) -> None:
    """The repair ends the whole matter (its record, its list entry, its measures); the person is
    told what that stopped, and the upper-level platform is told of the repair."""
    target = targets.find(session, catalog, repair.subject_key, "matter", repair.matter_id)
    if target.matter.ended_on is not None:
        raise DomainError("REPAIR_TARGET_ENDED", "该信息已撤销、已修复或已由法院删除，无需再作修复决定", 409)
    repair.status, repair.decided_at, repair.reviewer, repair.decision_reason = "approved", now, actor, reason[:2000]
    session.flush()
    cases.record_event(session, subject_key=repair.subject_key, case_id=repair.id, case_kind=KIND, actor=actor,
                       action="approved", at=now, note=reason)
    day = _day(now)
    matters.end(session, target.matter, "repaired", f"信用修复（申请 {repair.id}）：{reason}"[:2000], on=day, now=now,
                settings=settings,
                told=matters.Told("repair_approved", repair.id, "信用修复已完成",
                                  f"您对“{target.item_name}”的信用修复已完成。",
                                  "修复记录存档，可在本人信用档案中查看。"),
                upstream=("repair_approved", repair.id, {
                    "type": "credit_repair", "repair_id": repair.id, "subject": repair.subject_key,
                    "matter": target.matter.id,
                    "target": {"kind": repair.target_kind, "id": repair.target_id,
                               "department": repair.department_code, "source_record_id": repair.source_record_id,
                               "item_code": repair.item_code},
                    "repaired_on": day.isoformat()}))


def flag_overdue(session: Session, on: date, now: datetime | None = None) -> int:
    """Applications past their acceptance or decision deadline go to the credit office's attention."""
    now = now or utcnow()
    count = 0
    for repair in repo.overdue(session, on):
        repair.overdue_at = now
        deadline = repair.accept_deadline if repair.status == "submitted" else repair.decide_deadline
        cases.record_event(session, subject_key=repair.subject_key, case_id=repair.id, case_kind=KIND,
                           actor="system", action="overdue", at=now,
                           note=f"超过{'受理' if repair.status == 'submitted' else '决定'}期限 {deadline}")
        count += 1
    session.flush()
    return count



def own(session: Session, person_key: str, repair_id: str) -> Repair:
    repair = repo.get(session, repair_id)
    if repair is None or repair.subject_key != person_key:
        raise NotFound("REPAIR_NOT_FOUND", "没有该修复申请")
    return repair


def for_reviewer(session: Session, caller: Caller, repair_id: str) -> Repair:
    """An application the caller may see and decide: its deciding department's (R14), or any for the
    credit office, which coordinates every queue. The office may also act on one itself, as the
    fallback for a department that has no account on the platform or leaves it past its deadline;
    its act is recorded under its own name, so the file says who decided."""
    repair = repo.get(session, repair_id)
    if repair is None or (not caller.has("operator") and repair.department_code != caller.department_code):
        raise NotFound("REPAIR_NOT_FOUND", "没有该修复申请")
    return repair


def queue_department(caller: Caller) -> str | None:
    """Whose queue the caller sees: the office every department's (None), a department its own."""
    return None if caller.has("operator") else caller.require_department()


def identify(session: Session, keys: Keys, *, id_type: str, id_number: str, name: str, checked: bool) -> str:
    """The applicant's subject key, once the clerk has checked the ID card and the name matches."""
    return counter.identify(session, keys, id_type=id_type, id_number=id_number, name=name, checked=checked,
                            prefix="COUNTER", who="申请人")[0]
