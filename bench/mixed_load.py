"""The load generator of the mixed-workload figures, its own process (it never shares the
server's GIL): `python -m bench.mixed_load SPEC.json` prints one JSON result line.

N keep-alive connections in a closed loop, on the raw asyncio client of `bench.check_load`: each
sends its next request once the answer to the last is in (or after a minute without one). The
requests are pre-encoded, one list per kind; each connection walks the kinds' cycle from its own
place, and each kind's requests are handed out in turn across all connections (so an objection's
target, say, is never sent twice). Every answer is kept with its kind and status; the window
after the warm-up gives the rate and the latencies.
"""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import time
from collections import Counter
from typing import Any

from bench.check_load import Conn, summary

ANSWER_TIMEOUT = 60.0  # seconds before an answer is given up on


async def closed_mix(spec: dict[str, Any]) -> dict[str, Any]:
    requests = {kind: [base64.b64decode(r) for r in raws] for kind, raws in spec["requests"].items()}
    cycle: list[str] = spec["cycle"]
    port, n_conn = spec["port"], spec["connections"]
    warmup, duration = spec["warmup"], spec["duration"]
    conns = [await Conn.open(port) for _ in range(n_conn)]
    handed = Counter[str]()
    start = time.perf_counter()
    t_measure, t_end = start + warmup, start + warmup + duration
    done: list[tuple[float, float, str, int]] = []  # (answered at, latency, kind, status)

    async def worker(number: int, conn: Conn) -> None:
        step = number * len(cycle) // max(1, n_conn)
        while True:
            t0 = time.perf_counter()
            if t0 >= t_end:
                return
            kind = cycle[step % len(cycle)]
            step += 1
            raw = requests[kind][handed[kind] % len(requests[kind])]
            handed[kind] += 1
            try:
                status, _ = await asyncio.wait_for(conn.call(raw), ANSWER_TIMEOUT)
            except TimeoutError:  # a server that hangs: counted as broken, on a fresh connection
                conn.close()
                conn = await Conn.open(port)
                status = 0
            t1 = time.perf_counter()
            done.append((t1, t1 - t0, kind, status))

    await asyncio.gather(*(worker(n, c) for n, c in enumerate(conns)))
    for c in conns:
        c.close()
    window = [d for d in done if t_measure <= d[0] < t_end]
    expected = spec["expected"]
    good = [d for d in window if d[3] == expected[d[2]]]
    by_kind: dict[str, dict[str, int]] = {}
    for _, _, kind, status in done:
        by_kind.setdefault(kind, Counter())[str(status)] += 1  # type: ignore[index]
    per_kind = {kind: round(summary([d[1] * 1000 for d in good if d[2] == kind])["p50"], 1) for kind in requests}
    return {"rate": len(good) / duration, "p50_ms_by_kind": per_kind, "answered": len(window), "as_expected": len(good),
            "latency_ms": summary([d[1] * 1000 for d in good]),
            "server_errors": sum(1 for d in done if d[3] >= 500 or d[3] == 0),
            "unexpected": sum(1 for d in done if d[3] != expected[d[2]]),
            "statuses": {k: dict(v) for k, v in sorted(by_kind.items())},
            "sent": dict(handed), "connections": n_conn}


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as fh:
        spec = json.load(fh)
    print(json.dumps(asyncio.run(closed_mix(spec))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
