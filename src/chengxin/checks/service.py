"""Check use cases: single and batch checks, and feedback.

Reads go in bulk (one query per kind of data per chunk of persons), the
decision is the pure `rules.evaluate`, and every check is logged through the
access-log choke point in the same transaction as the check itself.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session

from chengxin import ids
from chengxin.access.service import Read, entry_rows, log_reads, logging_together
from chengxin.access.service import insert_from_json_sql as access_insert_from_json
from chengxin.callers import Caller
from chengxin.catalog.domain import candidate_domains
from chengxin.catalog.rules import Catalog
from chengxin.checks import repository as repo
from chengxin.checks.models import CheckBatch
from chengxin.checks.rules import Candidate, Hit, Standing, Via, evaluate, standing
from chengxin.clock import utcnow
from chengxin.db import insert_from_json, json_rows
from chengxin.errors import DomainError, NotFound
from chengxin.keyring.service import pick
from chengxin.masking import mask_name
from chengxin.matters.rules import in_effect_until_of, listing_state_of
from chengxin.points.rules import PointsModel, default_model, is_minor, score_of
from chengxin.publicity.rules import Tier, add_months
from chengxin.records.repository import person_names
from chengxin.sanctions.measures import Measure, MeasureList

COURT_LIST_ITEMS = frozenset({"SFCP-01"})
OUTCOMES = {"applied": "已实施", "not_applied": "未实施", "overturned": "已撤销实施"}


@dataclass(frozen=True, slots=True)
class Outcome:
    """The answer to one check."""

    check_id: str
    person_key: str
    decision: str
    hits: list[Hit]
    checked_at: datetime
    as_of: date


@dataclass(frozen=True, slots=True)
class CheckContext:
    catalog: Catalog
    measures: MeasureList
    tiers: dict[str, Tier]
    points: PointsModel | None = None  # the integrity-points model in force (None: the packaged one)


def require_scenario(measures: MeasureList, scenario: str) -> None:
    if scenario not in measures.scenarios:
        raise DomainError("CHECK_SCENARIO_UNKNOWN",
                          f"未知的业务场景“{scenario[:48]}”；可用场景见 GET /api/v1/measures", 422,
                          scenarios=list(measures.scenarios))


def require_department(caller: Caller, department: str) -> str:
    own = caller.require_department()
    if department != own:
        raise DomainError("CHECK_DEPARTMENT_MISMATCH", "请求中的部门与调用身份不一致", 403)
    return own


def candidates_for(ctx: CheckContext, person_key: str, as_of: date, birth: date | None,
                   roles: Sequence[repo.RoleRow], matters: dict[str, list[Any]]) -> tuple[list[Candidate], Any]:
    """What may hit a person on `as_of` (own and via organisations), and their R11 standing.

    A matter in effect is a candidate as a list entry when it is listed and as a record when it
    is negative: the same matter (`chain`), so a measure counts it once; both hold as long as
    the matter does (a court listing's record no longer than the listing, R5)."""
    if not roles and person_key not in matters:
        return [], _standing_of_nobody(as_of)  # most persons checked: nothing known
    minor = birth is not None and as_of < _adult_on(birth)
    sources: list[tuple[str, Via | None]] = [(person_key, None)]
    sources += [(r.org_key, Via(r.uscc, r.org_name, r.role)) for r in roles]
    items = ctx.catalog.items
    tiers = ctx.tiers
    out: list[Candidate] = []
    red_listed = False
    own_negative_effect = False
    for key, via in sources:
        for row in matters.get(key, ()):
            (_, mid, record_id, item_code, nature, severity, list_type, dept, basis, start, planned_end,
             ended_on, end_reason, disputed, domain) = row
            last = in_effect_until_of(nature, severity, start, list_type, planned_end, ended_on, end_reason, as_of,
                                      tiers)
            listed = list_type is not None and listing_state_of(start, planned_end, ended_on, as_of) == "active"
            if last is None and not listed:
                continue
            if minor and via is None and (item_code in COURT_LIST_ITEMS or (dept == "court" and list_type)):
                continue  # R5: minors are never on court lists
            item = items.get(item_code) if item_code else None
            domains = candidate_domains(item.domains if item else (), domain)
            if listed:
                if list_type == "red":
                    red_listed = red_listed or via is None
                elif via is None:
                    own_negative_effect = True
                out.append(Candidate("list_entry", mid, mid, list_type, item_code, severity, domains, dept,
                                     basis or (item.legal_basis if item else ""), start, planned_end,
                                     disputed is not None, via))
            if last is not None and nature == "negative" and severity is not None:
                if via is None:
                    own_negative_effect = True
                out.append(Candidate("record", record_id or mid, mid, None, item_code, severity, domains, dept,
                                     item.legal_basis if item else (basis or ""), start,
                                     None if last == date.max else last, disputed is not None, via))
    # R11 looks at the person's own matters that stand: revoked, deleted or repaired ones do not
    # count against them (the repair updated the credit status, R4), nor for them.
    own = [r for r in matters.get(person_key, ()) if r[11] is None or r[11] > as_of]
    person = standing(
        as_of=as_of,
        negative_dates=[r[9] for r in own if r[4] == "negative"],
        positive_dates=[r[9] for r in own if r[4] == "positive"],
        earliest=min((r[9] for r in own), default=None),
        in_effect_negative=own_negative_effect, red_listed=red_listed,
    )
    return out, person


@lru_cache(maxsize=1 << 16)
def _adult_on(birth: date) -> date:
    return add_months(birth, 12 * 18)


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))
_NOBODY: dict[date, Standing] = {}


def _standing_of_nobody(as_of: date) -> Standing:
    """R11 standing of a person the platform knows nothing about (the same every day's check)."""
    found = _NOBODY.get(as_of)
    if found is None:
        if len(_NOBODY) > 64:
            _NOBODY.clear()
        found = _NOBODY[as_of] = standing(as_of=as_of, negative_dates=(), positive_dates=(), earliest=None,
                                          in_effect_negative=False, red_listed=False)
    return found


def hit_json(hit: Hit) -> dict[str, Any]:
    c = hit.candidate
    return {
        "measure": hit.measure.code, "blocking": hit.blocking, "disputed": hit.disputed,
        "condition": hit.condition,
        "source": None if c is None else {
            "kind": c.kind, "id": c.id, "matter": c.chain, "list_type": c.list_type, "item_code": c.item_code,
            "department": c.department_code, "start": c.start.isoformat(),
            "holds_until": c.holds_until.isoformat() if c.holds_until else None,
            "via": None if c.via is None else {"uscc": c.via.uscc, "role": c.via.role},
        },
    }


@dataclass(frozen=True, slots=True)
class CheckRequest:
    """One single check asked for: by whom, of whom (subject key), in what scenario, for what."""

    caller: Caller
    person_key: str
    scenario: str
    business_ref: str | None
    purpose: str
    as_of: date
    old_key: str | None = None  # the key under the previous hash secret, only while re-keying


def run_checks(
    session: Session, ctx: CheckContext, caller: Caller, person_keys: Sequence[str], *,
    scenario: str, business_ref: str | None, purpose: str, as_of: date,
    batch_id: str | None = None, action: str = "check", now: datetime | None = None,
) -> list[Outcome]:
    """Check many persons at once (one per key, in order) and record every check."""
    planned = plan_checks(session, ctx, caller, person_keys, scenario=scenario, business_ref=business_ref,
                          purpose=purpose, as_of=as_of, batch_id=batch_id, now=now)
    return record_checks(session, caller, planned, scenario=scenario, business_ref=business_ref, purpose=purpose,
                         action=action)


def plan_checks(
    session: Session, ctx: CheckContext, caller: Caller, person_keys: Sequence[str], *,
    scenario: str, business_ref: str | None, purpose: str, as_of: date, batch_id: str | None = None,
    now: datetime | None = None,
) -> CheckRows:
    """The first half of `run_checks`: read, decide, and make the rows that record the checks
    (nothing is written; the checks exist once `record_checks` has committed them). `now`: when
    they are checked (the clock's now; a worker process is given its server's)."""
    department = caller.require_department()
    measures = ctx.measures.for_scenario(scenario)
    read = repo.check_reads(session, person_keys, _grades_count(measures))
    now = now or utcnow()
    rows = CheckRows()
    for key, check_id in zip(person_keys, ids.new_ids(len(person_keys)), strict=True):
        decision, hits = _decide(ctx, measures, read, key, as_of)
        rows.add(Outcome(check_id, key, decision, hits, now, as_of), department, scenario, business_ref, purpose,
                 batch_id)
    return rows


def record_checks(session: Session, caller: Caller, rows: CheckRows, *, scenario: str, business_ref: str | None,
                  purpose: str, action: str = "check") -> list[Outcome]:
    """The second half of `run_checks`: the check rows, their hits and the access-log entries,
    written together in the session's transaction (one round trip on PostgreSQL)."""
    if not rows.outcomes:
        return []
    now = rows.outcomes[0].checked_at
    with repo.pipelined(session, len(rows.checks)):
        repo.insert_check_rows(session, rows.checks, rows.hits, encoded=True)
        log_reads(session, caller, action, (Read(o.person_key, o.decision, o.check_id) for o in rows.outcomes),
                  purpose=purpose, basis=scenario, business_ref=business_ref, at=now)
    return rows.outcomes


def run_check_group(session: Session, ctx: CheckContext, requests: Sequence[CheckRequest]) -> list[Outcome]:
    """Single checks of any callers, checked and recorded together (group commit): one read for
    all of them, then each check row and its own access-log entry in this one transaction, so
    that each check is recorded and logged exactly as when it is checked alone."""
    if any(r.old_key is not None for r in requests):
        # While re-keying, a person not yet moved is still found under the old key.
        chosen = pick(session, [(r.person_key, r.old_key) for r in requests])
        requests = [replace(r, person_key=k) for r, k in zip(requests, chosen, strict=True)]
    read = repo.check_reads(session, [r.person_key for r in requests], _graded_group(ctx, requests))
    now = utcnow()
    rows = _plan_group(ctx, requests, read, now)
    if repo.is_postgres(session):
        with repo.pipelined(session), repo.driver_connection(session).cursor() as cur:
            cur.execute(*_group_write_pg(requests, rows, now))
        return rows.outcomes
    with logging_together(session):
        repo.insert_check_rows(session, rows.checks, rows.hits, encoded=True)
        for req, o in zip(requests, rows.outcomes, strict=True):
            log_reads(session, req.caller, "check", (Read(o.person_key, o.decision, o.check_id),),
                      purpose=req.purpose, basis=req.scenario, business_ref=req.business_ref, at=now)
    return rows.outcomes


async def run_check_group_async(conn: Any, ctx: CheckContext, requests: Sequence[CheckRequest]) -> list[Outcome]:
    """`run_check_group` on the autocommit asyncio psycopg connection (PostgreSQL) of the group
    writer, which runs it on the event loop: the same read, decisions, rows and access-log entries,
    in two statements and no explicit transaction. The read is one statement; the write is one
    statement too (`_group_write_pg`), so it commits whole or not at all, and it has committed
    when it returns. The same isolation as one READ COMMITTED transaction around both, where
    each statement takes its own snapshot as well: nothing in the write depends on the read
    being repeated. Without BEGIN and COMMIT, and outside pipeline mode, the driver makes far
    fewer calls per group. Not for re-keying (`run_check_group` handles it)."""
    if any(r.old_key is not None for r in requests):
        raise ValueError("re-keying checks go through run_check_group")
    read = await repo.check_reads_async(conn, [r.person_key for r in requests], _graded_group(ctx, requests))
    now = utcnow()
    rows = _plan_group(ctx, requests, read, now)
    await conn.execute(*_group_write_pg(requests, rows, now))
    return rows.outcomes


def _group_write_pg(requests: Sequence[CheckRequest], rows: CheckRows, now: datetime) -> tuple[str, tuple[str]]:
    """PostgreSQL: the statement and its one parameter writing a group's check rows, hit rows and
    access-log entries (each check's own entry, as `log_reads` makes it). One statement: the
    driver's work is per statement and per parameter, and a statement per row cost more than
    the checks themselves."""
    logged: list[tuple[Any, ...]] = []
    for req, o in zip(requests, rows.outcomes, strict=True):
        logged += entry_rows(req.caller, "check", (Read(o.person_key, o.decision, o.check_id),),
                             purpose=req.purpose, basis=req.scenario, business_ref=req.business_ref, at=now)
    return _group_write_sql(), (json_rows(rows.checks, rows.hits, logged),)


@lru_cache(maxsize=1)
def _group_write_sql() -> str:
    return ("WITH g AS (SELECT %s::jsonb AS j), "
            f"c AS ({insert_from_json('checks', repo.CHECK_COLUMNS, '(SELECT j->0 FROM g)')}), "
            f"h AS ({insert_from_json('check_hits', repo.HIT_COLUMNS, '(SELECT j->1 FROM g)')}) "
            f"{access_insert_from_json('(SELECT j->2 FROM g)')}")


def _plan_group(ctx: CheckContext, requests: Sequence[CheckRequest], read: repo.CheckReads,
                now: datetime) -> CheckRows:
    """The outcomes of a group's checks and the rows that record them (pure: no database)."""
    rows = CheckRows()
    for req, check_id in zip(requests, ids.new_ids(len(requests)), strict=True):
        department = req.caller.require_department()
        decision, hits = _decide(ctx, ctx.measures.for_scenario(req.scenario), read, req.person_key, req.as_of)
        rows.add(Outcome(check_id, req.person_key, decision, hits, now, req.as_of), department, req.scenario,
                 req.business_ref, req.purpose, None)
    return rows


def _decide(ctx: CheckContext, measures: Sequence[Measure], read: repo.CheckReads, key: str,
            as_of: date) -> tuple[str, list[Hit]]:
    """Decision and hits of one person from what was read for the group."""
    person_roles = read.roles.get(key)
    graded = key in read.consents and _grades_count(measures)
    if person_roles is None and key not in read.matters and not graded:
        # A person nothing is known about (most persons checked) gets the same answer every time.
        decision, hits = _nobody_answer(measures, as_of)
        return decision, list(hits)
    birth = read.births.get(key)
    cands, person = candidates_for(ctx, key, as_of, birth, person_roles or (), read.matters)
    if graded and not is_minor(birth, as_of):
        # R18: a grade only for an adult who opted in, worked out from their own matters as they
        # stand now, and only reward measures ever name one (the measure loader sees to that).
        model = ctx.points or default_model()
        score = score_of(model, read.matters.get(key, ()), as_of, ctx.tiers)
        person = replace(person, grade=model.grade_of(score).code)
    return evaluate(measures, cands, person)


def _graded_group(ctx: CheckContext, requests: Sequence[CheckRequest]) -> bool:
    """Whether any check of a group is in a scenario with a measure keyed on a points grade."""
    return any(_grades_count(ctx.measures.for_scenario(s)) for s in {r.scenario for r in requests})


_GRADED: dict[int, tuple[Sequence[Measure], bool]] = {}


def _grades_count(measures: Sequence[Measure]) -> bool:
    """Whether any of a scenario's measures is unlocked by an integrity-point grade (kept per tuple)."""
    found = _GRADED.get(id(measures))
    if found is None or found[0] is not measures:  # an id may recur once its tuple is gone
        if len(_GRADED) > 256:
            _GRADED.clear()
        found = _GRADED[id(measures)] = (measures, any(m.targets.grades for m in measures))
    return found[1]


_NOBODY_ANSWERS: dict[tuple[int, date], tuple[Sequence[Measure], str, tuple[Hit, ...]]] = {}


def _nobody_answer(measures: Sequence[Measure], as_of: date) -> tuple[str, tuple[Hit, ...]]:
    """`evaluate(measures, [], standing of nobody)`, kept per scenario's measures and day."""
    found = _NOBODY_ANSWERS.get((id(measures), as_of))
    if found is None or found[0] is not measures:  # an id may recur once its tuple is gone
        if len(_NOBODY_ANSWERS) > 256:
            _NOBODY_ANSWERS.clear()
        decision, hits = evaluate(measures, [], _standing_of_nobody(as_of))
        found = _NOBODY_ANSWERS[(id(measures), as_of)] = (measures, decision, tuple(hits))
    return found[1], found[2]


class CheckRows:
    """The outcomes of some checks and the rows that record them (repo.CHECK_COLUMNS and
    repo.HIT_COLUMNS order, a check's hits as their JSON text)."""

    __slots__ = ("checks", "hits", "outcomes")

    def __init__(self) -> None:
        self.outcomes: list[Outcome] = []
        self.checks: list[tuple[Any, ...]] = []
        self.hits: list[tuple[Any, ...]] = []

    def add(self, o: Outcome, department: str, scenario: str, business_ref: str | None, purpose: str,
            batch_id: str | None) -> None:
        self.outcomes.append(o)
        self.checks.append((o.person_key, o.check_id, department, scenario, business_ref, purpose, o.decision,
                            _JSON.encode([hit_json(h) for h in o.hits]) if o.hits else "[]", o.checked_at,
                            batch_id))
        seen: set[str] = set()
        for h in o.hits:
            if h.measure.code not in seen:
                seen.add(h.measure.code)
                self.hits.append((o.person_key, o.check_id, h.measure.code, department, h.blocking, o.checked_at))


def give_feedback(session: Session, caller: Caller, check_id: str,
                  items: Sequence[tuple[str, str, str | None]]) -> list[dict[str, Any]]:
    """Record what the department did about each measure of its own check."""
    department = caller.require_department()
    check = repo.get_check(session, check_id[:26])
    if check is None or check.department_code != department:
        raise NotFound("CHECK_NOT_FOUND", "没有该核查记录，或它不是本部门发起的")
    hit_codes = {h["measure"] for h in check.hits}
    now = utcnow()
    rows = []
    for n, (measure, outcome, reason) in enumerate(items, start=1):
        if measure not in hit_codes:
            raise DomainError("FEEDBACK_MEASURE_NOT_HIT", f"第 {n} 项：措施 {measure[:32]} 未在该次核查中命中", 422)
        if outcome not in OUTCOMES:
            raise DomainError("FEEDBACK_OUTCOME_UNKNOWN", "反馈结果应为 applied、not_applied 或 overturned", 422)
        if outcome != "applied" and not (reason or "").strip():
            raise DomainError("FEEDBACK_REASON_REQUIRED", f"第 {n} 项：未实施或撤销实施须说明理由", 422)
        rows.append({"subject_key": check.subject_key, "id": ids.new_id(), "check_id": check.id,
                     "measure_code": measure, "department_code": department, "outcome": outcome,
                     "reason": (reason or "").strip()[:2000] or None, "at": now})
    repo.insert_feedback(session, rows)
    return rows


def feedback_rates(session: Session, since: datetime | None = None, department: str | None = None,
                   until: datetime | None = None) -> list[dict[str, Any]]:
    """Per department and measure: hits, hits answered, rate, and the outcomes (hits checked in [since, until))."""
    table: dict[tuple[str, str], dict[str, Any]] = {}
    for dept, measure, count in repo.hit_counts(session, since, department, until):
        table[(dept, measure)] = {"department_code": dept, "measure_code": measure, "hits": count,
                                  "answered": 0, "outcomes": {k: 0 for k in OUTCOMES}}
    for dept, measure, outcome, count in repo.answered_counts(session, since, department, until):
        row = table.get((dept, measure))
        if row is not None:
            row["answered"] += count
            row["outcomes"][outcome] = row["outcomes"].get(outcome, 0) + count
    for row in table.values():
        row["rate"] = round(row["answered"] / row["hits"], 4) if row["hits"] else 0.0
    return sorted(table.values(), key=lambda r: (r["department_code"], r["measure_code"]))


@dataclass(frozen=True, slots=True)
class PendingCheck:
    """A check of the department with measures still awaiting feedback, for the feedback page."""

    check: Any  # models.Check
    masked_name: str
    hits: list[tuple[Any, Measure | None, str]]  # (CheckHit, measure, form key)


def hit_key(check_id: str, measure_code: str) -> str:
    """How the feedback form names one hit."""
    return f"{check_id}.{measure_code}"


def pending_feedback(session: Session, department: str, measures: MeasureList, limit: int = 100) -> list[PendingCheck]:
    """The department's hits without feedback, grouped by check (newest first), each check with the
    checked person's masked name."""
    pairs = repo.unanswered_hits(session, department, limit)
    names = person_names(session, [check.subject_key for _, check in pairs])
    groups: dict[str, PendingCheck] = {}
    for hit, check in pairs:
        group = groups.get(check.id)
        if group is None:
            name = names.get(check.subject_key, (None, None))[0]
            group = groups[check.id] = PendingCheck(check, mask_name(name) or "（未登记姓名）", [])
        group.hits.append((hit, measures.measures.get(hit.measure_code), hit_key(check.id, hit.measure_code)))
    return list(groups.values())


def batch_context(batch_id: str) -> bytes:
    """What a batch-check result file's ciphertext is bound to (keyring.rules.CIPHERS says the same)."""
    return f"check_batch:{batch_id}".encode()


def keep_batch(session: Session, keys: Any, caller: Caller, *, batch_id: str, filename: str | None, scenario: str,
               purpose: str, business_ref: str | None, summary: dict[str, int], columns: list[str],
               rows: list[list[str]], days: int) -> CheckBatch:
    """Record a batch check run from the pages: its counts for the history, its result file sealed
    for `days` days."""
    now = utcnow()
    plain = json.dumps({"columns": columns, "rows": rows}, ensure_ascii=False)
    row = CheckBatch(id=batch_id, department_code=caller.require_department(), account_id=caller.account_id,
                     filename=(filename or "")[:255] or None, scenario=scenario, purpose=purpose[:200],
                     business_ref=(business_ref or "")[:100] or None, created_at=now, total=summary["total"],
                     counts={k: summary[k] for k in ("block", "review", "green", "clear", "errors")},
                     result_cipher=keys.encrypt(plain, batch_context(batch_id)), expires_at=now + timedelta(days=days))
    repo.add_check_batch(session, row)
    return row


def own_batch(session: Session, caller: Caller, batch_id: str) -> CheckBatch:
    """A batch check of the caller's department (another department's is not found)."""
    row = repo.get_check_batch(session, batch_id[:26])
    if row is None or row.department_code != caller.require_department():
        raise NotFound("CHECK_BATCH_NOT_FOUND", "没有该批量核查，或它不是本部门发起的")
    return row


def batch_result(keys: Any, row: CheckBatch) -> tuple[list[str], list[list[str]]] | None:
    """The result file of a batch check, or None once it has been deleted."""
    if row.result_cipher is None or row.expires_at is None or row.expires_at <= utcnow():
        return None
    doc = json.loads(keys.decrypt(bytes(row.result_cipher), batch_context(row.id)))
    return doc["columns"], doc["rows"]
