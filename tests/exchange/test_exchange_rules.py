"""Pure exchange rules: the neighbours file, sealing to a node key, batches, receipts."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chengxin.errors import DomainError
from chengxin.exchange import rules
from chengxin.signing import Signer, new_seed

AT = datetime(2026, 11, 18, 2, tzinfo=UTC)


def _signer() -> Signer:
    return Signer.from_seed(new_seed())


def _node(me: str, other: str, other_key: bytes, **extra) -> rules.Node:
    doc = {"neighbours": [{"code": other, "name": "淮南市公共信用信息平台", "direction": "up", "mode": "service",
                           "url": "https://xinyong.huainan.example", "public_key": base64.b64encode(other_key).decode(),
                           **extra}]}
    return rules.parse_neighbours(doc, code=me, name="凤台县公共信用信息平台", base=Path("/tmp"))


def _changes(first: int, n: int) -> list[dict]:
    return [{"seq": s, "kind": "record", "day": "2026-11-18", "category": "XZCF",
             "subject": {"kind": "person", "id_number": "11010519491231002X"}} for s in range(first, first + n)]


def test_the_x25519_form_of_a_node_key_matches_its_private_half():
    """Sealing to a published Ed25519 key works only if the two conversions agree (RFC 7748 §4.1)."""
    for _ in range(5):
        seed = base64.b64decode(new_seed())
        signer = Signer.from_seed(seed)
        private = rules.x25519_private_of(seed)
        assert private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw) == \
            rules.x25519_public_of(signer.public_key())


def test_sealed_bytes_open_only_for_the_recipient_and_only_unchanged():
    alice, bob = _signer(), _signer()
    blob = rules.seal("身份证号 11010519491231002X".encode(), bob.public_key(), b"manifest")
    assert b"11010519491231002X" not in blob
    assert rules.open_sealed(blob, bob.seed(), b"manifest").decode().endswith("11010519491231002X")
    with pytest.raises(DomainError) as wrong_key:
        rules.open_sealed(blob, alice.seed(), b"manifest")
    assert wrong_key.value.code == "EXCHANGE_BATCH_TAMPERED"
    with pytest.raises(DomainError):
        rules.open_sealed(blob, bob.seed(), b"another manifest")
    flipped = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(DomainError):
        rules.open_sealed(flipped, bob.seed(), b"manifest")


def _batch(sender: Signer, receiver: Signer, first: int = 1, n: int = 3, to: str = "340400") -> bytes:
    return rules.build_batch(sender=("341021", "凤台县公共信用信息平台", sender.key_id), receiver=to,
                             changes=_changes(first, n), recipient_key=receiver.public_key(), sign=sender.sign,
                             created_at=AT)


def test_a_batch_opens_at_its_receiver_with_its_manifest_and_changes():
    county, city = _signer(), _signer()
    data = _batch(county, city, 5, 3)
    assert b"11010519491231002X" not in data  # the ID numbers travel sealed
    node = _node("340400", "341021", county.public_key())
    batch = rules.open_batch(data, own_code="340400", own_seed=city.seed(), neighbours=node.by_code)
    assert (batch.sender, batch.first, batch.last) == ("341021", 5, 7)
    assert [c["seq"] for c in batch.changes] == [5, 6, 7]
    assert batch.manifest["counts"] == {"record": 3} and batch.manifest["sender"]["name"] == "凤台县公共信用信息平台"


@pytest.mark.parametrize(("change", "code"), [
    (lambda d: {**d, "manifest": {**d["manifest"], "count": 4, "last_seq": 4}}, "EXCHANGE_SIGNATURE_INVALID"),
    (lambda d: {**d, "manifest": {**d["manifest"], "receiver": "340000"}}, "EXCHANGE_SIGNATURE_INVALID"),
    (lambda d: {**d, "sealed": base64.b64encode(base64.b64decode(d["sealed"])[:-2] + b"xx").decode()},
     "EXCHANGE_BATCH_TAMPERED"),
    (lambda d: {**d, "signature": base64.b64encode(bytes(64)).decode()}, "EXCHANGE_SIGNATURE_INVALID"),
    (lambda d: {"manifest": d["manifest"]}, "EXCHANGE_BATCH_MALFORMED"),
])
def test_a_changed_batch_is_refused_whole_with_a_reason(change, code):
    county, city = _signer(), _signer()
    doc = change(json.loads(_batch(county, city)))
    node = _node("340400", "341021", county.public_key())
    with pytest.raises(DomainError) as refused:
        rules.open_batch(json.dumps(doc).encode(), own_code="340400", own_seed=city.seed(), neighbours=node.by_code)
    assert refused.value.code == code


def test_a_batch_from_a_stranger_or_for_another_node_is_refused():
    county, city, stranger = _signer(), _signer(), _signer()
    node = _node("340400", "341021", county.public_key())
    with pytest.raises(DomainError) as forged:  # the county's code, another key
        rules.open_batch(_batch(stranger, city), own_code="340400", own_seed=city.seed(), neighbours=node.by_code)
    assert forged.value.code == "EXCHANGE_SIGNATURE_INVALID"
    elsewhere = _batch(county, city, to="340000")
    with pytest.raises(DomainError) as misaddressed:
        rules.open_batch(elsewhere, own_code="340400", own_seed=city.seed(), neighbours=node.by_code)
    assert misaddressed.value.code == "EXCHANGE_RECEIVER_MISMATCH"
    unknown = _node("340400", "341022", county.public_key())
    with pytest.raises(DomainError) as unconfigured:
        rules.open_batch(_batch(county, city), own_code="340400", own_seed=city.seed(), neighbours=unknown.by_code)
    assert unconfigured.value.code == "EXCHANGE_SENDER_UNKNOWN"
    with pytest.raises(DomainError) as garbage:
        rules.open_batch(b"\xff not json", own_code="340400", own_seed=city.seed(), neighbours=node.by_code)
    assert garbage.value.code == "EXCHANGE_BATCH_MALFORMED"


def test_receipts_verify_with_the_receivers_key_only():
    city, other = _signer(), _signer()
    receipt = rules.build_receipt(receiver="340400", sender="341021", applied_through=7, batch=(5, 7),
                                  rejected=[(6, "RECORD_ITEM_UNKNOWN")], at=AT, key_id=city.key_id, sign=city.sign)
    body = rules.verify_signed(receipt, rules.RECEIPT_TYPE, city.public_key())
    assert body["applied_through"] == 7 and body["rejected"] == [[6, "RECORD_ITEM_UNKNOWN"]]
    with pytest.raises(DomainError):
        rules.verify_signed(receipt, rules.RECEIPT_TYPE, other.public_key())
    with pytest.raises(DomainError):
        rules.verify_signed({**receipt, "applied_through": 9}, rules.RECEIPT_TYPE, city.public_key())


@pytest.mark.parametrize(("entry", "words"), [
    ({"code": "3404"}, "6 位数字"),
    ({"direction": "sideways"}, "direction"),
    ({"mode": "carrier-pigeon"}, "mode"),
    ({"public_key": "bm90IGEga2V5"}, "public_key"),
    ({"url": None}, "url"),
    ({"mode": "file", "url": None}, "outbox"),
    ({"disclosure": ["secret"]}, "disclosure"),
    ({"categories": "XZCF"}, "categories"),
])
def test_a_wrong_neighbours_file_is_refused_saying_where(entry, words):
    good = {"code": "340400", "name": "淮南市公共信用信息平台", "direction": "up", "mode": "service",
            "url": "https://xinyong.huainan.example", "public_key": base64.b64encode(bytes(range(32))).decode()}
    with pytest.raises(DomainError) as bad:
        rules.parse_neighbours({"neighbours": [{**good, **entry}]}, code="341021", name="凤台县", base=Path("/tmp"))
    assert bad.value.code == "EXCHANGE_CONFIG_INVALID" and words in bad.value.message
    assert "第 1 项" in bad.value.message or words == "6 位数字"


def test_neighbour_filters_and_department_codes():
    key = _signer().public_key()
    node = _node("341021", "340400", key, disclosure=["public"], categories=["XZCF"])
    city = node.neighbour("340400")
    assert city is not None and city.admits("public", "XZCF")
    assert not city.admits("government", "XZCF") and not city.admits("public", "SFPJ")
    assert rules.local_department("341021", "court", "340400") == "341021.court"
    assert rules.local_department("340400", "court", "340400") == "court"
    assert rules.split_department("341021.court") == ("341021", "court")
    assert rules.split_department("market_regulation") == (None, "market_regulation")
    with pytest.raises(DomainError):
        rules.local_department("341021", "x" * 60, "340400")
    with pytest.raises(DomainError):
        rules.parse_neighbours({"neighbours": [{"code": "341021", "name": "自己", "direction": "up",
                                                "mode": "service", "url": "https://a.example",
                                                "public_key": base64.b64encode(key).decode()}]},
                               code="341021", name="凤台县", base=Path("/tmp"))
