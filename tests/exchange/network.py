"""What the exchange tests do to and read from real platforms: link them as neighbours, run the
exchange commands, read each surface a person or a department sees (credit file, checks, public
lists, `exchange status`), and count rows in a platform's own database, read-only."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import yaml
from platforms import Platform
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool

from helpers import cid, matters_of

COUNTY = ("county", "341021", "凤台县公共信用信息平台")
CITY = ("city", "340400", "淮南市公共信用信息平台")
PROVINCE = ("province", "340000", "安徽省公共信用信息平台")
FROM_COUNTY = "341021.%"  # department codes of what came from the county, wherever it is now


def link(lower: Platform, upper: Platform, *, mode: str = "service", disclosure: list[str] | None = None) -> None:
    """Make `upper` the up neighbour of `lower` and `lower` the down neighbour of `upper`, in both
    neighbours files (file mode: outbox out-<code> and inbox in-<code> in each data directory).
    `disclosure` limits what `lower` may send up."""
    for me, other, direction in ((lower, upper, "up"), (upper, lower, "down")):
        entry: dict[str, Any] = {"code": other.node_code, "name": other.node_name, "direction": direction,
                                 "mode": mode, "public_key": other.public_key()}
        if mode == "service":
            entry["url"] = other.url
        else:
            entry.update(outbox=f"out-{other.node_code}", inbox=f"in-{other.node_code}")
        if disclosure is not None and direction == "up":
            entry["disclosure"] = disclosure
        path = me.data_dir / "neighbours.yaml"
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {"neighbours": []}
        doc["neighbours"] = [n for n in doc["neighbours"] if n["code"] != other.node_code] + [entry]
        path.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")


def run(node: Platform, *args: str) -> str:
    """`chengxin exchange <args>` at the node; its console output without white space (the console
    wraps long lines where it likes), failing the test on a non-zero exit."""
    return "".join(_run(node, *args).split())


def _run(node: Platform, *args: str) -> str:
    done = node.cli("exchange", *args)
    assert done.returncode == 0, f"{node.name} exchange {' '.join(args)}：{done.stdout}{done.stderr}"
    return done.stdout + done.stderr


def status(node: Platform) -> dict[str, Any]:
    """`chengxin exchange status --json`, with the neighbours by code."""
    doc = json.loads(_run(node, "status", "--json"))
    doc["by_code"] = {n["code"]: n for n in doc["neighbours"]}
    return doc


def neighbours(node: Platform) -> dict[str, Any]:
    """The same account as `status`, from GET /api/v1/exchange/neighbours (an auditor's view): no
    process to start, for the looks between the steps."""
    with node.client() as http:
        res = http.get("/api/v1/exchange/neighbours", headers=node.headers("auditor"))
    assert res.status_code == 200, res.text
    doc = res.json()
    doc["by_code"] = {n["code"]: n for n in doc["neighbours"]}
    return doc


def credit_file(node: Platform, n: int) -> dict[str, Any] | None:
    """The person's credit file at the node as its operator reads it; None when it does not know them."""
    with node.client() as http:
        res = http.post("/api/v1/files/query", json={"id_number": cid(n), "purpose": "交换测试"},
                        headers=node.headers("operator"))
    if res.status_code == 404 and res.json()["code"] == "PERSON_NOT_FOUND":
        return None
    assert res.status_code == 200, res.text
    return res.json()


def matter(node: Platform, n: int, source_record_id: str) -> dict[str, Any] | None:
    """The matter card of the record with this source id in the person's file at the node."""
    file = credit_file(node, n)
    found = [m for m in matters_of(file) if m["record"] and m["record"]["source_record_id"] == source_record_id] \
        if file else []
    assert len(found) <= 1, found
    return found[0] if found else None


def check(node: Platform, n: int, scenario: str = "civil_service_recruitment") -> dict[str, Any]:
    """A check by the node's human resources department (POST /api/v1/checks)."""
    with node.client() as http:
        res = http.post("/api/v1/checks", headers=node.headers("human_resources"), json={
            "id_number": cid(n), "scenario": scenario, "department": "human_resources", "purpose": "资格审查",
            "business_ref": "XCHG-1"})
    assert res.status_code == 200, res.text
    return res.json()


def public_black_list(node: Platform, name: str) -> list[dict[str, Any]]:
    """The public black list at the node (no sign-in), entries of that (full) name."""
    with node.client() as http:
        res = http.get("/api/v1/public/lists", params={"list_type": "black", "q": name})
    assert res.status_code == 200, res.text
    return res.json()["entries"]


@contextmanager
def database(node: Platform, *, writes: bool = False) -> Iterator[Connection]:
    """A connection to the node's own database: read-only unless `writes` (then committed at the end)."""
    url = make_url(node.database_url)
    if url.drivername.startswith("sqlite"):
        mode = "rw" if writes else "ro"
        engine = create_engine("sqlite://", poolclass=NullPool,
                               creator=lambda: sqlite3.connect(f"file:{url.database}?mode={mode}", uri=True))
    else:
        engine = create_engine(url, poolclass=NullPool, connect_args={} if writes else {
            "options": "-c default_transaction_read_only=on"})
    try:
        with (engine.begin() if writes else engine.connect()) as conn:
            yield conn
    finally:
        engine.dispose()


def scalar(node: Platform, sql: str, **params: Any) -> Any:
    with database(node) as conn:
        return conn.execute(text(sql), params).scalar()


def from_county(node: Platform) -> dict[str, int]:
    """What the node holds from the county: records (and distinct source ids, and versions), matters."""
    with database(node) as conn:
        def one(sql: str) -> int:
            return conn.execute(text(sql), {"d": FROM_COUNTY}).scalar() or 0

        return {
            "records": one("SELECT count(*) FROM records WHERE department_code LIKE :d"),
            "sources": one("SELECT count(DISTINCT source_record_id) FROM records WHERE department_code LIKE :d"),
            "versions": one("SELECT count(*) FROM (SELECT DISTINCT department_code, source_record_id, version "
                            "FROM records WHERE department_code LIKE :d) v"),
            "matters": one("SELECT count(*) FROM matters WHERE department_code LIKE :d"),
        }


def applied(node: Platform, sender: str) -> list[int]:
    """The sequence numbers the node applied (or took and refused) from `sender`, in order."""
    with database(node) as conn:
        return list(conn.execute(text("SELECT seq FROM exchange_applied WHERE sender = :s ORDER BY seq"),
                                 {"s": sender}).scalars())
