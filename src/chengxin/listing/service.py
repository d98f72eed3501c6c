"""Listing procedure use cases (R13): a department serves the prior notice, the person states
their case (online or at a counter), the department decides with reasons; a decision to list
makes the listing the way a direct listing does and serves the decision with the repair route.

Court lists and listings from upper-level platforms arrive decided and never come here.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chengxin import ids
from chengxin.callers import Caller
from chengxin.catalog.rules import Catalog
from chengxin.clock import today, utcnow
from chengxin.conflicts.service import Origin
from chengxin.crypto import Keys
from chengxin.departments import repository as departments_repo
from chengxin.errors import DomainError, NotFound
from chengxin.identity.rules import parse_identifier
from chengxin.listing import repository as repo
from chengxin.listing import rules
from chengxin.listing.models import ListingProcedure
from chengxin.listing.schemas import DecisionIn, ProcedureIn
from chengxin.lists import service as lists
from chengxin.lists.rules import default_terms
from chengxin.matters.rules import LIST_LABELS
from chengxin.notices import service as notices
from chengxin.persons import counter
from chengxin.persons import service as persons
from chengxin.publicity.rules import add_months, default_tiers, earliest_repair_day
from chengxin.repairs.rules import default_rules as repair_rules
from chengxin.sanctions.measures import default_measures
from chengxin.settings import Settings
from chengxin.workdays import add_working_days

SEVERITY = "serious"  # the black list is the serious-dishonesty list


def _list_name(catalog: Catalog, p: ListingProcedure) -> str:
    item = catalog.item(p.item_code) if p.item_code else None
    return f"{LIST_LABELS[p.list_type]}（{item.name}）" if item else LIST_LABELS[p.list_type]


def _department(session: Session, code: str) -> str:
    return departments_repo.names(session).get(code, code)


def open_procedure(session: Session, catalog: Catalog, keys: Keys, settings: Settings, caller: Caller,
                   body: ProcedureIn) -> ListingProcedure:
    """Serve the prior notice (告知): facts, basis, the measures the measure list attaches, the
    term, and the right to state one's case within the working-day period; minors never."""
    department = caller.require_department()
    now, day = utcnow(), today()
    item = None
    if body.item_code is not None:
        item = catalog.item(body.item_code)
        if item is None or item.list_type != body.list_type:
            raise DomainError("LIST_ITEM_MISMATCH", f"目录项 {body.item_code[:32]} 不是{LIST_LABELS[body.list_type]}"
                              "的目录项", 422)
        if item.source_departments and department not in item.source_departments:
            raise DomainError("LIST_ITEM_DEPARTMENT", f"目录项 {body.item_code[:32]} 不由本部门认定", 403)
    ident = parse_identifier(body.id_type, body.id_number)
    if ident.birth_date is not None and day < add_months(ident.birth_date, 12 * 18):
        raise DomainError("LIST_MINOR_NOT_ALLOWED", "未成年人不得列入严重失信主体名单", 422)
    (subject_key,) = persons.ensure(session, keys, [(ident, body.name)], now, origin=Origin(
        department, "listing", "列入严重失信主体名单的告知"))
    if repo.open_for(session, subject_key, department, body.item_code) is not None:
        raise DomainError("LISTING_PROCEDURE_OPEN", "本部门对此人的同一列入程序尚未结束", 409)
    terms = default_terms()
    measures = rules.intended_measures(default_measures().measures.values(), body.list_type, body.item_code,
                                       item.domains if item else ())
    days = settings.listing_statement_working_days
    due = add_working_days(day, days)
    p = ListingProcedure(
        subject_key=subject_key, id=ids.new_id(), department_code=department, list_type=body.list_type,
        item_code=body.item_code, severity=SEVERITY, facts=body.facts.strip(), basis=body.basis.strip(),
        reference=body.reference, measures=measures,
        term_months=terms.item_months.get(body.item_code or "", terms.default_months[body.list_type]),
        noticed_on=day, statement_due=due.day, state="noticed", created_by=caller.account_id,
        created_at=now, updated_at=now)
    session.add(p)
    session.flush()
    text = rules.notice_body(rules.Notice(
        _department(session, department), _list_name(catalog, p), p.facts, p.basis, [m["name"] for m in measures],
        p.term_months, due.label(), days))
    notices.enqueue(session, person_key=subject_key, kind="listing_notice", key=p.id,
                    title="列入严重失信主体名单告知书", body=text, settings=settings)
    return p


def own(session: Session, person_key: str, procedure_id: str) -> ListingProcedure:
    p = repo.get(session, procedure_id)
    if p is None or p.subject_key != person_key:
        raise NotFound("LISTING_PROCEDURE_NOT_FOUND", "没有该列入程序")
    return p


def handled(session: Session, caller: Caller, procedure_id: str, *, office: bool = False) -> ListingProcedure:
    """The procedure as its department (or, where `office`, the credit office) may handle it."""
    p = repo.get(session, procedure_id)
    if p is None or not ((office and caller.has("operator")) or
                         (caller.is_department and caller.department_code == p.department_code)):
        raise NotFound("LISTING_PROCEDURE_NOT_FOUND", "没有该列入程序，或它不是本部门发起的")
    return p


def require_id_checked(checked: bool) -> None:
    counter.require_id_checked(checked, prefix="LISTING", who="当事人")


def state_case(session: Session, p: ListingProcedure, statement: str, *, via: str,
               clerk: str | None = None) -> ListingProcedure:
    """Take the person's statement and defence (陈述、申辩), online or entered at a counter on their
    behalf (recorded as such), while the period runs."""
    refusal = rules.statement_refusal(p.state, p.statement_due, today())
    if refusal:
        raise DomainError(*refusal, 409)
    p.statement, p.stated_at, p.stated_via, p.stated_clerk = statement.strip(), utcnow(), via, clerk
    p.state, p.updated_at = "stated", utcnow()
    session.flush()
    return p


def decide(session: Session, catalog: Catalog, settings: Settings, caller: Caller, p: ListingProcedure,
           body: DecisionIn) -> ListingProcedure:
    """Decide once the statement is in or the period has run out; a statement must be answered.
    To list: the listing is made as a direct one is, and the decision is served with the repair
    route in one notice (两书同达). Not to list: the procedure closes and the person is told."""
    day, now = today(), utcnow()
    refusal = rules.decision_refusal(p.state, p.statement is not None, p.statement_due, day)
    if refusal:
        raise DomainError(*refusal, 409)
    answer = (body.answer or "").strip() or None
    if p.statement is not None and answer is None:
        raise DomainError("LISTING_ANSWER_REQUIRED", "当事人提出了陈述申辩，决定须对其作出答复", 422)
    department, name = _department(session, p.department_code), _list_name(catalog, p)
    p.decided_on, p.decided_by, p.reasons, p.answer = day, caller.account_id, body.reasons.strip(), answer
    p.updated_at = now
    if body.outcome == "not_list":
        p.state = "not_listed"
        session.flush()
        notices.enqueue(session, person_key=p.subject_key, kind="listing_not_listed", key=p.id,
                        title="不予列入严重失信主体名单决定书",
                        body=rules.not_listed_body(department, name, p.reasons, answer), settings=settings)
        return p
    m = lists.enter(session, catalog, p.department_code, p.subject_key, "person", list_type=p.list_type,
                    item_code=p.item_code, severity=p.severity, start_date=day, planned_end=None, basis=p.basis,
                    reference=body.reference or p.reference, now=now)
    p.state, p.matter_id = "listed", m.id
    session.flush()
    tier = default_tiers()[m.severity or SEVERITY]
    item = catalog.item(p.item_code) if p.item_code else None
    route = rules.repair_route(rules.RepairRoute(
        department, item.repairable if item else True, earliest_repair_day(day, tier), tier.min_months,
        [x.name for x in repair_rules().methods.values() if tier.code in x.tiers]))
    text = rules.decision_body(department, name, p.basis, [x["name"] for x in p.measures], m.start_date,
                               m.planned_end, p.reasons, answer, route)
    notices.enqueue(session, person_key=p.subject_key, kind="listing_decision", key=p.id,
                    title="列入严重失信主体名单决定书及信用修复告知书", body=text, settings=settings)
    return p


def withdraw(session: Session, settings: Settings, p: ListingProcedure, reasons: str) -> ListingProcedure:
    """The department withdraws an open procedure (a wrong person, facts no longer holding)."""
    if p.state not in rules.OPEN:
        raise DomainError("LISTING_PROCEDURE_CLOSED", f"该列入程序已结束（{rules.STATE_LABELS[p.state]}）", 409)
    p.state, p.reasons, p.decided_on, p.updated_at = "withdrawn", reasons.strip(), today(), utcnow()
    session.flush()
    notices.enqueue(session, person_key=p.subject_key, kind="listing_withdrawn", key=p.id,
                    title="列入严重失信主体名单告知已撤回",
                    body=f"{_department(session, p.department_code)}已撤回{p.noticed_on.isoformat()}送达的列入告知，"
                         f"不再将您列入（理由：{p.reasons[:500]}）。", settings=settings)
    return p
