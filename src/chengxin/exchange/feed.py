"""The outgoing feed: what each neighbour is owed, written in the transaction of the change itself.

Four places call in, each once for every change of its kind: collection (a new or corrected
record version), a direct listing, the end of a matter (revocation, repair, court deletion:
`chengxin.matters.service.end`) and the end of publicity. With no neighbours configured they
return at once. Changes are numbered and sealed later, by the sender (`numbering`).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from chengxin.catalog.rules import Catalog
from chengxin.crypto import Keys
from chengxin.departments import repository as departments
from chengxin.exchange import repository as repo
from chengxin.exchange import rules
from chengxin.exchange.models import OutgoingChange
from chengxin.matters.models import Matter
from chengxin.organisations.models import Organisation
from chengxin.persons import repository as persons
from chengxin.records.models import Record
from chengxin.settings import Settings, get_settings

# The neighbour whose batch is being applied: what it sent is never sent back to it.
receiving_from: ContextVar[str | None] = ContextVar("receiving_from", default=None)
_node: tuple[tuple[Any, ...], rules.Node] | None = None
_installed: Settings | None = None


def install(settings: Settings | None) -> None:
    """Make `settings` the ones the hooks read the node from (the app and CLI do this at start)."""
    global _installed, _node
    _installed, _node = settings, None


def current_node(settings: Settings | None = None) -> rules.Node:
    """This node and its neighbours, read again when the neighbours file changes."""
    global _node
    settings = settings or _installed or get_settings()
    path = settings.resolved_neighbours_file
    try:
        stamp: int | None = path.stat().st_mtime_ns
    except FileNotFoundError:
        stamp = None
    key = (str(path), stamp, settings.node_code, settings.node_name)
    if _node is not None and _node[0] == key:
        return _node[1]
    doc = None
    if stamp is not None:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            from chengxin.errors import DomainError

            why = ("YAML 格式有误" if isinstance(exc, yaml.YAMLError) else
                   "不是 UTF-8 编码" if isinstance(exc, UnicodeDecodeError) else "无法打开")
            raise DomainError("EXCHANGE_CONFIG_INVALID", f"无法读取相邻平台配置文件 {path.name}：{why}", 500) from None
    node = rules.parse_neighbours(doc, code=settings.node_code, name=settings.node_name, base=Path(path).parent)
    _node = (key, node)
    return node


@contextlib.contextmanager
def applying(sender: str) -> Iterator[None]:
    token = receiving_from.set(sender)
    try:
        yield
    finally:
        receiving_from.reset(token)


def _skipped(department_code: str) -> set[str]:
    """Neighbours a change must not go to: the one it came from, and the node it originated at."""
    origin, _ = rules.split_department(department_code)
    return {c for c in (receiving_from.get(), origin) if c}


def _targets(node: rules.Node, department_code: str, disclosure: str, category: str, listed: bool,
             serious: bool) -> list[str]:
    """Platforms: upward what they admit, downward lists only. The financial credit database: serious
    dishonesty only, under its sharing agreement. A credit agency: nothing (it only sends, R15)."""
    skip = _skipped(department_code)
    out = []
    for n in node.neighbours:
        if n.code in skip or not n.admits(disclosure, category):
            continue
        platform = n.role == rules.PLATFORM and (n.direction == rules.UP or listed)
        if platform or (n.role == rules.FINANCIAL and serious):
            out.append(n.code)
    return out


def follow_records(session: Session, department_code: str, stored: Sequence[tuple[Any, Sequence[Any]]],
                   now: datetime) -> None:
    """Owe each admitting neighbour every new record version (positions of `stored` values as in
    records.repository.RECORD_COLUMNS: 0 subject_key, 1 id, 17 matter_id). Upward: what the
    neighbour's disclosure levels and categories admit; downward: list items only."""
    node = current_node()
    if not node.neighbours or not stored:
        return
    rows = []
    for row, rec in stored:
        item = row.item
        serious = item.list_type == "black" or row.severity == "serious"
        for code in _targets(node, department_code, item.disclosure, item.category, item.list_type is not None,
                             serious):
            rows.append({"neighbour": code, "numbered": 0, "kind": rules.RECORD, "subject_key": rec[0],
                         "matter_id": rec[17], "ref": rec[1], "extra": None, "created_at": now})
    repo.owe(session, rows)


def follow_listing(session: Session, catalog: Catalog, m: Matter, now: datetime) -> None:
    """Owe each admitting neighbour a direct list entry (lists travel up and down)."""
    node = current_node()
    if not node.neighbours:
        return
    item = catalog.item(m.item_code) if m.item_code else None
    category = item.category if item else "LIST"
    disclosure = item.disclosure if item else "public"
    repo.owe(session, [{"neighbour": code, "numbered": 0, "kind": rules.LISTING, "subject_key": m.subject_key,
                        "matter_id": m.id, "ref": m.id, "extra": None, "created_at": now}
                       for code in _targets(node, m.department_code, disclosure, category, True,
                                            m.list_type == "black")])


def receivers(session: Session, m: Matter) -> set[str]:
    """The neighbours that hold a matter: those it was sent to and those it came from."""
    node = current_node()
    sent = {c.neighbour for c in repo.sent_about(session, m.subject_key, m.id) if c.kind in (rules.RECORD,
                                                                                              rules.LISTING)}
    return (sent | repo.senders_of(session, m.subject_key, m.id)) & set(node.by_code)


def follow_end(session: Session, m: Matter, kind: str, extra: dict[str, Any], now: datetime) -> None:
    """Owe every neighbour that holds the matter its end (or its publicity's end), except the one
    that told us: repaired once, repaired everywhere (R14)."""
    node = current_node()
    if not node.neighbours:
        return
    targets = receivers(session, m) - {receiving_from.get()}
    repo.owe(session, [{"neighbour": code, "numbered": 0, "kind": kind, "subject_key": m.subject_key,
                        "matter_id": m.id, "ref": m.id, "extra": extra, "created_at": now}
                       for code in sorted(targets)])


# --- numbering: the sender gives numbers and seals bodies ----------------------------------------

def number(session: Session, keys: Keys, catalog: Catalog, node: rules.Node, neighbour: str, limit: int,
           today: date) -> int:
    """Number the next changes owed to `neighbour` in the order they were owed, build and seal
    their bodies; returns how many. The neighbour's row is locked: one numberer at a time."""
    peer = repo.peer(session, neighbour, lock=True)
    rows = repo.unnumbered(session, neighbour, limit)
    if not rows:
        return 0
    bodies = Bodies(session, keys, catalog, node)
    bodies.load(rows)
    seq = peer.last_seq
    for row in rows:
        seq += 1
        body, category = bodies.body(row, seq, today)
        row.seq, row.numbered, row.category, row.day = seq, 1, category, today
        row.digest = rules.digest(body)
        row.body_cipher = keys.encrypt(json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                                       _context(row.id))
    peer.last_seq = seq
    session.flush()
    return len(rows)


def _context(row_id: int) -> bytes:
    """What a sealed body is bound to (keyring.rules.CIPHERS says the same)."""
    return f"exchange:{row_id}".encode()


def opened(keys: Keys, row: OutgoingChange) -> dict[str, Any]:
    """The body of a numbered change, as it was numbered (a re-send sends the same bytes)."""
    assert row.body_cipher is not None and row.seq is not None
    return json.loads(keys.decrypt(row.body_cipher, _context(row.id)))


class Bodies:
    """Builds change bodies for a run of numbered changes, with the look-ups done in bulk."""

    def __init__(self, session: Session, keys: Keys, catalog: Catalog, node: rules.Node) -> None:
        self.session, self.keys, self.catalog, self.node = session, keys, catalog, node
        self.records: dict[tuple[str, str], Record] = {}
        self.matters: dict[tuple[str, str], Matter] = {}
        self.people: dict[str, Any] = {}
        self.orgs: dict[str, Organisation] = {}
        self.names: dict[str, str] = {}

    def load(self, rows: Sequence[OutgoingChange]) -> None:
        s = self.session
        rec_keys = list({(r.subject_key, r.ref) for r in rows if r.kind == rules.RECORD})
        for i in range(0, len(rec_keys), 500):
            part = rec_keys[i:i + 500]
            for rec in s.scalars(select(Record).where(tuple_(Record.subject_key, Record.id).in_(part))):
                self.records[(rec.subject_key, rec.id)] = rec
        m_keys = list({(r.subject_key, r.matter_id) for r in rows})
        for i in range(0, len(m_keys), 500):
            part = m_keys[i:i + 500]
            for m in s.scalars(select(Matter).where(tuple_(Matter.subject_key, Matter.id).in_(part))):
                self.matters[(m.subject_key, m.id)] = m
        subjects = {r.subject_key for r in rows if r.kind in (rules.RECORD, rules.LISTING)}
        self.people = persons.get_many(s, list(subjects))
        rest = subjects - set(self.people)
        if rest:
            self.orgs = {o.subject_key: o for o in s.scalars(select(Organisation).where(
                Organisation.subject_key.in_(rest)))}
        self.names = departments.names(s)

    def origin(self, department_code: str, ref: str) -> dict[str, str]:
        node, code = rules.split_department(department_code)
        full = self.names.get(department_code, department_code)
        if node is None:
            return {"node": self.node.code, "node_name": self.node.name, "department": code,
                    "department_name": full, "ref": ref}
        node_name, _, name = full.partition("·")
        return {"node": node, "node_name": node_name or node, "department": code, "department_name": name or code,
                "ref": ref}

    def subject(self, key: str) -> dict[str, Any]:
        p = self.people.get(key)
        if p is not None:
            return {"kind": "person", "id_type": p.id_type, "id_number": self.keys.decrypt(p.id_cipher, key.encode()),
                    "name": p.name}
        o = self.orgs[key]
        return {"kind": "organisation", "uscc": o.uscc, "name": o.name}

    def body(self, row: OutgoingChange, seq: int, today: date) -> tuple[dict[str, Any], str]:
        """(body, reconciliation category) of one change."""
        m = self.matters[(row.subject_key, row.matter_id)]
        item = self.catalog.item(m.item_code) if m.item_code else None
        category = item.category if item else "LIST"
        base = {"seq": seq, "kind": row.kind, "day": today.isoformat(), "category": category}
        if row.kind == rules.RECORD:
            rec = self.records[(row.subject_key, row.ref)]
            body = {**base, "origin": self.origin(rec.department_code, rec.source_record_id),
                    "subject": self.subject(row.subject_key),
                    "record": {"item_code": rec.item_code, "decision_date": rec.decision_date.isoformat(),
                               "severity": rec.severity, "severity_reason": rec.severity_reason,
                               "fields": rec.data, "version": rec.version}}
        elif row.kind == rules.LISTING:
            body = {**base, "origin": self.origin(m.department_code, m.source_record_id or m.id),
                    "subject": self.subject(row.subject_key),
                    "listing": {"item_code": m.item_code, "list_type": m.list_type, "nature": m.nature,
                                "severity": m.severity, "start_date": m.start_date.isoformat(),
                                "planned_end": m.planned_end.isoformat() if m.planned_end else None,
                                "basis": m.basis, "reference": m.reference}}
        else:
            body = {**base, "origin": {**self.origin(m.department_code, m.source_record_id or m.id),
                                       "record": m.origin == "record"},
                    "decided_by": {"node": self.node.code, "name": self.node.name}, **(row.extra or {})}
        return body, category
