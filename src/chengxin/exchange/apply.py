"""Applying a neighbour's changes here: records through collection (so the file, checks, lists and
watch see them as they see any record), list entries as direct listings, ends through the one
function that ends a matter. Every change applied or refused is noted once (sender, number)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chengxin import ids
from chengxin.catalog.rules import Catalog
from chengxin.clock import today, utcnow
from chengxin.conflicts.service import Origin
from chengxin.crypto import Keys
from chengxin.departments import repository as departments
from chengxin.errors import DomainError
from chengxin.exchange import feed, rules
from chengxin.exchange import repository as repo
from chengxin.exchange.models import ReferenceRecord
from chengxin.identity.rules import parse_identifier
from chengxin.matters import service as matters
from chengxin.matters.models import Matter
from chengxin.matters.rules import END_REASONS
from chengxin.persons import service as persons
from chengxin.records import service as records
from chengxin.records.rules import RowContext
from chengxin.watch import service as watch


class Applier:
    """Applies one sender's changes in one transaction."""

    def __init__(self, session: Session, keys: Keys, catalog: Catalog, node: rules.Node, sender: str) -> None:
        self.session, self.keys, self.catalog, self.node, self.sender = session, keys, catalog, node, sender
        self.noted: list[dict[str, Any]] = []
        self.rejected: list[tuple[int, str]] = []
        self.now = utcnow()
        self.departments: set[str] = set()  # local department codes known to exist in this transaction

    def apply(self, changes: Sequence[dict[str, Any]]) -> list[tuple[int, str]]:
        """Apply changes in order; returns (number, code) of those refused."""
        source = self.node.neighbour(self.sender)
        if source is not None and source.reference_only:
            for change in changes:
                self._reference(change, source)
            repo.add_applied(self.session, self.noted)
            return self.rejected
        with feed.applying(self.sender):
            run: list[dict[str, Any]] = []
            for change in changes:
                if change["kind"] == rules.RECORD:
                    run.append(change)
                    continue
                self._records(run)
                run = []
                self._one(change)
            self._records(run)
        repo.add_applied(self.session, self.noted)
        return self.rejected

    def _note(self, change: dict[str, Any], code: str | None, m: Matter | tuple[str, str] | None) -> None:
        try:
            day = date.fromisoformat(str(change.get("day")))
        except ValueError:
            day = today()
        self.noted.append({
            "sender": self.sender, "seq": change["seq"], "kind": change["kind"],
            "category": str(change.get("category") or "")[:16], "day": day, "digest": _digest(change),
            "status": "rejected" if code else "applied", "code": code,
            "subject_key": _key(m), "matter_id": _id(m), "applied_at": self.now})
        if code:
            self.rejected.append((change["seq"], code))

    def _department(self, origin: dict[str, Any]) -> str:
        code = rules.local_department(str(origin.get("node")), str(origin.get("department") or ""), self.node.code)
        # Checked once per batch: the session's identity map holds a Department only while someone
        # references it, so a look-up per change was a SELECT per change (half of applying a batch).
        if code not in self.departments:
            if departments.get(self.session, code) is None:
                departments.ensure(self.session, {code: f"{str(origin.get('node_name') or '')[:80]}·"
                                                        f"{str(origin.get('department_name') or '')[:100]}"})
            self.departments.add(code)
        return code

    def _records(self, run: list[dict[str, Any]]) -> None:
        """Record versions through collection, one batch per origin department."""
        groups: dict[str, list[dict[str, Any]]] = {}
        for change in run:
            try:
                dept = self._department(change["origin"])
            except (DomainError, KeyError, TypeError) as exc:
                self._note(change, getattr(exc, "code", "EXCHANGE_CHANGE_MALFORMED"), None)
                continue
            groups.setdefault(dept, []).append(change)
        for dept, changes in groups.items():
            origin = changes[0]["origin"]
            acting = dept if origin.get("node") == self.node.code else str(origin.get("department"))
            batch = records.open_batch(self.session, dept, "exchange", filename=f"来自 {self.sender} 的交换批次")
            ctx = RowContext(self.catalog, dept, today(), self.keys.hasher(), None, acting_department=acting)
            collector = records.Collector(self.session, self.catalog, self.keys, batch, ctx)
            rows = [(n, _flat(c)) for n, c in enumerate(changes, start=1)]
            plan = collector.plan(rows)
            collector.write(plan, self.session)
            records.close_batch(batch)
            refused = {i.row: i.code for i in plan.result.issues if i.level == "error"}
            # The matter each stored version belongs to, from what was written (positions as in
            # records.repository.RECORD_COLUMNS: 0 subject_key, 4 source_record_id, 17 matter_id); only
            # an unchanged one (sent again) is looked up.
            found = {rec[4]: (rec[0], rec[17]) for rec in plan.records}
            missing = [str(c["origin"]["ref"]) for c in changes if str(c["origin"]["ref"]) not in found]
            if missing:
                found.update(_keys_by_source(self.session, dept, missing))
            for n, change in enumerate(changes, start=1):
                self._note(change, refused.get(n), found.get(str(change["origin"]["ref"])))
        self.session.flush()

    def _one(self, change: dict[str, Any]) -> None:
        try:
            if change["kind"] == rules.LISTING:
                m = self._listing(change)
            elif change["kind"] == rules.END:
                m = self._end(change)
            else:  # the end of publicity: the same dates end it here by the same rules; noted only
                m = self._find(change["origin"])
        except DomainError as exc:
            self._note(change, exc.code, None)
            return
        except (KeyError, TypeError, ValueError):
            self._note(change, "EXCHANGE_CHANGE_MALFORMED", None)
            return
        self._note(change, None, m)

    def _find(self, origin: dict[str, Any]) -> Matter | None:
        ref = str(origin["ref"])
        if origin.get("node") == self.node.code and not origin.get("record", True):
            return self.session.scalars(select(Matter).where(Matter.id == ref)).first()
        dept = rules.local_department(str(origin["node"]), str(origin["department"]), self.node.code)
        return _matters_by_source(self.session, dept, [ref]).get(ref)

    def _listing(self, change: dict[str, Any]) -> Matter:
        origin, entry, subject = change["origin"], change["listing"], change["subject"]
        dept = self._department(origin)
        found = self._find({**origin, "record": True})
        if found is not None:
            return found
        if subject.get("kind") != "person":
            raise DomainError("EXCHANGE_SUBJECT_UNSUPPORTED", "名单条目的主体须为自然人", 422)
        ident = parse_identifier(str(subject["id_type"]), str(subject["id_number"]))
        (key,) = persons.ensure(self.session, self.keys, [(ident, subject.get("name"))], self.now, origin=Origin(
            dept, "list_entry", f"经平台交换收到的名单条目（{str(origin.get('node_name'))[:40]}）"))
        start = date.fromisoformat(entry["start_date"])
        end = date.fromisoformat(entry["planned_end"]) if entry.get("planned_end") else None
        m = Matter(subject_key=key, id=ids.new_id(), subject_kind="person", origin="direct", department_code=dept,
                   source_record_id=str(origin["ref"])[:64], record_id=None, item_code=entry.get("item_code"),
                   nature=entry["nature"], severity=entry.get("severity"), start_date=start,
                   list_type=entry["list_type"], planned_end=end, basis=entry.get("basis"),
                   reference=entry.get("reference"), created_at=self.now, updated_at=self.now)
        self.session.add(m)
        self.session.flush()
        day = today()
        if start <= day and (end is None or end >= day):
            watch.emit(self.session, m, "listed", None, self.now)
        feed.follow_listing(self.session, self.catalog, m, self.now)
        return m

    def _end(self, change: dict[str, Any]) -> Matter:
        reason = change["reason"]
        if reason not in END_REASONS:
            raise DomainError("EXCHANGE_CHANGE_MALFORMED", "结束理由不认识", 422)
        m = self._find(change["origin"])
        if m is None:
            raise DomainError("EXCHANGE_MATTER_UNKNOWN", "本平台没有该事项", 422)
        if m.ended_on is not None:
            return m  # already ended here (by its own department, or an earlier message)
        decided = change.get("decided_by") or {}
        by = str(decided.get("name") or self.sender)[:100]
        note = f"{by}决定{END_REASONS[reason]}" + (f"：{str(change.get('note'))[:1500]}" if change.get("note") else "")
        on = date.fromisoformat(change["ended_on"]) if change.get("ended_on") else None
        own = change["origin"].get("node") == self.node.code
        told = matters.Told(f"matter_{reason}", m.id, f"信息已{END_REASONS[reason]}",
                            f"{by}已对您的一项信用信息作出{END_REASONS[reason]}决定，本平台已同步。") if own else None
        matters.end(self.session, m, reason, note, told=told, on=on, now=self.now,
                    extra={"decided_by": decided} if decided else None)
        return m


    def _reference(self, change: dict[str, Any], source: rules.Neighbour) -> None:
        """A source that is only a reference (R15): its records are kept as such, apart from records;
        its ends end them."""
        try:
            origin = change["origin"]
            ref = str(origin["ref"])[:64]
            found = self.session.scalars(select(ReferenceRecord).where(
                ReferenceRecord.source == source.code, ReferenceRecord.source_ref == ref)).first()
            if change["kind"] == rules.END:
                if found is None:
                    raise DomainError("EXCHANGE_MATTER_UNKNOWN", "本平台没有该参考信息", 422)
                found.ended_on = date.fromisoformat(change["ended_on"]) if change.get("ended_on") else today()
                found.end_reason = str(change.get("reason") or "revoked")[:16]
            elif change["kind"] in (rules.RECORD, rules.LISTING):
                subject, body = change["subject"], change.get("record") or change.get("listing") or {}
                if subject.get("kind") != "person":
                    raise DomainError("EXCHANGE_SUBJECT_UNSUPPORTED", "参考信息的主体须为自然人", 422)
                ident = parse_identifier(str(subject["id_type"]), str(subject["id_number"]))
                (key,) = persons.ensure(self.session, self.keys, [(ident, subject.get("name"))], self.now,
                                        origin=Origin(self._department(origin), "record",
                                                      f"{source.name}推送的参考信息"))
                fields = body.get("fields") or {}
                item = self.catalog.item(str(body.get("item_code") or ""))
                values = dict(subject_key=key, source=source.code, source_name=source.name, source_ref=ref,
                              item_code=str(body.get("item_code") or "")[:32] or None,
                              item_name=(item.name if item else str(fields.get("item_name") or body.get("item_code")
                                                                    or "参考信息"))[:200],
                              decision_date=date.fromisoformat(body.get("decision_date") or body["start_date"]),
                              content=fields, received_at=self.now)
                if found is None:
                    self.session.add(ReferenceRecord(id=ids.new_id(), **values))
                else:
                    for name, value in values.items():
                        setattr(found, name, value)
            self.session.flush()
        except DomainError as exc:
            self._note(change, exc.code, None)
            return
        except (KeyError, TypeError, ValueError):
            self._note(change, "EXCHANGE_CHANGE_MALFORMED", None)
            return
        self._note(change, None, None)


def _flat(change: dict[str, Any]) -> dict[str, Any]:
    subject, record, origin = change["subject"], change["record"], change["origin"]
    row: dict[str, Any] = {**(record.get("fields") or {})}
    row.update({"item_code": record["item_code"], "source_record_id": origin["ref"],
                "decision_date": record["decision_date"], "severity": record.get("severity"),
                "severity_reason": record.get("severity_reason")})
    if subject.get("kind") == "organisation":
        row.update({"uscc": subject.get("uscc"), "org_name": subject.get("name")})
    else:
        row.update({"id_type": subject.get("id_type"), "id_number": subject.get("id_number"),
                    "name": subject.get("name")})
    return row


def _digest(change: dict[str, Any]) -> str:
    """The fingerprint the sender gave the change (the batch's signature and hash vouch for it), or
    ours for a sender that gave none."""
    given = change.get("digest")
    if isinstance(given, str) and len(given) == 32:
        return given
    return rules.digest(change)


def _key(m: Matter | tuple[str, str] | None) -> str | None:
    return None if m is None else m[0] if isinstance(m, tuple) else m.subject_key


def _id(m: Matter | tuple[str, str] | None) -> str | None:
    return None if m is None else m[1] if isinstance(m, tuple) else m.id


def _keys_by_source(session: Session, dept: str, refs: list[str]) -> dict[str, tuple[str, str]]:
    """(subject key, matter id) of the department's matters by source record id, as plain rows."""
    out: dict[str, tuple[str, str]] = {}
    conn = session.connection()
    for i in range(0, len(refs), 500):
        for src, key, mid in conn.execute(select(Matter.source_record_id, Matter.subject_key, Matter.id).where(
                Matter.department_code == dept, Matter.source_record_id.in_(refs[i:i + 500]))):
            out[src] = (key, mid)
    return out


def _matters_by_source(session: Session, dept: str, refs: list[str]) -> dict[str, Matter]:
    out: dict[str, Matter] = {}
    for i in range(0, len(refs), 500):
        for m in session.scalars(select(Matter).where(Matter.department_code == dept,
                                                      Matter.source_record_id.in_(refs[i:i + 500]))):
            if m.source_record_id is not None:
                out[m.source_record_id] = m
    return out
