"""Rotation use cases. Each batch is a transaction of its own, so every step is resumable:
a run that stops half-way is simply run again.

Encryption key: `reencrypt` rewrites every ciphertext not under the current key; `usage`
tells whether an old key still has ciphertexts (it may be retired only when none).

Hash secret: `rekey` moves each subject from its key under the previous secret to its key
under the new one, in every person-keyed table at once, recording old -> new in the alias
table; the access log is never rewritten, and `history_keys` finds a person's entries
under every key they ever had. While the re-key runs, `resolve` answers a lookup by
identifier with the key the subject's data is under now (new if moved, else old).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from chengxin.clock import utcnow
from chengxin.crypto import Keys, without_reloader
from chengxin.db import Base, unit_of_work
from chengxin.errors import DomainError
from chengxin.keyring import repository as repo
from chengxin.keyring.rules import CIPHERS, CipherColumn, person_keyed_columns
from chengxin.models import import_all

Progress = Callable[[str, int], None]  # (what, rows done in this step)


# -- encryption key ---------------------------------------------------------------------------

def usage(session: Session) -> dict[str, dict[int, int]]:
    """Ciphertexts per key id, per encrypted column ("persons.id_cipher" -> {1: 120, 2: 4})."""
    return {f"{c.table}.{c.column}": repo.key_usage(session, c) for c in CIPHERS}


def pending_reencryption(session: Session, key_id: int) -> int:
    return sum(repo.count_not_under(session, c, key_id) for c in CIPHERS)


def reencrypt(factory: sessionmaker[Session], keys: Keys, batch: int = 1000,
              progress: Progress | None = None) -> dict[str, int]:
    """Re-encrypt every stored ciphertext that is not under the current key, `batch` rows per
    transaction. Safe to interrupt and rerun; rows a writer changed meanwhile are left for
    the next run (and `retire` refuses while any remain)."""
    fixed = without_reloader(keys)  # one current key for the whole run
    done: dict[str, int] = {}
    for spec in CIPHERS:
        name = f"{spec.table}.{spec.column}"
        done[name] = 0
        after: Any = None
        while True:
            with unit_of_work(factory) as session:
                rows = repo.not_under(session, spec, fixed.key_id, after, batch)
                if not rows:
                    break
                changes = [(r[spec.key], r[spec.column], _reencrypted(fixed, spec, r)) for r in rows]
                done[name] += repo.replace_ciphers(session, spec, changes)
                after = rows[-1][spec.key]
            if progress:
                progress(name, len(rows))
    return done


def _reencrypted(keys: Keys, spec: CipherColumn, row: dict[str, Any]) -> bytes:
    context = spec.context(row)
    return keys.encrypt(keys.decrypt(bytes(row[spec.column]), context), context)


def retire_problem(session: Session, keys: Keys, key_id: int) -> str | None:
    """Why key `key_id` may not be retired yet (Chinese, for the operator), or None."""
    live = keys.live()
    if key_id == live.key_id:
        return f"密钥 {key_id} 是当前加密密钥，不能停用；请先运行 chengxin keys rotate-encryption"
    if key_id not in dict(live.old_keys):
        return f"密钥文件中没有编号为 {key_id} 的旧密钥"
    left = {name: n for name, per in usage(session).items() if (n := per.get(key_id, 0))}
    if left:
        where = "，".join(f"{name} {n} 条" for name, n in left.items())
        return f"仍有密文使用密钥 {key_id}（{where}）；请先运行 chengxin keys reencrypt"
    return None


# -- hash secret ------------------------------------------------------------------------------

@dataclass
class RekeyResult:
    persons: int = 0
    organisations: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    strays: int = 0

    def add(self, moved: dict[str, int]) -> None:
        for name, n in moved.items():
            self.rows[name] = self.rows.get(name, 0) + n


def keyed_columns() -> list[tuple[str, str]]:
    import_all()
    return person_keyed_columns(Base.metadata)


def require_rekeying(keys: Keys) -> Keys:
    fixed = without_reloader(keys)
    if fixed.previous_hash_secret is None:
        raise DomainError("KEYS_NOT_REKEYING", "当前没有进行中的主体键重算；请先运行 chengxin keys rotate-hash", 409)
    return fixed


def rekey(factory: sessionmaker[Session], keys: Keys, batch: int = 500,
          progress: Progress | None = None) -> RekeyResult:
    """Move every person and organisation to its key under the current hash secret, `batch`
    subjects per transaction, then sweep up rows written under old keys meanwhile."""
    fixed = require_rekeying(keys)
    result = RekeyResult()
    columns = keyed_columns()
    after = ""
    while True:
        with unit_of_work(factory) as session:
            people = repo.persons_to_rekey(session, fixed.hash_version, after, batch)
            if not people:
                break
            result.add(_move_persons(session, fixed, people, columns, utcnow()))
        result.persons += len(people)
        after = people[-1]["person_key"]
        if progress:
            progress("persons", len(people))
    after = ""
    while True:
        with unit_of_work(factory) as session:
            orgs = repo.organisations_to_rekey(session, fixed.hash_version, after, batch)
            if not orgs:
                break
            moves = {o["subject_key"]: fixed.subject_key("uscc", o["uscc"]) for o in orgs}
            result.add(_apply_moves(session, moves, "organisation", fixed.hash_version, columns, utcnow()))
            repo.set_organisation_keys(session, [old for old, new in moves.items() if old != new])
        result.organisations += len(orgs)
        after = orgs[-1]["uscc"]
        if progress:
            progress("organisations", len(orgs))
    result.strays = sweep(factory, fixed.hash_version, batch, progress)
    return result


def _move_persons(session: Session, keys: Keys, people: list[dict[str, Any]], columns: list[tuple[str, str]],
                  now: datetime) -> dict[str, int]:
    """One batch of persons: decrypt each number (bound to the old key), compute the new key,
    write the person under it (the number re-encrypted, bound to the new key), move every
    person-keyed row, drop the old person row."""
    moves: dict[str, str] = {}
    fresh: list[dict[str, Any]] = []
    for p in people:
        old = p["person_key"]
        number = keys.decrypt(bytes(p["id_cipher"]), old.encode())
        new = keys.subject_key(p["id_type"], number)
        moves[old] = new
        if new != old:
            fresh.append({**p, "person_key": new, "id_cipher": keys.encrypt(number, new.encode())})
    there = repo.existing_persons(session, [r["person_key"] for r in fresh])
    # A person made under the new key meanwhile keeps that row; the old one's data joins it.
    repo.insert_persons(session, [r for r in fresh if r["person_key"] not in there])
    moved = _apply_moves(session, moves, "person", keys.hash_version, columns, now)
    repo.delete_persons(session, [old for old, new in moves.items() if old != new])
    return moved


def _apply_moves(session: Session, moves: dict[str, str], kind: str, version: int,
                 columns: list[tuple[str, str]], now: datetime) -> dict[str, int]:
    """Record the aliases and point every person-keyed column from old keys to new ones. A
    subject already under the new key gets the alias old == new, marking it done."""
    repo.save_aliases(session, [{"old_key": old, "new_key": new, "subject_kind": kind, "hash_version": version}
                                for old, new in moves.items()], now)
    olds = [old for old, new in moves.items() if old != new]
    try:
        return {f"{t}.{c}": repo.move_keys(session, t, c, olds) for t, c in columns}
    except IntegrityError as exc:
        raise DomainError("KEYS_REKEY_CONFLICT", f"重算主体键时发生唯一性冲突（{_table_of(exc)}），本批未作改动；"
                          "请核对该表中同一主体的重复数据后重新运行", 409) from exc


def _table_of(exc: IntegrityError) -> str:
    text = str(exc.orig)
    return next((t for t, _ in keyed_columns() if t in text), "未知表")


def sweep(factory: sessionmaker[Session], version: int, batch: int = 500, progress: Progress | None = None) -> int:
    """Move rows still under an old key: written by a process that looked up a person just
    before it moved. Run at the end of `rekey`, and again before the previous secret goes."""
    total = 0
    for t, c in keyed_columns():
        while True:
            with unit_of_work(factory) as session:
                moves = repo.stray_keys(session, t, c, version, batch)
                if moves:
                    total += repo.move_keys(session, t, c, list(moves))
            if not moves:
                break
            if progress:
                progress("strays", len(moves))
    return total


def rekey_remaining(session: Session, keys: Keys) -> dict[str, int]:
    """What is left before the previous hash secret may be dropped (all zero when done)."""
    fixed = require_rekeying(keys)
    v = fixed.hash_version
    return {"persons": repo.count_not_done(session, "persons", "person_key", v),
            "organisations": repo.count_not_done(session, "organisations", "subject_key", v),
            "strays": sum(len(repo.stray_keys(session, t, c, v, 1000)) for t, c in keyed_columns())}


# -- lookups while re-keying ------------------------------------------------------------------

def resolve(session: Session, keys: Keys, idents: Sequence[tuple[str, str]]) -> list[str]:
    """The key each (id type, normalised number) has its data under now. Outside a re-key this
    is just the subject key; during one, the new key if that person exists under it, else the
    old key if the person exists under that, else the new key (a new person starts there)."""
    hasher, previous = keys.hasher(), keys.previous_hasher()
    new = [hasher(kind, number) for kind, number in idents]
    if previous is None:
        return new
    return pick(session, [(n, previous(kind, number)) for n, (kind, number) in zip(new, idents, strict=True)])


def pick(session: Session, pairs: Sequence[tuple[str, str | None]]) -> list[str]:
    """For (new key, old key or None) per person: the old key where only it holds a person."""
    olds = [old for _, old in pairs if old is not None]
    if not olds:
        return [new for new, _ in pairs]
    there = repo.existing_persons(session, {*(new for new, _ in pairs), *olds})
    return [old if old is not None and new not in there and old in there else new for new, old in pairs]


def resolve_one(session: Session, keys: Keys, kind: str, number: str) -> str:
    (key,) = resolve(session, keys, [(kind, number)])
    return key


def remap_rows(session: Session, keys: Keys, rows: Sequence[Any]) -> None:
    """Point validated submission rows at the key their subject's data is under now (while a
    re-key runs): a person still under the old key keeps getting records there, and the re-key
    moves them together. Rows carry `subject_key` and `identifier` (None for an organisation)."""
    previous = keys.previous_hasher()
    if previous is None:
        return
    people = [r for r in rows if r.identifier is not None]
    pairs = [(r.subject_key, previous(r.identifier.id_type, r.identifier.number)) for r in people]
    for row, key in zip(people, pick(session, pairs), strict=True):
        row.subject_key = key
    orgs = [r for r in rows if r.identifier is None and r.uscc]
    current = repo.organisation_keys(session, [r.uscc for r in orgs])
    for row in orgs:
        row.subject_key = current.get(row.uscc, row.subject_key)


def current_key(session: Session, key: str) -> str:
    """The key a subject has now, given any key it ever had (for rows that keep the key of their
    day because it is signed or append-only: access-log entries, authorisation receipts)."""
    return repo.new_key_of(session, key) or key


def history_keys(session: Session, person_key: str) -> list[str]:
    """A subject's current key and every key it had before: what to look up in the access log,
    which keeps entries under the key of their day."""
    return [person_key, *repo.aliases_of(session, [person_key])[person_key]]  # old == new marks are left out


def history_keys_many(session: Session, person_keys: Iterable[str]) -> dict[str, list[str]]:
    keys = list(person_keys)
    return {k: [k, *olds] for k, olds in repo.aliases_of(session, keys).items()}
