"""The platform signing key: where it lives, what it signs, what verifies."""

from __future__ import annotations

import base64
import json
import os
import threading
from pathlib import Path

import pytest

from chengxin.crypto import create_key_file, load_keys
from chengxin.errors import DomainError
from chengxin.settings import Settings
from chengxin.signing import (
    PublicKeys,
    Signer,
    canonical_json,
    key_id_of,
    load_public_keys,
    load_signer,
    new_seed,
)


def test_signature_verifies_only_for_the_same_message_and_key():
    signer, other = Signer.from_seed(new_seed()), Signer.from_seed(new_seed())
    sig = signer.sign(b"message")
    assert len(sig) == 64
    assert signer.verify(signer.key_id, b"message", sig)
    assert not signer.verify(signer.key_id, b"messagE", sig)
    assert not signer.verify(signer.key_id, b"message", bytes([sig[0] ^ 1]) + sig[1:])
    assert not signer.verify(other.key_id, b"message", sig)  # unknown key id
    assert not signer.verify(signer.key_id, b"message", sig[:63])


def test_key_id_names_the_public_key():
    signer = Signer.from_seed(bytes(range(32)))
    assert signer.key_id == key_id_of(signer.public_key())
    assert signer.key_id.startswith("ed25519:") and len(signer.key_id) == 24
    assert Signer.from_seed(base64.b64encode(bytes(range(32))).decode()).key_id == signer.key_id


def test_published_keys_verify_offline_and_refuse_a_mismatched_id():
    old, new = Signer.from_seed(new_seed()), Signer.from_seed(new_seed())
    rotated = Signer.from_seed(new_seed(), retired=[base64.b64encode(old.public_key()).decode()])
    doc = json.loads(json.dumps(rotated.published()))
    assert [k["active"] for k in doc["keys"]] == [True, False]
    keys = PublicKeys.from_json(doc)
    assert keys.verify(old.key_id, b"x", old.sign(b"x"))  # a retired key still verifies old signatures
    assert not keys.verify(new.key_id, b"x", new.sign(b"x"))
    doc["keys"][1]["key_id"] = new.key_id
    with pytest.raises(DomainError) as err:
        PublicKeys.from_json(doc)
    assert err.value.code == "SIGNING_KEYS_INVALID"
    for bad in ({}, {"keys": [{"public_key": "nope"}]}, [1, 2]):
        with pytest.raises(DomainError):
            PublicKeys.from_json(bad)


def test_canonical_json_is_sorted_compact_utf8():
    assert canonical_json({"b": [1, "二"], "a": True}) == '{"a":true,"b":[1,"二"]}'.encode()
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_new_key_files_carry_a_signing_key_and_keep_loading(tmp_path: Path):
    settings = Settings(data_dir=tmp_path)
    assert create_key_file(settings.resolved_key_file)
    before = settings.resolved_key_file.read_text()
    signer = load_signer(settings)
    assert settings.resolved_key_file.read_text() == before  # nothing to add
    assert load_signer(settings).key_id == signer.key_id
    load_keys(settings)  # the keys file still reads as before


def test_an_older_key_file_gets_one_signing_key_once(tmp_path: Path):
    settings = Settings(data_dir=tmp_path)
    path = settings.resolved_key_file
    create_key_file(path)
    doc = json.loads(path.read_text())
    del doc["signing_key"]
    path.write_text(json.dumps(doc))
    assert len(load_public_keys(settings)) == 0  # reading public keys creates nothing
    assert "signing_key" not in json.loads(path.read_text())
    ids: list[str] = []
    threads = [threading.Thread(target=lambda: ids.append(load_signer(settings).key_id)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(ids)) == 1  # concurrent first uses agree on one key
    stored = json.loads(path.read_text())
    assert stored["hash_secret"] == doc["hash_secret"] and stored["encryption_key"] == doc["encryption_key"]
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert load_signer(settings).key_id == ids[0] == next(iter(load_public_keys(settings).to_json()["keys"]))["key_id"]


def test_the_setting_wins_and_a_missing_key_is_a_clear_error(tmp_path: Path):
    seed = new_seed()
    assert load_signer(Settings(data_dir=tmp_path, signing_key=seed)).key_id == Signer.from_seed(seed).key_id
    with pytest.raises(DomainError) as err:
        load_signer(Settings(data_dir=tmp_path))
    assert err.value.code == "CONFIG_SIGNING_KEY_MISSING"
    with pytest.raises(DomainError) as err:
        load_signer(Settings(data_dir=tmp_path, signing_key="c2hvcnQ="))
    assert err.value.code == "CONFIG_SIGNING_KEY_INVALID"
