"""What rotation touches: the encrypted columns and their contexts, the person-keyed columns.

A new encrypted column (LargeBinary) must be listed in CIPHERS, with the context its
ciphertexts are bound to, or `chengxin keys reencrypt` could not move it to a new key;
a test walks the models and fails on an unlisted one. Person-keyed columns are found by
name (`person_key`, `subject_key`) in every table but the ones that must never change.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidTag
from sqlalchemy import MetaData

from chengxin.errors import DomainError

if TYPE_CHECKING:
    from chengxin.crypto import Keys
    from chengxin.signing import PublicKeys


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
    # A department's refused rows and batch-check results, each bound to its own id.
    CipherColumn("rejected_rows", "content_cipher", "id", lambda row: f"rejected:{row['id']}".encode()),
    CipherColumn("check_batches", "result_cipher", "id", lambda row: f"check_batch:{row['id']}".encode()),
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


# -- are these the data's keys? ---------------------------------------------------------------
#
# A platform given the wrong key file (a restore on another machine, `serve` started where a new
# key file was made) would start and then fail on every read of a number, and sign the access
# log with a key no verifier knows. So the keys are checked against the data first: a few
# persons' numbers must decrypt under their key, and hash back to it; a few organisations'
# codes must hash to their key; the newest signed tree head must be signed by a published key.

SAMPLE_SIZE = 3
_ENC = "加密密钥（CHENGXIN_ENCRYPTION_KEY 或密钥文件中的 encryption_key）"
_HASH = "主体键密钥（CHENGXIN_HASH_SECRET 或密钥文件中的 hash_secret）"
_SIGN = "签名密钥（CHENGXIN_SIGNING_KEY 或密钥文件中的 signing_key）"
_NOT_THE_DATAS = "不是生成这些数据时的密钥"


@dataclass(frozen=True, slots=True)
class KeySample:
    """What the key check reads from the data; nothing in it is a secret or a plain number."""

    persons: tuple[tuple[str, str, bytes], ...] = ()  # (person_key, id_type, id_cipher)
    organisations: tuple[tuple[str, str], ...] = ()  # (uscc, subject_key)
    head_key_id: str | None = None  # the key that signed the newest tree head

    @property
    def needs_keys(self) -> bool:
        return bool(self.persons or self.organisations)

    def to_json(self) -> dict[str, Any]:
        return {"persons": [[k, t, base64.b64encode(c).decode()] for k, t, c in self.persons],
                "organisations": [list(o) for o in self.organisations], "head_key_id": self.head_key_id}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> KeySample:
        return cls(tuple((str(k), str(t), base64.b64decode(c)) for k, t, c in doc.get("persons") or ()),
                   tuple((str(u), str(k)) for u, k in doc.get("organisations") or ()),
                   doc.get("head_key_id"))


def key_problems(sample: KeySample, keys: Keys | None, public_keys: PublicKeys | None) -> list[str]:
    """What in the data the keys do not fit, in Chinese; empty when they are the data's keys.
    `keys` may be None only for a sample without persons and organisations; `public_keys`
    only for one without a signed tree head."""
    problems: list[str] = []
    hashers = [] if keys is None else [h for h in (keys.hasher(), keys.previous_hasher()) if h is not None]
    for person_key, id_type, cipher in sample.persons:
        assert keys is not None
        try:
            number = keys.decrypt(cipher, person_key.encode())
        except DomainError:
            problems.append(f"数据中的证件号码由编号为 {cipher[0] if cipher else '?'} 的加密密钥加密，"
                            f"当前密钥中没有这个编号：{_NOT_THE_DATAS}")
            break
        except InvalidTag:
            problems.append(f"当前加密密钥解不开数据中的证件号码：{_ENC}{_NOT_THE_DATAS}")
            break
        if not any(h(id_type, number) == person_key for h in hashers):
            problems.append(f"按解密出的证件号码算出的主体键与数据中的不同：{_HASH}{_NOT_THE_DATAS}")
            break
    if not problems and any(not any(h("uscc", uscc) == key for h in hashers) for uscc, key in sample.organisations):
        problems.append(f"按统一社会信用代码算出的主体键与数据中的不同：{_HASH}{_NOT_THE_DATAS}")
    if sample.head_key_id is not None and (public_keys is None or sample.head_key_id not in public_keys):
        problems.append(f"查询日志的签名树头由签名密钥 {sample.head_key_id} 签发，当前的{_SIGN}中没有它："
                        "换用别的签名密钥继续封存，已有的存证将无法验证")
    return problems
