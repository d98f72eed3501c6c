"""The harness itself: two real platforms, apart, surviving kill -9."""

from __future__ import annotations

from helpers import cid, matters_of, penalty

COUNTY = ("county", "341021", "凤台县公共信用信息平台")
CITY = ("city", "340400", "淮南市公共信用信息平台")


def records_of(node, n: int) -> list[str] | None:
    """Source record ids in the person's credit file at `node`, as its operator reads it; None when
    the platform does not know the person (PERSON_NOT_FOUND)."""
    with node.client() as http:
        res = http.post("/api/v1/files/query", json={"id_number": cid(n), "purpose": "交换测试"},
                        headers=node.headers("operator"))
    if res.status_code == 404 and res.json()["code"] == "PERSON_NOT_FOUND":
        return None
    assert res.status_code == 200, res.text
    return [m["record"]["source_record_id"] for m in matters_of(res.json()) if m["record"]]


def test_two_platforms_apart_and_a_kill(platforms) -> None:
    county = platforms(*COUNTY)
    city = platforms(*CITY)
    for node in (county, city):
        print(f"\n{node.name} 首次启动 {node.start_seconds[0]:.2f} s（其中迁移与账号 {node.seed_seconds:.2f} s）",
              end="")

    for node, (name, code, title) in ((county, COUNTY), (city, CITY)):
        with node.client() as http:
            health = http.get("/healthz")
        assert health.status_code == 200, health.text
        assert "CHENGXIN_CLOCK_START" in health.json()["clock"]  # on the test's clock, not the wall's
        assert (node.name, node.node_code, node.node_name) == (name, code, title)
        assert node.env["CHENGXIN_NODE_CODE"] == code and node.env["CHENGXIN_PUBLIC_URL"] == node.url
    assert county.port != city.port and county.database_url != city.database_url
    assert county.public_key() != city.public_key()
    assert county.token("market_regulation") != city.token("market_regulation")

    receipt = county.submit("market_regulation", [penalty(1701)])
    assert receipt["created"] == 1, receipt
    assert records_of(county, 1701) == ["SCJG-2026-001701"]
    assert records_of(city, 1701) is None
    with city.client() as http:  # a county token means nothing at the city
        refused = http.post("/api/v1/records/batches", json={"records": [penalty(1702)]},
                            headers=county.headers("market_regulation"))
    assert refused.status_code == 401, refused.text

    county.kill()
    assert not county.running
    county.start()
    print(f"\ncounty kill -9 后重启 {county.start_seconds[-1]:.2f} s")
    assert records_of(county, 1701) == ["SCJG-2026-001701"]
    assert county.token("market_regulation")  # the same accounts after the restart

    done = county.cli("keys", "public")
    assert done.returncode == 0, done.stderr
    assert county.public_key() in done.stdout + done.stderr
    city.stop()
    assert not city.running
