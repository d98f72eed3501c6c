"""The outgoing feed: what each neighbour is owed, written in the transaction of the change itself.

Four places call in, each once for every change of its kind: collection (a new or corrected
record version), a direct listing, the end of a matter (revocation, repair, court deletion:
`chengxin.matters.service.end`) and the end of publicity. With no neighbours configured they
return at once. Changes are numbered and sealed later, by the sender (`numbering`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.orm import Session

from chengxin.catalog.rules import Catalog
from chengxin.crypto import Keys
from chengxin.departments import repository as departments
from chengxin.exchange import repository as repo
from chengxin.exchange import rules
from chengxin.matters.models import Matter
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


# --- numbering and bodies -----------------------------------------------------------------------
# Numbering only gives numbers (and the day reconciliation counts a change under), in the order the
# changes were owed: a short write. The body of a change is built when it is sent, from what it
# names: record versions, list entries and ends are immutable facts, so a re-send carries the same
# change; no copy of the body (with its ID number) is kept in the outbox.

def number(session: Session, neighbour: str, limit: int, today: date) -> int:
    """Number the next changes owed to `neighbour`; returns how many. The neighbour's row is
    locked: one numberer at a time."""
    peer = repo.peer(session, neighbour, lock=True)
    ids_ = repo.unnumbered_ids(session, neighbour, limit)
    if not ids_:
        return 0
    first = peer.last_seq + 1
    repo.set_numbers(session, [(i, first + k) for k, i in enumerate(ids_)], today)
    peer.last_seq = first + len(ids_) - 1
    session.flush()
    return len(ids_)


class Bodies:
    """Builds the bodies of numbered changes from the rows `repository.to_send` gives."""

    def __init__(self, session: Session, keys: Keys, catalog: Catalog, node: rules.Node) -> None:
        self.keys, self.catalog, self.node = keys, catalog, node
        self.names = departments.names(session)

    def origin(self, department_code: str, ref: str) -> dict[str, str]:
        node, code = rules.split_department(department_code)
        full = self.names.get(department_code, department_code)
        if node is None:
            return {"node": self.node.code, "node_name": self.node.name, "department": code,
                    "department_name": full, "ref": ref}
        node_name, _, name = full.partition("·")
        return {"node": node, "node_name": node_name or node, "department": code, "department_name": name or code,
                "ref": ref}

    def subject(self, row: Any) -> dict[str, Any]:
        if row.id_cipher is not None:
            return {"kind": "person", "id_type": row.id_type,
                    "id_number": self.keys.decrypt(row.id_cipher, row.subject_key.encode()), "name": row.p_name}
        return {"kind": "organisation", "uscc": row.uscc, "name": row.g_name}

    def body(self, row: Any) -> tuple[dict[str, Any], str]:
        """(body, reconciliation category) of one numbered change."""
        item = self.catalog.item(row.m_item) if row.m_item else None
        category = item.category if item else "LIST"
        base = {"seq": row.seq, "kind": row.kind, "day": row.day.isoformat(), "category": category}
        if row.kind == rules.RECORD:
            body = {**base, "origin": self.origin(row.r_dept, row.r_src), "subject": self.subject(row),
                    "record": {"item_code": row.r_item, "decision_date": row.decision_date.isoformat(),
                               "severity": row.r_sev, "severity_reason": row.severity_reason,
                               "fields": row.data, "version": row.version}}
        elif row.kind == rules.LISTING:
            body = {**base, "origin": self.origin(row.m_dept, row.m_src or row.matter_id),
                    "subject": self.subject(row),
                    "listing": {"item_code": row.m_item, "list_type": row.list_type, "nature": row.nature,
                                "severity": row.m_sev, "start_date": row.start_date.isoformat(),
                                "planned_end": row.planned_end.isoformat() if row.planned_end else None,
                                "basis": row.basis, "reference": row.reference}}
        else:
            body = {**base, "origin": {**self.origin(row.m_dept, row.m_src or row.matter_id),
                                       "record": row.m_origin == "record"},
                    "decided_by": {"node": self.node.code, "name": self.node.name}, **(row.extra or {})}
        return body, category


def bodies(session: Session, keys: Keys, catalog: Catalog, node: rules.Node,
           rows: Sequence[Any]) -> list[tuple[dict[str, Any], str]]:
    """The bodies of numbered changes (rows with the outgoing columns), in their order."""
    built = Bodies(session, keys, catalog, node)
    return [built.body(r) for r in rows]
