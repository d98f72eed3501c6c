"""Encryption-key rotation: several keys, the key file, re-encryption, retirement, a live reload."""

from __future__ import annotations

import json
import os
import stat
from datetime import datetime

import pytest
from sqlalchemy import select

from chengxin import crypto
from chengxin.callers import Caller
from chengxin.conflicts.service import Origin
from chengxin.crypto import Keys, create_key_file, load_keys
from chengxin.db import Base
from chengxin.errors import DomainError
from chengxin.identity.rules import parse_identifier
from chengxin.keyring import keyfile, service
from chengxin.keyring.rules import CIPHERS, person_keyed_columns
from chengxin.models import import_all
from chengxin.notices import service as notices
from chengxin.notices.channels import Contact
from chengxin.notices.models import PersonContact
from chengxin.persons import service as persons
from chengxin.persons.models import Person
from chengxin.settings import Settings
from chengxin.watch import service as watch
from chengxin.watch.models import Webhook
from helpers import cid

K1, K2 = b"1" * 32, b"2" * 32


def test_current_key_encrypts_and_every_listed_key_decrypts():
    old = Keys(b"h" * 32, K1, 1)
    new = Keys(b"h" * 32, K2, 2, old_keys=((1, K1),))
    blob = old.encrypt("11010519491231002X", b"ctx")
    assert blob[0] == 1
    assert new.decrypt(blob, b"ctx") == "11010519491231002X"
    assert new.encrypt("x", b"")[0] == 2
    with pytest.raises(DomainError) as err:
        old.decrypt(new.encrypt("x"), b"")
    assert err.value.code == "CRYPTO_KEY_UNKNOWN"


def test_rotation_rewrites_the_key_file_atomically_and_keeps_other_fields(tmp_path):
    path = tmp_path / "keys.json"
    create_key_file(path)
    before = json.loads(path.read_text())
    settings = Settings(data_dir=tmp_path)
    blob = load_keys(settings).encrypt("secret", b"c")

    assert keyfile.rotate_encryption(path) == 2
    doc = json.loads(path.read_text())
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert doc["key_id"] == 2 and doc["old_encryption_keys"] == {"1": before["encryption_key"]}
    assert doc["signing_key"] == before["signing_key"] and doc["hash_secret"] == before["hash_secret"]
    assert not list(tmp_path.glob(".keys.json.*.tmp"))
    keys = load_keys(settings)
    assert keys.decrypt(blob, b"c") == "secret" and keys.encrypt("x")[0] == 2

    assert keyfile.rotate_encryption(path) == 3
    keyfile.retire_encryption(path, 1)
    doc = json.loads(path.read_text())
    assert set(doc["old_encryption_keys"]) == {"2"} and doc["retired_key_ids"] == [1]
    with pytest.raises(DomainError):
        keyfile.retire_encryption(path, 1)
    # A retired id is never handed out again.
    keyfile.retire_encryption(path, 2)
    assert keyfile.rotate_encryption(path) == 4


def test_rotation_refuses_keys_from_the_environment(tmp_path):
    settings = Settings(data_dir=tmp_path, hash_secret="aA==", encryption_key="aA==")
    with pytest.raises(DomainError) as err:
        keyfile.key_file_of(settings)
    assert err.value.code == "KEYS_FROM_ENVIRONMENT"


def test_environment_keys_take_old_keys_and_a_key_id(tmp_path):
    import base64

    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    settings = Settings(data_dir=tmp_path, hash_secret=b64(b"h" * 32), encryption_key=b64(K2), encryption_key_id=2,
                        old_encryption_keys=f"1:{b64(K1)}")
    keys = load_keys(settings)
    assert keys.decrypt(Keys(b"h" * 32, K1, 1).encrypt("x", b""), b"") == "x"
    assert keys.encrypt("x")[0] == 2


def test_a_running_process_follows_the_key_file(tmp_path, monkeypatch):
    path = tmp_path / "keys.json"
    create_key_file(path)
    server = load_keys(Settings(data_dir=tmp_path))  # loaded once, at start
    keyfile.rotate_encryption(path)
    newer = load_keys(Settings(data_dir=tmp_path)).encrypt("made after rotation", b"c")
    # A ciphertext under a key the server has not seen yet: it re-reads the file at once.
    assert server.decrypt(newer, b"c") == "made after rotation"
    # And encrypts with the new current key once its next check comes round.
    monkeypatch.setattr(crypto, "RELOAD_SECONDS", 0.0)
    assert server.encrypt("x")[0] == 2


def test_every_encrypted_column_is_registered_for_rotation():
    import_all()
    cipher_columns = {(t.name, c.name) for t in Base.metadata.tables.values() for c in t.c
                      if c.name.endswith("_cipher")}
    assert cipher_columns == {(c.table, c.column) for c in CIPHERS}
    for c in CIPHERS:
        # The walk key must identify a row: the primary key, or the unique id under the distribution column.
        table = Base.metadata.tables[c.table]
        assert [col.name for col in table.primary_key] in ([c.key], ["subject_key", c.key])


def test_person_keyed_columns_cover_the_person_tables_but_never_the_access_log():
    import_all()
    found = set(person_keyed_columns(Base.metadata))
    for wanted in [("records", "subject_key"), ("checks", "subject_key"), ("matters", "subject_key"),
                   ("organisation_roles", "person_key"), ("subscriptions", "subject_key"),
                   ("accounts", "person_key")]:
        assert wanted in found
    assert not {t for t, _ in found} & {"access_log", "persons", "organisations", "subject_key_aliases"}


def _people(session, keys, numbers):
    idents = [(parse_identifier("citizen_id", cid(n)), f"测试{n}") for n in numbers]
    return persons.ensure(session, keys, idents, datetime(2026, 11, 1).astimezone(),
                          origin=Origin("market_regulation", "record", "报送的测试记录"))


def test_reencrypt_moves_every_ciphertext_then_the_old_key_can_retire(session, factory):
    old = Keys(b"h" * 32, K1, 1)
    new = Keys(b"h" * 32, K2, 2, old_keys=((1, K1),))
    people = _people(session, old, range(1, 8))
    watch.register_webhook(session, old, "court", "https://court.example.gov.cn/hook")
    notices.set_contact(session, old, Caller("person", person_key=people[0]), phone="13800138000",
                        email="zhangsan@example.cn")
    session.commit()
    assert service.pending_reencryption(session, 2) >= 10
    assert service.retire_problem(session, new, 1) is not None

    # Interrupted after the first batch: the next run picks up where it stopped.
    calls = []

    def stop_after_first(what, n):
        calls.append(n)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        service.reencrypt(factory, new, batch=3, progress=stop_after_first)
    assert calls == [3]
    done = service.reencrypt(factory, new, batch=3)
    assert done["persons.id_cipher"] >= 4 and done["webhooks.secret_cipher"] >= 1
    assert service.pending_reencryption(session, 2) == 0
    assert all(set(per) <= {2} for per in service.usage(session).values())

    session.expire_all()
    for key in people:
        person = session.get(Person, key)
        assert person.id_cipher[0] == 2
        assert new.decrypt(person.id_cipher, key.encode()) in {cid(n) for n in range(1, 8)}
    hook = session.scalars(select(Webhook).where(Webhook.department_code == "court")).one()
    assert new.decrypt(hook.secret_cipher, b"webhook:court")
    contact = session.get(PersonContact, people[0])
    assert contact.phone_cipher[0] == contact.email_cipher[0] == 2
    assert notices.contact_of(session, new, people[0]) == Contact("13800138000", "zhangsan@example.cn")
    assert service.retire_problem(session, new, 1) is None
    assert "当前" in service.retire_problem(session, new, 2)
    assert service.reencrypt(factory, new, batch=3) == {
        "persons.id_cipher": 0, "webhooks.secret_cipher": 0, "person_contacts.phone_cipher": 0,
        "person_contacts.email_cipher": 0, "evidence_files.content_cipher": 0, "tipoffs.contact_cipher": 0,
        "rejected_rows.content_cipher": 0, "check_batches.result_cipher": 0}


def test_every_subject_key_column_is_either_rewritten_or_deliberately_kept():
    from sqlalchemy import String

    from chengxin.keyring.rules import FROZEN_TABLES, KEPT_KEY_COLUMNS

    import_all()
    rewritten = set(person_keyed_columns(Base.metadata))
    for table in Base.metadata.tables.values():
        for col in table.c:
            looks_like_key = col.name.endswith("_key") and isinstance(col.type, String) and col.type.length == 32
            if looks_like_key and table.name not in FROZEN_TABLES:
                assert (table.name, col.name) in rewritten | set(KEPT_KEY_COLUMNS), (table.name, col.name)


def test_keys_sent_to_another_process_are_the_newest_fixed_values(tmp_path):
    import pickle

    path = tmp_path / "keys.json"
    create_key_file(path)
    server = load_keys(Settings(data_dir=tmp_path))
    keyfile.rotate_encryption(path)
    server.decrypt(load_keys(Settings(data_dir=tmp_path)).encrypt("x"), b"")  # the server follows the file
    copy = pickle.loads(pickle.dumps(server))
    assert copy.reloader is None and copy.key_id == 2 and copy.decrypt(server.encrypt("y"), b"") == "y"


def test_the_rotation_commands_end_to_end(tmp_path, monkeypatch):
    """keys status / rotate-encryption / reencrypt / retire / rotate-hash / rekey / finish-rekey on a demo
    database (SQLite; the services underneath are tested on both databases above)."""
    from typer.testing import CliRunner

    from chengxin.cli import app
    from chengxin.settings import get_settings

    monkeypatch.setenv("CHENGXIN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("CHENGXIN_DATABASE_URL", f"sqlite:///{tmp_path / 'chengxin.db'}")
    monkeypatch.setattr(crypto, "RELOAD_SECONDS", 0.0)  # rekey waits two reload periods for servers
    get_settings.cache_clear()
    runner = CliRunner()

    def run(*args: str) -> str:
        res = runner.invoke(app, list(args))
        assert res.exit_code == 0, res.output
        return res.output

    try:
        run("demo", "--persons", "60", "--no-serve")
        assert "密钥 1：60 条" in run("keys", "status")
        assert "已生成加密密钥 2" in run("keys", "rotate-encryption")
        refused = runner.invoke(app, ["keys", "retire", "1"])
        assert refused.exit_code == 2 and "KEYS_STILL_IN_USE" in refused.output
        assert "所有密文均已使用当前密钥" in run("keys", "reencrypt", "--batch", "7")
        run("keys", "retire", "1")
        assert "密钥 2：60 条" in run("keys", "status")
        run("keys", "rotate-hash")
        early = runner.invoke(app, ["keys", "finish-rekey"])
        assert early.exit_code == 2 and "KEYS_REKEY_UNFINISHED" in early.output
        assert "自然人 60" in run("keys", "rekey", "--batch", "25")
        run("keys", "finish-rekey")
        doc = json.loads((tmp_path / "keys.json").read_text())
        assert doc["hash_version"] == 2 and "previous_hash_secret" not in doc and doc["key_id"] == 2
        assert "主体键版本：2" in run("keys", "status")
    finally:
        get_settings.cache_clear()
