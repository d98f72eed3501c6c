"""All SQL for key rotation: ciphertexts by key id, moving subjects to new keys, aliases."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import PrimaryKeyConstraint, Table, UniqueConstraint, bindparam, delete, func, insert, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from chengxin.db import Base
from chengxin.keyring.models import SubjectKeyAlias
from chengxin.keyring.rules import CipherColumn, KeySample, key_byte
from chengxin.models import import_all
from chengxin.records.repository import IN_CHUNK


def table(name: str) -> Table:
    import_all()
    return Base.metadata.tables[name]


def key_usage(session: Session, spec: CipherColumn) -> dict[int, int]:
    """How many ciphertexts of a column each key id made (a full scan: status and retire only)."""
    col = table(spec.table).c[spec.column]
    first = func.substr(col, 1, 1)
    rows = session.execute(select(first, func.count()).group_by(first))
    return {bytes(b)[0]: n for b, n in rows if b}


def count_not_under(session: Session, spec: CipherColumn, key_id: int) -> int:
    col = table(spec.table).c[spec.column]
    return session.execute(select(func.count()).where(func.substr(col, 1, 1) != key_byte(key_id))).scalar_one()


def not_under(session: Session, spec: CipherColumn, key_id: int, after: Any, limit: int) -> list[dict[str, Any]]:
    """The next rows (by key, after `after`) whose ciphertext is not under `key_id`."""
    t = table(spec.table)
    key, col = t.c[spec.key], t.c[spec.column]
    stmt = select(t).where(func.substr(col, 1, 1) != key_byte(key_id))
    if after is not None:
        stmt = stmt.where(key > after)
    return [dict(r._mapping) for r in session.execute(stmt.order_by(key).limit(limit))]


def replace_ciphers(session: Session, spec: CipherColumn, changes: Sequence[tuple[Any, bytes, bytes]]) -> int:
    """Swap ciphertexts (key, old, new), each only where the stored one is still `old` (a row a
    writer changed meanwhile is left for the next pass). Returns how many changed."""
    if not changes:
        return 0
    t = table(spec.table)
    stmt = (update(t).where(t.c[spec.key] == bindparam("k"), t.c[spec.column] == bindparam("old"))
            .values({spec.column: bindparam("new")}))
    conn = session.connection()
    done = 0
    for k, old, new in changes:  # per row: rowcount of an executemany is not portable
        done += conn.execute(stmt, {"k": k, "old": old, "new": new}).rowcount
    return done


# -- re-keying subjects ------------------------------------------------------------------------

def _not_done(key: Any, hash_version: int) -> Any:
    a = SubjectKeyAlias.__table__.c
    return ~select(1).where(a.new_key == key, a.hash_version == hash_version).exists()


def persons_to_rekey(session: Session, hash_version: int, after: str, limit: int) -> list[dict[str, Any]]:
    """The next persons (by key, after `after`) not yet under `hash_version`: not the new key
    of an alias of that version. Moved persons reappear further on under their new key and
    are skipped by one index probe each."""
    p = table("persons")
    stmt = (select(p).where(p.c.person_key > after, _not_done(p.c.person_key, hash_version))
            .order_by(p.c.person_key).limit(limit))
    return [dict(r._mapping) for r in session.execute(stmt)]


def organisations_to_rekey(session: Session, hash_version: int, after: str, limit: int) -> list[dict[str, Any]]:
    o = table("organisations")
    stmt = (select(o.c.uscc, o.c.subject_key)
            .where(o.c.uscc > after, _not_done(o.c.subject_key, hash_version)).order_by(o.c.uscc).limit(limit))
    return [dict(r._mapping) for r in session.execute(stmt)]


def count_not_done(session: Session, name: str, column: str, hash_version: int) -> int:
    t = table(name)
    return session.execute(select(func.count()).select_from(t)
                           .where(_not_done(t.c[column], hash_version))).scalar_one()


def count_rows(session: Session, name: str) -> int:
    return session.execute(select(func.count()).select_from(table(name))).scalar_one()


def existing_persons(session: Session, keys: Iterable[str]) -> set[str]:
    p = table("persons")
    keys = list(keys)
    return set(session.scalars(select(p.c.person_key).where(p.c.person_key.in_(keys)))) if keys else set()


def organisation_keys(session: Session, usccs: Sequence[str]) -> dict[str, str]:
    """The subject key each known organisation is under now."""
    o = table("organisations")
    found: dict[str, str] = {}
    for part in _chunks(list(dict.fromkeys(usccs))):
        found.update(session.execute(select(o.c.uscc, o.c.subject_key).where(o.c.uscc.in_(part))).all())
    return found


def insert_persons(session: Session, rows: list[dict[str, Any]]) -> None:
    if rows:
        session.execute(insert(table("persons")), rows)


def delete_persons(session: Session, keys: list[str]) -> None:
    if keys:
        p = table("persons")
        session.execute(delete(p).where(p.c.person_key.in_(keys)))


def _new_key_of(column: Any) -> Any:
    a = SubjectKeyAlias.__table__.c
    return select(a.new_key).where(a.old_key == column).scalar_subquery()


def set_organisation_keys(session: Session, old_keys: Sequence[str]) -> None:
    """Point organisations at their new keys, as recorded in the alias table."""
    o = table("organisations")
    for part in _chunks(old_keys):
        session.execute(update(o).where(o.c.subject_key.in_(part)).values(subject_key=_new_key_of(o.c.subject_key)))


def move_keys(session: Session, table_name: str, column: str, old_keys: Sequence[str]) -> int:
    """Point a table's rows from the given old keys to their new keys (as recorded in the alias
    table), set-wise. An old-key row whose twin already exists under the new key (same values
    in the rest of a unique key: a subscription made twice, say) is a duplicate and goes; a
    conflict on a unique key of the subject key alone stops the batch (nothing is lost)."""
    t = table(table_name)
    col = t.c[column]
    a = SubjectKeyAlias.__table__.c
    uniques = [[c for c in con.columns if c.name != column] for con in t.constraints
               if isinstance(con, PrimaryKeyConstraint | UniqueConstraint) and column in con.columns]
    moved = 0
    for part in _chunks(old_keys):
        for others in filter(None, uniques):
            twin = t.alias("twin")
            duplicate = (select(1).select_from(twin).join(SubjectKeyAlias.__table__, a.new_key == twin.c[column])
                         .where(a.old_key == col, *[twin.c[c.name] == c for c in others]).exists())
            session.execute(delete(t).where(col.in_(part), duplicate))
        moved += session.execute(update(t).where(col.in_(part)).values({column: _new_key_of(col)})).rowcount
    return moved


def _chunks(values: Sequence[str], size: int = IN_CHUNK) -> Iterable[list[str]]:
    values = list(values)
    for i in range(0, len(values), size):
        yield values[i : i + size]


def save_aliases(session: Session, rows: list[dict[str, Any]], at: datetime) -> None:
    """Record old -> new keys and keep chains flat (older aliases now point to the newest key).
    A subject found already under the new key gets a row old == new: it marks it done."""
    if not rows:
        return
    a = SubjectKeyAlias.__table__
    conn = session.connection()
    olds = [r["old_key"] for r in rows]
    # A done-mark of an earlier re-key (k -> k) would collide with the alias k -> new.
    conn.execute(delete(a).where(a.c.old_key.in_(olds), a.c.old_key == a.c.new_key))
    flatten = (update(a).where(a.c.new_key == bindparam("old"))
               .values(new_key=bindparam("new"), hash_version=bindparam("v")))
    for r in rows:
        if r["old_key"] != r["new_key"]:
            conn.execute(flatten, {"old": r["old_key"], "new": r["new_key"], "v": r["hash_version"]})
    session.execute(insert(a), [{**r, "created_at": at} for r in rows])


def new_key_of(session: Session, old_key: str) -> str | None:
    a = SubjectKeyAlias.__table__.c
    return session.execute(select(a.new_key).where(a.old_key == old_key)).scalar_one_or_none()


def aliases_of(session: Session, new_keys: Sequence[str]) -> dict[str, list[str]]:
    """Every earlier key of each given current key."""
    found: dict[str, list[str]] = {k: [] for k in new_keys}
    if new_keys:
        a = SubjectKeyAlias.__table__.c
        stmt = (select(a.old_key, a.new_key)
                .where(a.new_key.in_(list(new_keys)), a.old_key != a.new_key).order_by(a.created_at))
        for old, new in session.execute(stmt):
            found[new].append(old)
    return found


def stray_keys(session: Session, table_name: str, column: str, hash_version: int, limit: int) -> dict[str, str]:
    """Old keys still used in a table (rows written by a process that had not switched yet),
    with the key they moved to: old -> new. One index probe per alias of this re-key."""
    t = table(table_name)
    a = SubjectKeyAlias.__table__.c
    used = select(1).where(t.c[column] == a.old_key).exists()
    stmt = (select(a.old_key, a.new_key)
            .where(a.hash_version == hash_version, a.old_key != a.new_key, used).limit(limit))
    return dict(session.execute(stmt).all())


def key_sample(conn: Session | Connection, size: int) -> KeySample:
    """A few persons and organisations, and the newest tree head's key: what `key_problems`
    checks the keys against (one index read each; works on a plain connection, as a backup's)."""
    p, o, h = table("persons"), table("organisations"), table("tree_heads")
    persons = conn.execute(select(p.c.person_key, p.c.id_type, p.c.id_cipher).order_by(p.c.person_key).limit(size))
    orgs = conn.execute(select(o.c.uscc, o.c.subject_key).order_by(o.c.uscc).limit(size))
    head = conn.execute(select(h.c.key_id).order_by(h.c.tree_size.desc()).limit(1)).scalar()
    return KeySample(tuple((k, t, bytes(c)) for k, t, c in persons), tuple((u, k) for u, k in orgs), head)
