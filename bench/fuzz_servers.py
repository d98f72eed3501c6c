"""The server `bench.fuzz` fuzzes: `chengxin serve` in a subprocess, and what its log says went wrong."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

# High enough that the fuzzer is never refused for its pace (429 is no failure, but a run of
# 429s tests nothing).
RATE_LIMITS = {"CHENGXIN_PUBLIC_RATE_PER_MINUTE": "1000000", "CHENGXIN_LOGIN_RATE_PER_MINUTE": "1000000",
               "CHENGXIN_TIPOFF_RATE_PER_MINUTE": "1000000"}
# The last line of a traceback: `module.SomeError: message` (the console also gets other lines,
# such as the demo identity provider's codes).
_EXCEPTION = re.compile(r"^([A-Za-z_]\w*\.)*[A-Z]\w*(Error|Exception|Exit|Group|Timeout)\b")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(settings: Any, port: int, log_path: Path, pythonpath: str) -> subprocess.Popen:
    """`chengxin serve` on 127.0.0.1:`port`; returns once /healthz answers.

    The background jobs stay off (CHENGXIN_JOBS_INTERVAL_SECONDS=0): they deliver webhooks, and
    the fuzzer sets a department's webhook to whatever address it generates."""
    env = {**os.environ, **RATE_LIMITS, "PYTHONPATH": pythonpath, "CHENGXIN_DATA_DIR": str(settings.data_dir),
           "CHENGXIN_DATABASE_URL": settings.resolved_database_url, "CHENGXIN_JOBS_INTERVAL_SECONDS": "0"}
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - the server writes to it until stopped
    proc = subprocess.Popen([sys.executable, "-c", "from chengxin.cli import app; app()", "serve", "--host",
                             "127.0.0.1", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_server(proc)
            raise RuntimeError(f"服务未能启动，见 {log_path}：\n" + log_path.read_text(encoding="utf-8")[-3000:])
        time.sleep(0.2)


def stop_server(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def server_errors(log_path: Path) -> Counter[str]:
    """The exception that ended each traceback in the server's log, counted."""
    found: Counter[str] = Counter()
    if not log_path.exists():
        return found
    cause: str | None = None
    inside = False
    for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("Traceback"):
            inside = True
            continue
        if not inside:
            continue
        if line.startswith(("INFO:", "ERROR:", "WARNING:", "unhandled ")):
            if cause:
                found[cause[:240]] += 1
            inside, cause = False, None
        elif _EXCEPTION.match(line):
            cause = line
        elif cause and line.startswith("(") and "autoflush" in cause:
            cause = f"{cause.split(': (raised', 1)[0]}: {line}"  # the message is on the next line
    if inside and cause:
        found[cause[:240]] += 1
    return found
