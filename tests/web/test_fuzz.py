"""The fuzz harness (`python -m bench.fuzz`), small: schemathesis over every role against a real
`chengxin serve` on the suite's kind of database, and not one 5xx.

One identity at a time, one request at a time and a fixed seed, so that the same requests go
out on every run and a red run is a bug to reproduce, not luck; concurrency has tests of its own.
The full run (≥ 100,000 requests) is in bench/README.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import process_env, scratch_database

ROOT = Path(__file__).resolve().parents[2]
REQUESTS = 1200
# Operations that only a working credential of each identity gets a success from ("who am I" for
# all but the anonymous caller, and one of each role's own).
PROOF = {"anonymous": ["GET /api/v1/catalog"], "platform_admin": ["GET /api/v1/accounts"],
         "operator": ["GET /api/v1/objections"], "auditor": ["GET /api/v1/audit/log"],
         "submitter": ["GET /api/v1/lists/entries"], "checker": ["GET /api/v1/watch/events"],
         "department": ["GET /api/v1/watch/events"], "person": ["GET /api/v1/me/file"], "third_party": []}


def test_no_role_gets_a_server_error_from_fuzzed_requests(tmp_path: Path, database_url: str) -> None:
    kind = "postgres" if database_url.startswith("postgresql") else "sqlite"
    command = [sys.executable, "-m", "bench.fuzz", "--db", kind, "--requests", str(REQUESTS), "--no-coverage",
               "--max-rounds", "1", "--persons", "60", "--workers", "1", "--parallel", "1", "--out", str(tmp_path)]
    if kind == "postgres":
        command += ["--database-url", scratch_database(database_url, tmp_path, "fuzz", create=False)]
    done = subprocess.run(command, cwd=ROOT, env=process_env(), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    summary = json.loads((tmp_path / kind / "summary.json").read_text(encoding="utf-8"))
    assert summary["server_errors"] == 0 and summary["by_class"].get("5xx", 0) == 0
    assert summary["requests"] >= REQUESTS * 0.8, summary["identities"]
    for who, operations in PROOF.items():
        proof = operations + ([] if who == "anonymous" else ["GET /api/v1/auth/me"])
        assert set(proof) <= set(summary["succeeded"][who]), (who, summary["succeeded"][who])
