"""Issue 17: kill -9 of the city in the middle of a county's sync, a restart, and the city holds
exactly the county's shareable data: every record once, no version twice, every number applied once."""

from __future__ import annotations

import subprocess
import time

import network as x
from network import CITY, COUNTY, applied, from_county, link, run, scalar, status

from helpers import penalty

TOTAL = 2000
BATCH = 50  # the county's CHENGXIN_EXCHANGE_BATCH_CHANGES: 40 batches, time to kill the city among them


def test_city_killed_mid_sync_ends_with_exactly_the_county_data(platforms) -> None:
    county = platforms(*COUNTY, env={"CHENGXIN_EXCHANGE_BATCH_CHANGES": str(BATCH)})
    city = platforms(*CITY)
    link(county, city)
    for start in range(1, TOTAL + 1, 500):
        assert county.submit("market_regulation", [penalty(n) for n in range(start, start + 500)])["created"] == 500

    sending = county.cli_background("exchange", "send")
    began, seen = time.monotonic(), 0
    while time.monotonic() - began < 120:
        seen = scalar(city, "SELECT applied_through FROM exchange_peers WHERE code = '341021'") or 0
        if seen > 0 or sending.poll() is not None:
            break
        time.sleep(0.02)
    assert 0 < seen < TOTAL, f"未能在同步中途终止市平台（已应用到 {seen}）：{sending.poll()}"
    city.kill()
    try:
        said = "".join(sending.communicate(timeout=120)[0].split())
    except subprocess.TimeoutExpired:
        sending.kill()
        raise
    at_kill = scalar(city, "SELECT applied_through FROM exchange_peers WHERE code = '341021'")
    print(f"\n市平台在应用到第 {seen} 号时被 kill -9（提交到第 {at_kill} 号）；县平台：{said[-200:]}")
    assert at_kill < TOTAL and "EXCHANGE_UNREACHABLE" in said, said
    stopped = status(county)["by_code"]["340400"]
    assert stopped["backlog"] > 0 and stopped["last_error"] and "EXCHANGE_UNREACHABLE" in stopped["last_error"]

    city.start()
    for _ in range(3):
        said = run(county, "send")
        if x.neighbours(county)["by_code"]["340400"]["backlog"] == 0:
            break
    assert "已确认到第2000号" in said, said

    assert from_county(city) == {"records": TOTAL, "sources": TOTAL, "versions": TOTAL, "matters": TOTAL}
    assert applied(city, "341021") == list(range(1, TOTAL + 1))
    assert scalar(city, "SELECT count(*) FROM exchange_applied WHERE sender = '341021' AND status <> 'applied'") == 0
    assert scalar(city, "SELECT applied_through FROM exchange_peers WHERE code = '341021'") == TOTAL
    up = status(county)["by_code"]["340400"]
    assert (up["last_seq"], up["acked_through"], up["backlog"], up["last_error"]) == (TOTAL, TOTAL, 0, None), up
    assert x.neighbours(city)["by_code"]["341021"]["applied_through"] == TOTAL
