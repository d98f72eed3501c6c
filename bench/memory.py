"""Figure `import_peak_memory`: peak RSS of `chengxin import` on the whole CSV, in a subprocess.

value: peak resident set size (MB) of `chengxin import FILE --department CODE --item CODE`
run as its own process on a fresh migrated database (the child's own rusage from wait4).

baseline: peak RSS of a process that loads the same chengxin modules the import command
loads and reads the same CSV with the csv module, row by row, keeping nothing -- so the ratio
is the growth attributable to the collection path itself, not to Python and its libraries.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.common import DEPARTMENT, ITEM, Database, Figure, drop_database, fresh_database, log
from chengxin.crypto import Keys

TARGET_MB = 500

BASELINE_SCRIPT = """
import csv, sys
import chengxin.cli, chengxin.catalog.rules, chengxin.crypto, chengxin.db
import chengxin.departments.repository, chengxin.records.imports, chengxin.records.repository
rows = 0
with open(sys.argv[1], encoding="utf-8-sig", newline="") as fh:
    for row in csv.reader(fh):
        rows += 1
print(rows)
"""


def _chengxin_command() -> list[str]:
    script = Path(sys.executable).with_name("chengxin")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from chengxin.cli import app; sys.exit(app())"]


# A forked child starts with its parent's resident pages and Linux carries that high-water
# mark across exec into ru_maxrss, so a child of this (large) process would report at least
# our own size. A small launcher process starts the measured command instead. The command
# may start processes of its own (a large import validates in a worker process), so the
# launcher samples the resident size of the whole process tree from /proc every 20 ms and
# keeps the peak of the sum; RUSAGE_CHILDREN adds the exact peak of the largest single process.
LAUNCHER = """
import json, os, resource, subprocess, sys, time

def tree(root):
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as fh:
                    todo.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return pids

def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0

with open(sys.argv[1], "wb") as log:
    t0 = time.perf_counter()
    child = subprocess.Popen(sys.argv[2:], stdout=log, stderr=subprocess.STDOUT)
    peak_tree, most = 0, 1
    while child.poll() is None:
        pids = tree(child.pid)
        most = max(most, len(pids))
        peak_tree = max(peak_tree, sum(rss_kib(p) for p in pids))
        time.sleep(0.02)
    seconds = time.perf_counter() - t0
peak_one = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"status": child.returncode, "tree_kib": max(peak_tree, peak_one), "one_kib": peak_one,
                  "processes": most, "seconds": seconds}))
"""


def _run(argv: list[str], env: dict[str, str], log_path: Path) -> dict[str, float]:
    """Exit status, peak RSS of the process tree and of its largest process (KiB), seconds."""
    done = subprocess.run([sys.executable, "-c", LAUNCHER, str(log_path), *argv], env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def run(kind: str, csv_path: Path, rows: int, keys: Keys, out: Path, keep: bool) -> Figure:
    db: Database = fresh_database(kind, "chengxin_bench_c" if kind == "postgres" else "import_cli", out)
    env = {**os.environ, "CHENGXIN_DATABASE_URL": db.url, "CHENGXIN_DATA_DIR": str(out),
           "CHENGXIN_HASH_SECRET": base64.b64encode(keys.hash_secret).decode(),
           "CHENGXIN_ENCRYPTION_KEY": base64.b64encode(keys.encryption_key).decode(),
           "COLUMNS": "120"}
    argv = [*_chengxin_command(), "import", str(csv_path), "--department", DEPARTMENT, "--item", ITEM]
    log(f"import_peak_memory: {' '.join(argv[-6:])} -> {db.name}")
    ours = _run(argv, env, out / "import_cli.log")
    if ours["status"] != 0:
        tail = (out / "import_cli.log").read_text(errors="replace")[-2000:]
        raise SystemExit(f"chengxin import failed with status {ours['status']}:\n{tail}")
    peak = ours["tree_kib"] / 1024
    log(f"import_peak_memory: CLI import of {rows:,} rows took {ours['seconds']:.1f}s "
        f"({rows / ours['seconds']:,.0f} rows/s incl. start-up and progress bar); peak RSS "
        f"{peak:.0f} MB for its {ours['processes']:.0f} process(es) together, "
        f"{ours['one_kib'] / 1024:.0f} MB for the largest alone")
    if not keep:
        drop_database(db)
    base = _run([sys.executable, "-c", BASELINE_SCRIPT, str(csv_path)], env, out / "import_baseline.log")
    if base["status"] != 0:
        raise SystemExit(f"baseline reader failed with status {base['status']}")
    base_mb = base["tree_kib"] / 1024
    log(f"import_peak_memory: baseline reader peak RSS {base_mb:.0f} MB")
    return Figure("import_peak_memory", peak, base_mb, "MB", f"< {TARGET_MB} MB", peak < TARGET_MB,
                  f"peak RSS of `chengxin import` of {rows:,} rows ({kind}), all its processes together",
                  "peak RSS of importing the same modules and csv-reading the file")
