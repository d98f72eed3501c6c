"""What rotation touches: the encrypted columns and their contexts, the person-keyed columns.

A new encrypted column (LargeBinary) must be listed in CIPHERS, with the context its
ciphertexts are bound to, or `chengxin keys reencrypt` could not move it to a new key;
a test walks the models and fails on an unlisted one. Person-keyed columns are found by
name (`person_key`, `subject_key`) in every table but the ones that must never change.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData


@dataclass(frozen=True, slots=True)
class CipherColumn:
    """An encrypted column: its table, the single-column key used to walk it, and the
    additional authenticated data each ciphertext was made with."""

    table: str
    column: str
    key: str
    context: Callable[[Mapping[str, Any]], bytes]


CIPHERS: tuple[CipherColumn, ...] = (
    CipherColumn("persons", "id_cipher", "person_key", lambda row: str(row["person_key"]).encode()),
    CipherColumn("webhooks", "secret_cipher", "department_code",
                 lambda row: f"webhook:{row['department_code']}".encode()),
    # Bound to the file's id, not its subject key, so a re-key moves the row without re-encrypting.
    CipherColumn("evidence_files", "content_cipher", "id", lambda row: f"evidence:{row['id']}".encode()),
    CipherColumn("tipoffs", "contact_cipher", "id", lambda row: f"tipoff:{row['id']}".encode()),
    # Bound to the column, not the person key: a re-key moves these rows with a plain UPDATE.
    CipherColumn("person_contacts", "phone_cipher", "person_key", lambda row: b"person_contacts.phone"),
    CipherColumn("person_contacts", "email_cipher", "person_key", lambda row: b"person_contacts.email"),
)

KEY_COLUMN_NAMES = ("person_key", "subject_key")
# Never rewritten: the access log is append-only and tamper-evident (old keys resolve through
# the alias table), and its leaves carry the entry's key as an index `audit verify` checks;
# the alias table is the mapping itself; the persons and organisations rows are moved by hand
# (their key is the primary key, the number is re-encrypted with it).
FROZEN_TABLES = frozenset({"access_log", "access_leaves", "subject_key_aliases", "persons", "organisations"})
# Other columns holding subject keys, kept as they are, and why. Readers map them to the current
# key with `chengxin.keyring.service.current_key` / `history_keys`. A test fails on a key column
# that is neither rewritten nor listed here.
KEPT_KEY_COLUMNS: dict[tuple[str, str], str] = {
    ("authorisations", "grantor_key"): "signed into the receipt, which is rebuilt from the row to verify",
    ("subject_key_aliases", "old_key"): "the mapping itself",
    ("subject_key_aliases", "new_key"): "the mapping itself",
}


def person_keyed_columns(metadata: MetaData) -> list[tuple[str, str]]:
    """(table, column) of every column holding subject keys that a re-key must rewrite."""
    found = []
    for table in sorted(metadata.tables.values(), key=lambda t: t.name):
        if table.name in FROZEN_TABLES:
            continue
        found += [(table.name, name) for name in KEY_COLUMN_NAMES if name in table.c]
    return found


def key_byte(key_id: int) -> bytes:
    return bytes([key_id])


def next_key_id(used: list[int]) -> int | None:
    """The id for a new key: above every id ever used (a retired id is never reused, so an
    old ciphertext can never be read with the wrong key); None when the byte is full."""
    candidate = max(used, default=0) + 1
    return candidate if candidate <= 255 else None
