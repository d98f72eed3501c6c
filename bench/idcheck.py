"""Figure `id_validation`: parse_citizen_id per second on one core, against python-stdnum."""

from __future__ import annotations

import time

from stdnum.cn import ric

from bench.common import Figure, log
from bench.data import citizen_ids
from chengxin.identity.rules import parse_citizen_id

TARGET = 200_000  # calls per second, absolute


def _stdnum_ok(number: str) -> bool:
    try:
        ric.validate(number)
    except Exception:
        return False
    return True


def run(count: int, rounds: int, seed: int) -> Figure:
    # Only numbers both validators accept (stdnum rejects a county code outside its years).
    ids = citizen_ids(count, seed, accept=_stdnum_ok)
    log(f"id_validation: {len(ids):,} 个不同的合成身份证号码 distinct synthetic IDs, {rounds} rounds")
    ours: list[float] = []
    theirs: list[float] = []
    validate = ric.validate
    parse = parse_citizen_id
    for _ in range(rounds):  # interleaved so both see the same machine noise
        t0 = time.perf_counter()
        for number in ids:
            parse(number)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        for number in ids:
            validate(number)
        theirs.append(time.perf_counter() - t0)
    value = len(ids) / min(ours)
    baseline = len(ids) / min(theirs)
    return Figure("id_validation", value, baseline, "calls/s", f">= {TARGET:,}/s (absolute)",
                  value >= TARGET, "parse_citizen_id, best of rounds",
                  "stdnum.cn.ric.validate, best of rounds")
