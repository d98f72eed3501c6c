"""Collection use cases: validate rows, keep the valid ones idempotently, report the rest.

Services never commit: the boundary (request, CLI command) owns the transaction,
and for large imports commits once per chunk so a crash loses at most one chunk,
which a rerun then fills in without duplicating anything (idempotency by
department and source record id).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from chengxin import ids
from chengxin.catalog.domain import needs_data, record_domain
from chengxin.catalog.rules import Catalog
from chengxin.clock import utcnow
from chengxin.conflicts import rules as naming
from chengxin.conflicts import service as conflicts
from chengxin.crypto import Keys
from chengxin.departments import repository as departments_repo
from chengxin.errors import DomainError, NotFound
from chengxin.exchange import feed as exchange
from chengxin.keyring.service import remap_rows
from chengxin.matters import repository as matter_repo
from chengxin.matters import service as matters
from chengxin.matters.models import Matter
from chengxin.matters.rules import STATE_LABELS
from chengxin.organisations import repository as orgs
from chengxin.persons import repository as persons
from chengxin.persons.service import new_person_values
from chengxin.records import rejects
from chengxin.records import repository as repo
from chengxin.records.models import Batch, Record
from chengxin.records.rules import Issue, RowContext, ValidatedRows, ValidRow, validate_rows
from chengxin.retention import repository as retention_repo
from chengxin.settings import Settings


@dataclass(slots=True)
class ChunkResult:
    created: int = 0
    new_versions: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    issues: list[Issue] = field(default_factory=list)


# Issue rows kept per code and batch: the first ones of each code are listed, every one is counted
# (Batch.issue_counts), so a file of a million bad rows costs a few thousand rows, not a million.
ISSUES_PER_CODE = 1000
REJECTED_DAYS = 30  # how long refused rows are kept (CHENGXIN_REJECTED_ROWS_DAYS)


def open_batch(
    session: Session, department_code: str, channel: str,
    filename: str | None = None, content_sha256: str | None = None,
) -> Batch:
    """Start a batch; its id is the receipt number. It belongs to this process until closed."""
    now = utcnow()
    batch = Batch(id=ids.new_id(), department_code=department_code, channel=channel,
                  filename=filename, content_sha256=content_sha256, status="running",
                  received_at=now, total=0, created=0, new_versions=0, unchanged=0,
                  rejected=0, warnings=0, issue_counts={}, owner=this_process(), heartbeat_at=now)
    session.add(batch)
    session.flush()
    return batch


def close_batch(batch: Batch, status: str = "done", error: DomainError | None = None) -> None:
    """End a batch: done, or stopped (rejected, failed, interrupted) with the reason."""
    batch.status = status
    batch.finished_at = utcnow()
    if error is not None:
        batch.error_code = error.code[:48]
        batch.error_message = error.message
    batch.owner = None


# --- batches whose process is gone ------------------------------------------------------------
# An import commits chunk by chunk and closes its batch at the end; a process killed in between
# (kill -9, power cut, a server restart during an upload) leaves it "running". The server at
# start-up and every jobs run mark such batches interrupted, with the counts their committed
# chunks left. A batch is abandoned when its owner was a process on this machine that no longer
# runs, or (any machine) when it has shown no sign of life for the lease.

def this_process() -> str:
    """"host:pid:start" of this process; the start time tells a reused pid apart."""
    return f"{socket.gethostname()}:{os.getpid()}:{_started(os.getpid()) or ''}"


def _started(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux /proc), or None."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            stat = fh.read()
    except OSError:
        return None
    fields = stat.rpartition(b")")[2].split()
    return fields[19].decode() if len(fields) > 19 else None


def process_gone(owner: str | None) -> bool:
    """Whether the process named by `owner` (see this_process) has certainly ended. A process
    on another machine cannot be seen from here: only its lease can tell."""
    if not owner:
        return False
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    pid, start = int(parts[1]), parts[2]
    if os.path.isdir("/proc/self"):
        now_start = _started(pid)
        return now_start is None or (bool(start) and now_start != start)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:  # exists, owned by someone else
        return False
    return False


def interrupt_abandoned(session: Session, lease: timedelta) -> list[Batch]:
    """Mark interrupted the running batches whose process is gone or silent past the lease."""
    now = utcnow()
    stopped = []
    for batch in repo.running_batches(session):
        silent = batch.heartbeat_at is None or now - batch.heartbeat_at > lease
        if silent or process_gone(batch.owner):
            close_batch(batch, "interrupted", DomainError(
                "IMPORT_INTERRUPTED", "导入进程意外中止（服务重启或进程被终止）", 409))
            stopped.append(batch)
    session.flush()
    return stopped


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
    moved: list[tuple[str, str]]  # (subject key, matter id) of matters whose record moved to another subject
    new_persons: list[dict[str, Any]]
    new_person_rows: dict[str, ValidRow]  # person key -> the row that creates it
    named_persons: list[tuple[str, str | None, str | None]]  # (key, name, source): an authority's word
    new_orgs: list[dict[str, Any]]
    # Differing names of known subjects: they change nothing and go to the credit office.
    name_conflicts: list[conflicts.NameClaim]
    org_conflicts: list[tuple[str, str, str | None, str, conflicts.Origin]]  # (uscc, key, current, claimed, origin)
    # (label, source record number) of each of result.issues, and the refused rows to keep.
    issue_notes: list[tuple[str | None, str | None]] = field(default_factory=list)
    rejected_rows: list[dict[str, Any]] = field(default_factory=list)

    def appends_only(self) -> bool:
        """Whether writing this chunk only adds rows under keys no other chunk of its import
        writes: new record versions of new matters (first versions, or later ones of a matter
        this chunk makes), new persons and organisations, issues and refused rows, and no list
        item (no watch event). Such a chunk may be written while the chunk before it still is
        (chengxin.records.imports): it changes no row that chunk holds, and nothing that chunk
        writes waits for it. Corrections, renames, conflicts and list items keep their turn."""
        if self.superseded or self.moved or self.named_persons or self.name_conflicts or self.org_conflicts:
            return False
        return all(row.item.list_type is None for row in self.kept)

    def known(self) -> Known:
        """What this chunk leaves behind (see Known)."""
        versions = {}
        for rec in self.records:
            if rec[16] is None:  # the newest version of its source id in this chunk
                # (positions as in repo.RECORD_COLUMNS: 0 subject_key, 1 id, 4 source_record_id,
                # 5 version, 13 content_hash, 16 superseded_at, 17 matter_id)
                versions[rec[4]] = repo.CurrentVersion(rec[0], rec[1], rec[5], rec[13], rec[17], None)
        people = {p["person_key"]: (p["name"], p["name_source"]) for p in self.new_persons}
        people.update((k, (n, src)) for k, n, src in self.named_persons)
        orgs: dict[str, str | None] = {o["uscc"]: o["name"] for o in self.new_orgs}
        return Known(versions, people, orgs)


class Collector:
    """Takes rows of one department's batch, chunk by chunk."""

    def __init__(self, session: Session, catalog: Catalog, keys: Keys, batch: Batch,
                 ctx: RowContext, issue_seq: int = 0, issues_per_code: int = ISSUES_PER_CODE,
                 rejected_days: int = REJECTED_DAYS) -> None:
        self.rejected_days = rejected_days
        self.session = session
        self.catalog = catalog
        self.keys = keys
        self.batch = batch
        self.ctx = ctx
        self.issue_seq = issue_seq
        self.issues_per_code = issues_per_code

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
        plan = ChunkPlan(result, utcnow(), self.issue_seq, [], [], [], [], [], {}, [], [], [], [])
        where = rejects.where_of(checked, self.ctx.default_item_code)  # the refused rows'
        plan.rejected_rows = rejects.sealed_rows(self.keys, self.catalog, checked, where, self.batch.id,
                                                 plan.now + timedelta(days=self.rejected_days))
        self._plan_rows(checked.valid, plan, known)
        result.warnings = sum(1 for i in result.issues if i.level == "warning")  # planning adds some
        batch = self.batch
        batch.total += result.created + result.new_versions + result.unchanged + result.rejected
        batch.created += result.created
        batch.new_versions += result.new_versions
        batch.unchanged += result.unchanged
        batch.rejected += result.rejected
        batch.warnings += result.warnings
        if checked.last_row:
            batch.rows_through = checked.last_row
        batch.heartbeat_at = plan.now
        result.issues = self.listed(result.issues)
        if result.issues:  # the valid rows with a warning too
            where.update(rejects.where_valid(checked, {i.row for i in result.issues} - where.keys()))
        plan.issue_notes = rejects.notes(self.catalog, result.issues, where)
        self.issue_seq += len(result.issues)
        return plan

    def listed(self, issues: list[Issue]) -> list[Issue]:
        """The issues to store: each counted, the first `issues_per_code` of each code kept.
        The batch gets a new dict (a snapshot of the old one stays valid for a rollback)."""
        counts = dict(self.batch.issue_counts or {})
        cap = self.issues_per_code
        kept = []
        for issue in issues:
            seen = counts.get(issue.code, 0)
            counts[issue.code] = seen + 1
            if seen < cap:
                kept.append(issue)
        self.batch.issue_counts = counts
        return kept

    def write(self, plan: ChunkPlan, session: Session) -> None:
        """Write a planned chunk in `session`'s transaction (batch counts aside)."""
        if plan.records:
            now = plan.now
            raced = repo.insert_persons(session, plan.new_persons)
            if raced:  # another submission created some of them since this chunk looked
                self._raced_names(session, plan, raced)
            persons.set_names(session, plan.named_persons, now)
            orgs.insert_new(session, plan.new_orgs)
            conflicts.raise_names(session, plan.name_conflicts, now)
            for uscc, key, current, claimed, origin in plan.org_conflicts:
                conflicts.raise_org(session, uscc=uscc, subject_key=key, kind=naming.ORG_NAME, current=current,
                                    claimed=claimed, origin=origin, now=now)
            repo.supersede(session, plan.superseded, now)
            repo.insert_records(session, plan.records)
            # Each version makes or updates its matter, which holds the state for all versions.
            stored = list(zip(plan.kept, plan.records, strict=True))
            matters.follow_records(session, self.ctx.department_code, stored, now, self.catalog)
            exchange.follow_records(session, self.ctx.department_code, stored, now)
            matters.end_moved(session, self.catalog, plan.moved, now)
        repo.insert_issues(session, self.batch.id, plan.issue_seq, plan.result.issues, plan.issue_notes)
        repo.insert_rejected(session, plan.rejected_rows)

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
        # Matters deleted after repair (兴山) stay deleted: the department's next full upload does not
        # bring them back as new ones.
        purged = retention_repo.repaired_sources(self.session, dept, [
            r.source_record_id for r in valid if r.source_record_id not in latest])
        records = plan.records
        pending: dict[str, int] = {}  # source id -> index in `records` of a version made now
        superseded = plan.superseded
        kept = plan.kept
        version_tag = self.catalog.version
        batch_id = self.batch.id
        new_ids = iter(ids.new_ids(len(valid)))
        catalog = self.catalog
        domains: dict[str, Any] = {}  # item code -> domain, for items whose records' data cannot change it
        created = new_versions = unchanged = 0
        for row in valid:
            sid = row.source_record_id
            made = pending.get(sid)
            record_id = next(new_ids)
            if made is not None:  # a version made earlier in this chunk is the live one
                # (positions as in repo.RECORD_COLUMNS: 5 version, 13 content_hash, 16 superseded_at,
                # 17 matter_id)
                previous = records[made]
                if previous[13] == row.content_hash:
                    unchanged += 1
                    continue
                previous[16] = now
                version = previous[5] + 1
                matter_id = previous[17]
                new_versions += 1
                if previous[0] != row.subject_key:  # the record now names another subject: a new matter
                    plan.moved.append((previous[0], matter_id))
                    matter_id = record_id
            else:
                cur = latest.get(sid)
                if cur is None and sid in purged:
                    unchanged += 1
                    result.issues.append(_purged_issue(row.row))
                    continue
                if cur is None:
                    version = 1
                    matter_id = record_id  # a new matter, named after its first version
                    created += 1
                elif cur.content_hash == row.content_hash:
                    unchanged += 1
                    if cur.ended is not None:
                        result.issues.append(_ended_issue(row.row, cur.ended, changed=False))
                    continue
                else:
                    version = cur.version + 1
                    matter_id = cur.matter_id
                    new_versions += 1
                    superseded.append((cur.subject_key, cur.id))
                    if cur.subject_key != row.subject_key:
                        # The department corrected whom the record is about: the old subject's matter
                        # ends, the new subject's begins with this version.
                        if cur.ended is None:
                            plan.moved.append((cur.subject_key, matter_id))
                        matter_id = record_id
                    elif cur.ended is not None:
                        result.issues.append(_ended_issue(row.row, cur.ended, changed=True))
            pending[sid] = len(records)
            item = row.item
            if needs_data(item):  # validation read it off the row's data
                domain = row.data_domain
            else:  # item and department decide: once per item in a chunk
                domain = domains.get(item.code, domains)
                if domain is domains:
                    domain = domains[item.code] = record_domain(catalog, item, dept, None)
            records.append([
                row.subject_key, record_id, row.subject_kind, dept, sid, version,
                item.code, version_tag, item.nature, row.severity, row.severity_reason,
                row.decision_date, row.data_json, row.content_hash, batch_id,
                now, None, matter_id, domain,
            ])
            kept.append(row)
        result.created += created
        result.new_versions += new_versions
        result.unchanged += unchanged
        result.warnings = sum(1 for i in result.issues if i.level == "warning")
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
                plan.new_person_rows[key] = people[i]
            plan.named_persons.extend((k, *named.names[k]) for k in named.updated)
            for i, current in named.conflicts:
                row = people[i]
                plan.name_conflicts.append(conflicts.NameClaim(row.subject_key, current, row.person_name or "",
                                                               self._origin(row)))
                warned.append(_conflict_issue(row.row))
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

    def _raced_names(self, session: Session, plan: ChunkPlan, keys: set[str]) -> None:
        """Persons this chunk meant to create that a concurrent submission created first: their
        names are compared now, as if they had been known; a differing one is a conflict (queued,
        the person told), the stored name unchanged. (The chunk's report was settled when it was
        planned, and the next chunk may already be planned: the conflict queue records this one.)"""
        stored = repo.person_names(session, list(keys))
        for key in sorted(keys):
            row = plan.new_person_rows[key]
            current = stored.get(key, (None, None))[0]
            if row.person_name and not naming.same_name(current, row.person_name):
                plan.name_conflicts.append(conflicts.NameClaim(key, current, row.person_name, self._origin(row)))

    def _origin(self, row: ValidRow) -> conflicts.Origin:
        return conflicts.Origin(self.ctx.department_code, "record",
                                f"报送的“{row.item.name}”（决定日期 {row.decision_date.isoformat()}）",
                                item_code=row.item.code, source_record_id=row.source_record_id,
                                batch_id=self.batch.id)


def _conflict_issue(row: int) -> Issue:
    return Issue(row, "name", "PERSON_NAME_CONFLICT",
                 "该证件号码在平台登记的姓名与本行姓名不一致：记录已接收，登记姓名未改变，已提交信用办核实", "warning")


def _purged_issue(row: int) -> Issue:
    return Issue(row, "source_record_id", "RECORD_PURGED_AFTER_REPAIR",
                 "该事项已信用修复，原信息已按规定删除、只存档修复情况，不再归集", "warning")


def _ended_issue(row: int, ended: str, *, changed: bool) -> Issue:
    """The warning for a row about a matter that was already ended: its state does not change."""
    what = STATE_LABELS.get(ended, ended)
    if changed:
        return Issue(row, "source_record_id", "RECORD_MATTER_ENDED",
                     f"该事项{what}，新版本已存档，但不改变其状态（不再公示、不再作为惩戒依据）", "warning")
    return Issue(row, "source_record_id", "RECORD_REVOKED" if ended == "revoked" else "RECORD_MATTER_ENDED",
                 f"该事项{what}，重复报送未作改变", "warning")


def revoke(session: Session, catalog: Catalog, department_code: str, source_record_id: str, reason: str, *,
           settings: Settings | None = None) -> tuple[Record, Matter]:
    """Revoke a department's own record with a reason: its whole matter ends (publicity, list,
    measures), the person is told what that stopped; the versions stay as history."""
    reason = reason.strip()
    if not reason:
        raise DomainError("RECORD_REVOKE_REASON_REQUIRED", "撤销记录必须说明理由", 422)
    record = repo.find_current(session, department_code, source_record_id)
    matter = None if record is None else matter_repo.of_record(session, record)
    if record is None or matter is None:
        raise NotFound("RECORD_NOT_FOUND", "本部门没有该源记录编号的记录")
    if matter.end_reason == "revoked":
        raise DomainError("RECORD_ALREADY_REVOKED", "该记录已被撤销", 409)
    item = catalog.item(record.item_code)
    name = item.name if item else record.item_code
    department = departments_repo.names(session).get(department_code, department_code)
    matters.end(session, matter, "revoked", reason[:2000], settings=settings, told=matters.Told(
        "matter_revoked", matter.id, f"信息已撤销：{name}",
        f"{department}已撤销您的“{name}”（理由：{reason[:200]}）。"))
    return record, matter
