"""`chengxin serve --workers 2` as a real process on a free port: two server processes answer,
the background loops run in exactly one of them (its leader line, with its pid), and when that
worker is killed another takes over."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from chengxin.cli import app
from helpers import free_port, process_env, serve

runner = CliRunner()
LEADER = re.compile(r"本进程（pid (\d+)）成为定时任务执行者")
WORKER = re.compile(r"Started server process \[(\d+)\]")


def found(pattern: re.Pattern[str], lines: list[str]) -> list[int]:
    return [int(m.group(1)) for line in list(lines) if (m := pattern.search(line))]


def wait_for(condition, seconds: float, lines: list[str]) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "".join(lines[-40:])
        time.sleep(0.1)


def test_two_workers_serve_and_only_one_runs_the_jobs(data_dir: Path):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["keys", "init"]).exit_code == 0
    env = process_env(CHENGXIN_WORKERS="2", CHENGXIN_JOBS_INTERVAL_SECONDS="0.5", CHENGXIN_JOBS_LEADER_SECONDS="0.3",
                      CHENGXIN_EXCHANGE_INTERVAL_SECONDS="0")
    port, lines = free_port(), []
    proc = serve(env, port, lines, timeout=120)
    workers: list[int] = []
    try:
        wait_for(lambda: len(set(found(WORKER, lines))) == 2 and found(LEADER, lines), 120, lines)
        workers = sorted(set(found(WORKER, lines)))
        assert proc.pid not in workers
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()["status"] in ("ok", "degraded")
        time.sleep(2)  # several election ticks of both workers
        leaders = found(LEADER, lines)
        assert len(leaders) == 1 and leaders[0] in workers, "".join(lines[-40:])
        os.kill(leaders[0], signal.SIGKILL)  # the leader dies: the other worker (or its replacement) takes over
        wait_for(lambda: len(found(LEADER, lines)) == 2, 60, lines)
        time.sleep(1)
        after = found(LEADER, lines)
        assert len(after) == 2 and after[1] != leaders[0], "".join(lines[-40:])
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).status_code == 200
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except Exception:
            proc.kill()
            proc.wait(10)
        for pid in set(workers + found(WORKER, lines)):  # the workers this test started, should any be left
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
