"""The worker processes of batch checks (PostgreSQL): started with the server, gone with it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

SERVER = """
import sys
from chengxin.checks import processes
from chengxin.db import make_engine

if __name__ == "__main__":  # the workers are spawned: they import this file again
    engine = make_engine(sys.argv[1])
    processes.start(engine, 2)
    pool = processes.pool_for(engine, 2)
    print(" ".join(str(pid) for pid in pool._processes), flush=True)
    sys.stdin.read()  # until killed
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().rsplit(")", 1)[1].split()[0] == "Z")


def test_worker_processes_leave_with_a_killed_server(database_url, is_postgres, tmp_path):
    """A server killed outright (no shutdown) leaves no batch-check worker behind holding a
    database connection: each follows its server and exits within about a second."""
    if not is_postgres:
        pytest.skip("batch checks use worker processes on PostgreSQL only")
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    src = Path(__file__).resolve().parents[2] / "src"
    server = subprocess.Popen([sys.executable, str(script), database_url], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(src)})
    try:
        assert server.stdout is not None
        workers = [int(pid) for pid in server.stdout.readline().split()]
        assert len(workers) == 2 and all(_alive(pid) for pid in workers)
    finally:
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers)


def test_a_batch_whose_worker_died_fails_and_the_next_starts_new_workers(engine, is_postgres):
    """A worker killed under a batch (out of memory, say) fails that batch, not every later one."""
    if not is_postgres:
        pytest.skip("batch checks use worker processes on PostgreSQL only")
    from concurrent.futures.process import BrokenProcessPool

    from chengxin.callers import Caller
    from chengxin.catalog.rules import default_catalog
    from chengxin.checks import processes
    from chengxin.checks.render import compact_line
    from chengxin.checks.service import CheckContext
    from chengxin.clock import today
    from chengxin.publicity.rules import default_tiers
    from chengxin.sanctions.measures import default_measures

    ctx = CheckContext(default_catalog(), default_measures(), default_tiers())
    caller = Caller("checker", department_code="human_resources", account_id="acc-hr")
    try:
        processes.start(engine, 2)
        pool = processes.pool_for(engine, 2)
        assert pool is not None
        os.kill(next(iter(pool._processes)), signal.SIGKILL)
        chunks = processes.Chunks(pool, ctx, caller, scenario="civil_service_recruitment", business_ref=None,
                                  purpose="招录资格审查", as_of=today(), batch_id="01TESTBATCH0000000000000000",
                                  render=compact_line)
        with pytest.raises(BrokenProcessPool):
            chunks.submit([]).result(timeout=60)
        deadline = time.monotonic() + 10
        while pool in processes._pools.values() and time.monotonic() < deadline:
            time.sleep(0.05)
        again = processes.pool_for(engine, 2)
        assert again is not None and again is not pool
        assert again.submit(processes._ready).result(timeout=60) > 0  # ready again
    finally:
        processes.shutdown_all()


def test_a_context_that_cannot_go_to_a_worker_keeps_the_batch_in_threads(caplog):
    """Never expected (every context is plain data), but if one could not be pickled the batch is
    still answered, in threads, and the server says so in its log."""
    import threading
    from concurrent.futures import ProcessPoolExecutor

    from chengxin.callers import Caller
    from chengxin.checks import processes
    from chengxin.checks.render import compact_line
    from chengxin.clock import today

    caller = Caller("checker", department_code="human_resources", account_id="acc-hr")
    pool = ProcessPoolExecutor(1)  # never used: nothing is submitted
    try:
        found = processes.chunks_for(pool, threading.Lock(), caller, scenario="s", business_ref=None, purpose="p",
                                     as_of=today(), batch_id="01TESTBATCH0000000000000000", render=compact_line)
    finally:
        pool.shutdown()
    assert found is None and "checked in threads" in caplog.text
