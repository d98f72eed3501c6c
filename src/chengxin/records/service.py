"""Collection use cases: validate rows, keep the valid ones idempotently, report the rest.

Services never commit: the boundary (request, CLI command) owns the transaction,
and for large imports commits once per chunk so a crash loses at most one chunk,
which a rerun then fills in without duplicating anything (idempotency by
department and source record id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chengxin import ids
from chengxin.catalog.rules import Catalog
from chengxin.clock import utcnow
from chengxin.conflicts import rules as naming
from chengxin.conflicts import service as conflicts
from chengxin.crypto import Keys
from chengxin.errors import DomainError, NotFound
from chengxin.keyring.service import remap_rows
from chengxin.lists import service as lists
from chengxin.organisations import repository as orgs
from chengxin.persons import repository as persons
from chengxin.persons.service import new_person_values
from chengxin.records import repository as repo
from chengxin.records.models import Batch, Record
from chengxin.records.rules import Issue, RowContext, ValidatedRows, ValidRow, validate_rows


@dataclass(slots=True)
class ChunkResult:
    created: int = 0
    new_versions: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    issues: list[Issue] = field(default_factory=list)


def open_batch(
    session: Session, department_code: str, channel: str,
    filename: str | None = None, content_sha256: str | None = None,
) -> Batch:
    """Start a batch; its id is the receipt number."""
    batch = Batch(id=ids.new_id(), department_code=department_code, channel=channel,
                  filename=filename, content_sha256=content_sha256, status="running",
                  received_at=utcnow(), total=0, created=0, new_versions=0, unchanged=0,
                  rejected=0, warnings=0)
    session.add(batch)
    session.flush()
    return batch


def close_batch(batch: Batch, status: str = "done") -> None:
    batch.status = status
    batch.finished_at = utcnow()


@dataclass(slots=True)
class Known:
    """What a chunk leaves in the database once written: for the look-ups of the next chunk
    while this one is still being written (and so not yet visible to another connection)."""

    versions: dict[str, repo.CurrentVersion]  # source id -> the live version it made
    person_names: dict[str, tuple[str | None, str | None]]  # person key -> (name, its source)
    org_names: dict[str, str | None]


@dataclass(slots=True)
class ChunkPlan:
    """Everything storing one chunk writes, worked out (look-ups included) before any write."""

    result: ChunkResult
    now: datetime
    issue_seq: int  # sequence number of the chunk's first issue
    records: list[list[Any]]  # values in repo.RECORD_COLUMNS order
    kept: list[ValidRow]  # the row of each of `records`
    superseded: list[tuple[str, str]]  # (subject key, id) of versions replaced
    carried: list[tuple[str, str, str]]  # (subject key, replaced id, successor id)
    new_persons: list[dict[str, Any]]
    named_persons: list[tuple[str, str | None, str | None]]  # (key, name, source): an authority's word
    new_orgs: list[dict[str, Any]]
    # Differing names of known subjects: they change nothing and go to the credit office.
    name_conflicts: list[conflicts.NameClaim]
    org_conflicts: list[tuple[str, str, str | None, str, conflicts.Origin]]  # (uscc, key, current, claimed, origin)

    def known(self) -> Known:
        """What this chunk leaves behind (see Known)."""
        versions = {}
        for rec in self.records:
            if rec[16] is None:  # the newest version of its source id in this chunk
                # (positions as in repo.RECORD_COLUMNS: 0 subject_key, 1 id, 4 source_record_id,
                # 5 version, 13 content_hash, 16 superseded_at)
                versions[rec[4]] = repo.CurrentVersion(rec[0], rec[1], rec[5], rec[13], False)
        people = {p["person_key"]: (p["name"], p["name_source"]) for p in self.new_persons}
        people.update((k, (n, src)) for k, n, src in self.named_persons)
        orgs: dict[str, str | None] = {o["uscc"]: o["name"] for o in self.new_orgs}
        return Known(versions, people, orgs)


class Collector:
    """Takes rows of one department's batch, chunk by chunk."""

    def __init__(self, session: Session, catalog: Catalog, keys: Keys, batch: Batch,
                 ctx: RowContext, issue_seq: int = 0) -> None:
        self.session = session
        self.catalog = catalog
        self.keys = keys
        self.batch = batch
        self.ctx = ctx
        self.issue_seq = issue_seq

    def add_chunk(self, rows: Iterable[tuple[int, Mapping[str, Any]]] | ValidatedRows) -> ChunkResult:
        """Validate and store one chunk of (row number, fields) pairs."""
        plan = self.plan(rows)
        self.write(plan, self.session)
        self.session.flush()
        return plan.result

    def plan(self, rows: Iterable[tuple[int, Mapping[str, Any]]] | ValidatedRows,
             known: Known | None = None) -> ChunkPlan:
        """Validate a chunk and work out what storing it writes; counts go on the batch.

        Look-ups read through this collector's session; `known` is what a chunk written
        meanwhile on another connection, and not committed yet, leaves behind."""
        # Rows may come validated already (an import validates the next chunk in a worker
        # process while this one is stored); validation is the same pure function either way.
        checked = rows if isinstance(rows, ValidatedRows) else validate_rows(self.ctx, rows)
        result = ChunkResult(rejected=checked.rejected, issues=checked.issues)
        plan = ChunkPlan(result, utcnow(), self.issue_seq, [], [], [], [], [], [], [], [], [])
        self._plan_rows(checked.valid, plan, known)
        result.warnings = sum(1 for i in result.issues if i.level == "warning")  # planning adds some
        batch = self.batch
        batch.total += result.created + result.new_versions + result.unchanged + result.rejected
        batch.created += result.created
        batch.new_versions += result.new_versions
        batch.unchanged += result.unchanged
        batch.rejected += result.rejected
        batch.warnings += result.warnings
        self.issue_seq += len(result.issues)
        return plan

    def write(self, plan: ChunkPlan, session: Session) -> None:
        """Write a planned chunk in `session`'s transaction (batch counts aside)."""
        if plan.records:
            now = plan.now
            repo.insert_persons(session, plan.new_persons)
            persons.set_names(session, plan.named_persons, now)
            orgs.insert_new(session, plan.new_orgs)
            conflicts.raise_names(session, plan.name_conflicts, now)
            for uscc, key, current, claimed, origin in plan.org_conflicts:
                conflicts.raise_org(session, uscc=uscc, subject_key=key, kind=naming.ORG_NAME, current=current,
                                    claimed=claimed, origin=origin, now=now)
            repo.supersede(session, plan.superseded, now)
            repo.insert_records(session, plan.records)
            # An open objection's marker and an approved repair hold for the record, not one version.
            repo.carry_case_markers(session, plan.carried)
            lists.follow_records(session, self.ctx.department_code,
                                 [(row, rec[1]) for row, rec in zip(plan.kept, plan.records, strict=True)],
                                 now)
        repo.insert_issues(session, self.batch.id, plan.issue_seq, plan.result.issues)

    def _plan_rows(self, valid: list[ValidRow], plan: ChunkPlan, known: Known | None) -> None:
        if not valid:
            return
        result = plan.result
        now = plan.now
        remap_rows(self.session, self.keys, valid)  # only while re-keying: keep subjects where they are
        dept = self.ctx.department_code
        latest = repo.current_versions(self.session, dept, [r.source_record_id for r in valid])
        if known is not None:
            latest.update(known.versions)
        records = plan.records
        pending: dict[str, int] = {}  # source id -> index in `records` of a version made now
        superseded = plan.superseded
        carried: list[tuple[str, str, int]] = []  # (subject, replaced version id, index of its successor)
        kept = plan.kept
        version_tag = self.catalog.version
        batch_id = self.batch.id
        new_ids = iter(ids.new_ids(len(valid)))
        created = new_versions = unchanged = 0
        for row in valid:
            sid = row.source_record_id
            made = pending.get(sid)
            if made is not None:  # a version made earlier in this chunk is the live one
                # (positions as in repo.RECORD_COLUMNS: 5 version, 13 content_hash, 16 superseded_at)
                previous = records[made]
                if previous[13] == row.content_hash:
                    unchanged += 1
                    continue
                previous[16] = now
                version = previous[5] + 1
                new_versions += 1
                if carried:  # the markers go on to the newest version made in this chunk
                    carried = [(k, o, len(records) if i == made else i) for k, o, i in carried]
            else:
                cur = latest.get(sid)
                if cur is None:
                    version = 1
                    created += 1
                elif cur.content_hash == row.content_hash:
                    unchanged += 1
                    if cur.revoked:
                        result.issues.append(Issue(row.row, "source_record_id", "RECORD_REVOKED",
                                                   "该记录已被撤销，重复报送未作改变", "warning"))
                    continue
                else:
                    version = cur.version + 1
                    new_versions += 1
                    superseded.append((cur.subject_key, cur.id))
                    carried.append((cur.subject_key, cur.id, len(records)))
            pending[sid] = len(records)
            item = row.item
            records.append([
                row.subject_key, next(new_ids), row.subject_kind, dept, sid, version,
                item.code, version_tag, item.nature, row.severity, row.severity_reason,
                row.decision_date, row.data_json, row.content_hash, batch_id,
                now, None, None, None, None,
            ])
            kept.append(row)
        result.created += created
        result.new_versions += new_versions
        result.unchanged += unchanged
        plan.carried.extend((k, old, records[i][1]) for k, old, i in carried)
        self._plan_subjects(plan, known)

    def _plan_subjects(self, plan: ChunkPlan, known: Known | None) -> None:
        """New persons and organisations, and what the rows' names do to known ones: a name from the
        population registry item sets it; any other differing name is kept on the row with a
        warning and raises a conflict (chengxin.conflicts.rules)."""
        people = [row for row in plan.kept if row.subject_kind == "person"]
        organisations: dict[str, ValidRow] = {}
        for row in plan.kept:
            if row.subject_kind != "person" and row.uscc is not None:
                organisations.setdefault(row.uscc, row)
        now = plan.now
        warned: list[Issue] = []
        if people:
            keys = {r.subject_key for r in people}
            names = repo.person_names(self.session, list(keys))
            if known is not None:
                names.update((k, n) for k, n in known.person_names.items() if k in keys)
            claims = [(r.subject_key, r.person_name,
                       naming.REGISTRY if r.item.identity_source else naming.SUBMITTED) for r in people]
            named = naming.plan_names(names, claims)
            for key, i in named.created.items():
                name, source = named.names[key]
                plan.new_persons.append(new_person_values(self.keys, key, people[i].identifier,  # type: ignore[arg-type]
                                                          name, now, source))
            plan.named_persons.extend((k, *named.names[k]) for k in named.updated)
            for i, current in named.conflicts:
                row = people[i]
                plan.name_conflicts.append(conflicts.NameClaim(row.subject_key, current, row.person_name or "",
                                                               self._origin(row)))
                warned.append(Issue(row.row, "name", "PERSON_NAME_CONFLICT",
                                    "该证件号码在平台登记的姓名与本行姓名不一致：记录已接收，登记姓名未改变，已提交信用办核实",
                                    "warning"))
        if organisations:
            known_orgs: dict[str, str | None] = dict(orgs.names_by_uscc(self.session, list(organisations)))
            if known is not None:
                known_orgs.update((u, n) for u, n in known.org_names.items() if u in organisations)
            plan.new_orgs.extend(
                {"uscc": u, "subject_key": r.subject_key, "name": r.org_name,
                 "created_at": now, "updated_at": now}
                for u, r in organisations.items() if u not in known_orgs
            )
            for row in plan.kept:
                u = row.uscc
                if row.subject_kind == "person" or u is None or not row.org_name:
                    continue
                current = known_orgs.get(u) if u in known_orgs else organisations[u].org_name
                if not naming.same_name(current, row.org_name):
                    plan.org_conflicts.append((u, row.subject_key, current, row.org_name, self._origin(row)))
                    warned.append(Issue(row.row, "org_name", "ORG_NAME_CONFLICT",
                                        "该统一社会信用代码在平台登记的名称与本行主体名称不一致：记录已接收，"
                                        "登记名称未改变，已提交信用办核实", "warning"))
        if warned:
            plan.result.issues.extend(warned)
            plan.result.issues.sort(key=lambda i: i.row)  # row order, as validation leaves them

    def _origin(self, row: ValidRow) -> conflicts.Origin:
        return conflicts.Origin(self.ctx.department_code, "record",
                                f"报送的“{row.item.name}”（决定日期 {row.decision_date.isoformat()}）",
                                item_code=row.item.code, source_record_id=row.source_record_id,
                                batch_id=self.batch.id)


def revoke(session: Session, department_code: str, source_record_id: str, reason: str) -> Record:
    """Revoke a department's own record with a reason; history stays."""
    reason = reason.strip()
    if not reason:
        raise DomainError("RECORD_REVOKE_REASON_REQUIRED", "撤销记录必须说明理由", 422)
    record = repo.find_current(session, department_code, source_record_id)
    if record is None:
        raise NotFound("RECORD_NOT_FOUND", "本部门没有该源记录编号的记录")
    if record.revoked_at is not None:
        raise DomainError("RECORD_ALREADY_REVOKED", "该记录已被撤销", 409)
    record.revoked_at = utcnow()
    record.revoke_reason = reason[:2000]
    session.flush()
    lists.exit_for_record(session, department_code, source_record_id, "revoked", record.revoke_reason)
    return record
