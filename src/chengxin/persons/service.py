"""Person use cases: make sure a person exists, with the number encrypted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chengxin.crypto import Keys
from chengxin.identity.rules import Identifier
from chengxin.keyring.service import resolve
from chengxin.persons import repository as repo


def new_person_values(keys: Keys, person_key: str, ident: Identifier, name: str | None,
                      now: datetime) -> dict[str, Any]:
    """Column values of a new person; the number is encrypted, bound to its key."""
    return {
        "person_key": person_key, "id_type": ident.id_type,
        "id_cipher": keys.encrypt(ident.number, person_key.encode()),
        "name": name, "birth_date": ident.birth_date, "sex": ident.sex,
        "region_code": ident.region_code, "created_at": now, "updated_at": now,
    }


def ensure(session: Session, keys: Keys, people: Sequence[tuple[Identifier, str | None]],
           now: datetime) -> list[str]:
    """Person keys of `people`, creating the ones the platform does not know yet."""
    found = resolve(session, keys, [(i.id_type, i.number) for i, _ in people])  # the old key mid re-key
    wanted = [(k, i, n) for k, (i, n) in zip(found, people, strict=True)]
    known = repo.names_by_key(session, [k for k, _, _ in wanted])
    fresh: dict[str, dict[str, Any]] = {}
    for key, ident, name in wanted:
        if key not in known and key not in fresh:
            fresh[key] = new_person_values(keys, key, ident, name, now)
    repo.insert_new(session, list(fresh.values()))
    return [k for k, _, _ in wanted]
