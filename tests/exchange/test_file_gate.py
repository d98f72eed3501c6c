"""Issue 17, file mode: a county and its city behind a 网闸. The test is the gate, carrying batch
files from the county's outbox to the city's inbox and receipts back. Out of order waits, twice
changes nothing, tampered is refused whole and shows in the status."""

from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import network as x
from network import CITY, COUNTY, applied, from_county, link, matter, run, status

from helpers import penalty

SEALED_AT = 60  # a byte of the ciphertext (after the ephemeral key and the nonce): the AES-GCM tag catches it


def carry(source: Path, target: Path, pattern: str, names: list[str] | None = None) -> list[str]:
    """The gate: move the files matching `pattern` (only `names`, when given) from one folder to the other."""
    target.mkdir(parents=True, exist_ok=True)
    moved = []
    for path in sorted(source.glob(pattern)):
        if names is None or path.name in names:
            shutil.move(path, target / path.name)
            moved.append(path.name)
    return moved


def tampered(data: bytes, how: str) -> bytes:
    doc = json.loads(data)
    if how == "sealed":
        sealed = bytearray(base64.b64decode(doc["sealed"]))
        sealed[SEALED_AT] ^= 0x01
        doc["sealed"] = base64.b64encode(bytes(sealed)).decode()
    else:  # a count in the manifest: the sender's signature no longer holds
        doc["manifest"]["counts"]["record"] += 1
    return json.dumps(doc, ensure_ascii=False).encode()


def test_file_batches_through_a_gate(platforms) -> None:
    county = platforms(*COUNTY, env={"CHENGXIN_EXCHANGE_BATCH_CHANGES": "2"})
    city = platforms(*CITY)
    link(county, city, mode="file")
    outbox, inbox = county.data_dir / "out-340400", city.data_dir / "in-341021"
    receipts_out, receipts_in = city.data_dir / "out-341021", county.data_dir / "in-340400"

    county.submit("market_regulation", [penalty(n) for n in range(1, 7)])
    assert "写出批次文件3个" in run(county, "send")
    first, second, third = sorted(p.name for p in outbox.glob("*.batch.json"))
    assert first == "341021-340400-000000000001-000000000002.batch.json"

    # The third arrives before the second: it waits; the first applies.
    carry(outbox, inbox, "*.batch.json", [first, third])
    said = run(city, "import")
    assert "应用2条变更" in said and "等待前序批次的文件1个" in said and f"等待前序批次：{third}" in said, said
    assert applied(city, "341021") == [1, 2] and (inbox / third).exists()
    assert x.neighbours(city)["refusals"] == []  # waiting is not being refused
    assert matter(city, 1, "SCJG-2026-000001")["department_name"] == "凤台县公共信用信息平台·市市场监督管理局"
    assert matter(city, 3, "SCJG-2026-000003") is None
    carry(outbox, inbox, "*.batch.json")
    assert "应用4条变更" in run(city, "import")
    assert applied(city, "341021") == [1, 2, 3, 4, 5, 6]
    assert sorted(p.name for p in (inbox / "done").iterdir()) == [first, second, third]
    assert from_county(city) == {"records": 6, "sources": 6, "versions": 6, "matters": 6}

    # In one round: a done batch carried in again changes nothing; two copies of a new batch
    # tampered on the way are refused whole and moved aside; then the true one applies.
    county.submit("market_regulation", [penalty(7), penalty(8)])
    assert "写出批次文件1个" in run(county, "send")
    (fourth,) = carry(outbox, inbox.parent / "gate", "*.batch.json")
    genuine = (inbox.parent / "gate" / fourth).read_bytes()
    shutil.copy(inbox / "done" / first, inbox / first)
    copies = {fourth.replace(".batch.json", f"-{how}.batch.json"): (how, code) for how, code in (
        ("sealed", "EXCHANGE_BATCH_TAMPERED"), ("counts", "EXCHANGE_SIGNATURE_INVALID"))}
    for name, (how, _) in copies.items():
        (inbox / name).write_bytes(tampered(genuine, how))
    said = run(city, "import")
    assert "应用0条变更，重复（已应用过）2条" in said and "拒收2个" in said, said
    for name, (_, code) in copies.items():
        assert f"拒收{name}：{code}" in said, said
        assert not (inbox / name).exists() and (inbox / "refused" / name).exists()
    assert applied(city, "341021") == [1, 2, 3, 4, 5, 6] and matter(city, 7, "SCJG-2026-000007") is None
    assert from_county(city) == {"records": 6, "sources": 6, "versions": 6, "matters": 6}
    refusals = status(city)["refusals"]
    assert sorted((r["code"], r["direction"], r["neighbour"], r["first_seq"], r["last_seq"], r["source"])
                  for r in refusals) == sorted((code, "in", "341021", 7, 8, name)
                                               for name, (_, code) in copies.items()), refusals
    (inbox / fourth).write_bytes(genuine)
    assert "应用2条变更" in run(city, "import")
    assert applied(city, "341021") == list(range(1, 9))
    assert from_county(city) == {"records": 8, "sources": 8, "versions": 8, "matters": 8}

    # Receipts carried back: the county's backlog is gone.
    before = x.neighbours(county)["by_code"]["340400"]
    assert (before["last_seq"], before["acked_through"], before["backlog"]) == (8, 0, 8), before
    assert carry(receipts_out, receipts_in, "*.receipt.json")
    assert "读取回执" in run(county, "send")
    after = status(county)["by_code"]["340400"]
    assert (after["last_seq"], after["acked_through"], after["backlog"]) == (8, 8, 0), after
    assert x.neighbours(city)["by_code"]["341021"]["applied_through"] == 8
