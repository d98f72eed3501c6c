"""Person use cases: make sure a person exists, with the number encrypted and the name kept true."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from chengxin.conflicts import rules as naming
from chengxin.conflicts import service as conflicts
from chengxin.crypto import Keys
from chengxin.identity.rules import Identifier
from chengxin.keyring.service import resolve
from chengxin.persons import repository as repo


def new_person_values(keys: Keys, person_key: str, ident: Identifier, name: str | None,
                      now: datetime, name_source: str | None = naming.SUBMITTED) -> dict[str, Any]:
    """Column values of a new person; the number is encrypted, bound to its key."""
    return {
        "person_key": person_key, "id_type": ident.id_type,
        "id_cipher": keys.encrypt(ident.number, person_key.encode()),
        "name": name, "name_source": name_source if name else None, "birth_date": ident.birth_date,
        "sex": ident.sex, "region_code": ident.region_code, "created_at": now, "updated_at": now,
    }


def ensure(session: Session, keys: Keys, people: Sequence[tuple[Identifier, str | None]],
           now: datetime, *, origin: conflicts.Origin) -> list[str]:
    """Person keys of `people` as a department names them, creating the ones the platform does
    not know yet. A known person's differing name changes nothing: it goes to the credit office
    as a conflict and the person is told (chengxin.conflicts)."""
    found = resolve(session, keys, [(i.id_type, i.number) for i, _ in people])  # the old key mid re-key
    plan = naming.plan_names(repo.names_by_key(session, found),
                             [(k, n, naming.SUBMITTED) for k, (_, n) in zip(found, people, strict=True)])
    repo.insert_new(session, [new_person_values(keys, k, people[i][0], plan.names[k][0], now, plan.names[k][1])
                              for k, i in plan.created.items()])
    repo.set_names(session, [(k, *plan.names[k]) for k in plan.updated], now)
    conflicts.raise_names(session, [conflicts.NameClaim(found[i], current, people[i][1] or "", origin)
                                    for i, current in plan.conflicts], now)
    return found
