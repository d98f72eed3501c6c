"""The load generator of the check figures, run as its own process so it never shares the
server's GIL: `python -m bench.check_load SPEC.json` prints one JSON result line.

A small HTTP/1.1 client on raw asyncio streams (requests pre-encoded, keep-alive, responses
read by Content-Length), so the client costs far less per request than the servers it loads:

- `closed`: N connections, each sending its next request as soon as the previous answer is in;
  requests completed in the measuring window (after a warm-up) per second. With `ports` (several
  server processes) the connections are spread over them in turn.
- `open`: requests scheduled at a fixed rate whatever the answers do (open loop); each latency
  is measured from the request's *scheduled* time, so a server that falls behind is charged for
  the queue it builds (no coordinated omission). Connections come from a pool that grows when
  all are busy, up to a cap.
- `batch`: one POST of a large body (http.client, chunked NDJSON answer read line by line);
  seconds until the last line is in.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import math
import sys
import time
from collections import Counter
from typing import Any


def request_bytes(path: str, headers: dict[str, str], body: bytes) -> bytes:
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json",
            f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


class Conn:
    def __init__(self, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.port, self.reader, self.writer = port, reader, writer

    @classmethod
    async def open(cls, port: int) -> Conn:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        return cls(port, reader, writer)

    async def call(self, raw: bytes) -> tuple[int, bytes]:
        """Status and body of one request; status 0 when the connection broke (it is reopened)."""
        try:
            return await self._call(raw)
        except (ConnectionError, asyncio.IncompleteReadError):
            self.writer.close()
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port, limit=1 << 20)
            return 0, b""

    async def _call(self, raw: bytes) -> tuple[int, bytes]:
        self.writer.write(raw)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        lower = head.lower()
        at = lower.find(b"content-length:")
        if at < 0:
            raise RuntimeError(f"answer without Content-Length: {head[:200]!r}")
        length = int(lower[at + 15 : lower.index(b"\r\n", at)])
        body = await self.reader.readexactly(length) if length else b""
        return status, body

    def close(self) -> None:
        self.writer.close()


def decision_of(body: bytes) -> str:
    at = body.find(b'"decision":"')
    if at < 0:
        return "?"
    end = body.find(b'"', at + 12)
    return body[at + 12 : end].decode()


def summary(latencies: list[float]) -> dict[str, float]:
    values = sorted(latencies)

    def pct(p: float) -> float:
        if not values:
            return math.nan
        return values[max(1, math.ceil(p / 100 * len(values))) - 1]

    return {"p50": pct(50), "p95": pct(95), "p99": pct(99), "max": values[-1] if values else math.nan,
            "mean": sum(values) / len(values) if values else math.nan}


async def closed_loop(spec: dict[str, Any], requests: list[bytes]) -> dict[str, Any]:
    ports, n_conn = spec.get("ports") or [spec["port"]], spec["connections"]
    warmup, duration = spec["warmup"], spec["duration"]
    conns = [await Conn.open(ports[i % len(ports)]) for i in range(n_conn)]  # spread over the servers
    counter = iter(range(1 << 62))
    start = time.perf_counter()
    t_measure, t_end = start + warmup, start + warmup + duration
    done: list[tuple[float, float, int, str]] = []

    async def worker(conn: Conn) -> None:
        while True:
            raw = requests[next(counter) % len(requests)]
            t0 = time.perf_counter()
            if t0 >= t_end:
                return
            status, body = await conn.call(raw)
            t1 = time.perf_counter()
            done.append((t1, t1 - t0, status, decision_of(body)))

    await asyncio.gather(*(worker(c) for c in conns))
    for c in conns:
        c.close()
    window = [d for d in done if t_measure <= d[0] < t_end]
    ok = [d for d in window if d[2] == 200]
    return {"completed": len(ok), "seconds": duration, "rate": len(ok) / duration,
            "statuses": dict(Counter(d[2] for d in window)), "decisions": dict(Counter(d[3] for d in ok)),
            "latency_ms": summary([d[1] * 1000 for d in ok]), "connections": n_conn,
            "answered_ok": sum(1 for d in done if d[2] == 200)}


async def open_loop(spec: dict[str, Any], requests: list[bytes]) -> dict[str, Any]:
    port, rate, cap = spec["port"], spec["rate"], spec["max_connections"]
    warmup, duration = spec["warmup"], spec["duration"]
    total = int(rate * (warmup + duration))
    idle: list[Conn] = [await Conn.open(port) for _ in range(spec.get("initial_connections", 16))]
    opened = len(idle)
    freed = asyncio.Event()
    results: list[tuple[float, float, int, str]] = []  # (scheduled, latency, status, decision)
    tasks: set[asyncio.Task[None]] = set()
    lag = 0.0

    async def one(conn: Conn, raw: bytes, scheduled: float) -> None:
        status, body = await conn.call(raw)
        results.append((scheduled, time.perf_counter() - scheduled, status, decision_of(body)))
        idle.append(conn)
        freed.set()

    start = time.perf_counter() + 0.05
    for i in range(total):
        scheduled = start + i / rate
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        while not idle:
            if opened < cap:
                opened += 1
                idle.append(await Conn.open(port))
            else:
                freed.clear()
                await freed.wait()
        lag = max(lag, time.perf_counter() - scheduled)
        task = asyncio.create_task(one(idle.pop(), requests[i % len(requests)], scheduled))
        tasks.add(task)
        task.add_done_callback(tasks.discard)
    sent_all = time.perf_counter()
    # A server that cannot keep up has a queue to drain; past the limit what is left is unanswered.
    _, late = await asyncio.wait(tasks, timeout=spec.get("drain_timeout", 60)) if tasks else (set(), set())
    for task in late:
        task.cancel()
    finished = time.perf_counter()
    for c in idle:
        c.close()
    measured = [r for r in results if r[0] >= start + warmup]
    ok = [r for r in measured if r[2] == 200]
    # Achieved rate: answers to the measured requests over the time from their first scheduled
    # send until the last answer came back (equals the offered rate when the server keeps up).
    span = max(finished - (start + warmup), duration)
    return {"offered_rate": rate, "scheduled": len(measured), "completed": len(ok), "rate": len(ok) / span,
            "seconds": span, "statuses": dict(Counter(r[2] for r in measured)),
            "decisions": dict(Counter(r[3] for r in ok)), "latency_ms": summary([r[1] * 1000 for r in ok]),
            "connections": opened, "max_send_lag_ms": lag * 1000,
            "drain_s": finished - sent_all, "unanswered": len(late),
            "answered_ok": sum(1 for r in results if r[2] == 200),
            "slow": slow_bursts(ok, start + warmup, spec.get("slow_ms", 20.0))}


def slow_bursts(results: list[tuple[float, float, int, str]], origin: float, slow_ms: float) -> list[list[float]]:
    """Where the slow answers were: bursts of requests slower than `slow_ms` whose scheduled sends
    are less than 50 ms apart, as [start (s after `origin`), span (ms), requests, worst (ms)]."""
    bursts: list[list[float]] = []
    for scheduled, latency, _, _ in sorted(r for r in results if r[1] * 1000 > slow_ms):
        at, ms = scheduled - origin, latency * 1000
        if bursts and at - (bursts[-1][0] + bursts[-1][1] / 1000) < 0.05:
            last = bursts[-1]
            last[1], last[2], last[3] = (at - last[0]) * 1000, last[2] + 1, max(last[3], ms)
        else:
            bursts.append([at, 0.0, 1, ms])
    return [[round(b[0], 3), round(b[1], 1), b[2], round(b[3], 1)] for b in bursts]


def batch(spec: dict[str, Any]) -> dict[str, Any]:
    with open(spec["body"], "rb") as fh:
        body = fh.read()
    conn = http.client.HTTPConnection("127.0.0.1", spec["port"], timeout=600)
    headers = {"Content-Type": "application/json", **spec["headers"]}
    t0 = time.perf_counter()
    conn.request("POST", spec["path"], body=body, headers=headers)
    resp = conn.getresponse()
    first = None
    lines = 0
    last = b""
    statuses = resp.status
    while True:
        line = resp.readline()
        if not line:
            break
        if first is None:
            first = time.perf_counter() - t0
        lines += 1
        last = line
    seconds = time.perf_counter() - t0
    conn.close()
    tail = json.loads(last) if last.strip() else None
    return {"seconds": seconds, "first_line_s": first, "lines": lines, "status": statuses,
            "last": tail, "bytes_sent": len(body)}


def main(argv: list[str]) -> int:
    with open(argv[0], encoding="utf-8") as fh:
        spec = json.load(fh)
    if spec["mode"] == "batch":
        result = batch(spec)
    else:
        with open(spec["bodies"], encoding="utf-8") as fh:
            bodies = json.load(fh)
        requests = [request_bytes(spec["path"], spec["headers"],
                                  json.dumps(b, ensure_ascii=False).encode()) for b in bodies]
        run = closed_loop if spec["mode"] == "closed" else open_loop
        result = asyncio.run(run(spec, requests))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
