import os
import stat

import pytest
from cryptography.exceptions import InvalidTag

from chengxin.crypto import Keys, create_key_file, load_keys
from chengxin.errors import DomainError
from chengxin.settings import Settings


def test_subject_key_is_keyed_and_stable():
    a = Keys(b"a" * 32, b"e" * 32)
    b = Keys(b"b" * 32, b"e" * 32)
    number = "11010519491231002X"
    assert a.subject_key("citizen_id", number) == a.hasher()("citizen_id", number)
    assert a.subject_key("citizen_id", number) != b.subject_key("citizen_id", number)
    assert number not in a.subject_key("citizen_id", number)
    assert len(a.subject_key("citizen_id", number)) == 32


def test_encryption_round_trip_is_bound_to_its_context():
    keys = Keys(b"a" * 32, b"e" * 32)
    blob = keys.encrypt("11010519491231002X", b"key-1")
    assert b"11010519491231002X" not in blob
    assert keys.decrypt(blob, b"key-1") == "11010519491231002X"
    with pytest.raises(InvalidTag):
        keys.decrypt(blob, b"key-2")


def test_key_file_is_owner_only_and_not_overwritten(tmp_path):
    path = tmp_path / "keys.json"
    assert create_key_file(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    before = path.read_text()
    assert not create_key_file(path)
    assert path.read_text() == before
    keys = load_keys(Settings(data_dir=tmp_path))
    assert len(keys.encryption_key) == 32


def test_missing_keys_is_a_clear_error(tmp_path):
    with pytest.raises(DomainError) as err:
        load_keys(Settings(data_dir=tmp_path / "nowhere"))
    assert err.value.code == "CONFIG_KEYS_MISSING"


def test_bulk_ids_share_the_single_id_layout():
    import time

    from chengxin import ids

    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

    def millis(i: str) -> int:
        value = 0
        for ch in i[:10]:
            value = value * 32 + alphabet.index(ch)
        return value

    now = time.time_ns() // 1_000_000
    one, many = ids.new_id(), ids.new_ids(1000)
    assert len(set(many)) == 1000
    assert all(len(i) == 26 and set(i) <= set(alphabet) for i in [one, *many])
    assert abs(millis(one) - now) < 5000 and abs(millis(many[0]) - now) < 5000
    # the 16 random characters use the whole alphabet in every position
    assert all({i[p] for i in many} == set(alphabet) for p in range(10, 26))
