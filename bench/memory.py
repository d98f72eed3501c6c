"""Figure `import_peak_memory`: peak RSS of `chengxin import` on the whole CSV, in a subprocess.

value: peak resident set size (MB) of `chengxin import FILE --department CODE --item CODE`
run as its own process on a fresh migrated database (the child's own rusage from wait4).

baseline: peak RSS of a process that loads the same chengxin modules the import command
loads and reads the same CSV with the csv module, row by row, keeping nothing -- so the ratio
is the growth attributable to the collection path itself, not to Python and its libraries.
"""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
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


def _run(argv: list[str], env: dict[str, str], log_path: Path) -> tuple[int, float, float]:
    """(exit status, peak RSS in MB, seconds) of a child process."""
    with log_path.open("wb") as err:
        t0 = time.perf_counter()
        child = subprocess.Popen(argv, env=env, stdout=err, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - t0
    child.returncode = os.waitstatus_to_exitcode(status)
    return child.returncode, usage.ru_maxrss / 1024, seconds  # ru_maxrss is in KiB on Linux


def run(kind: str, csv_path: Path, rows: int, keys: Keys, out: Path, keep: bool) -> Figure:
    db: Database = fresh_database(kind, "chengxin_bench_c" if kind == "postgres" else "import_cli", out)
    env = {**os.environ, "CHENGXIN_DATABASE_URL": db.url, "CHENGXIN_DATA_DIR": str(out),
           "CHENGXIN_HASH_SECRET": base64.b64encode(keys.hash_secret).decode(),
           "CHENGXIN_ENCRYPTION_KEY": base64.b64encode(keys.encryption_key).decode(),
           "COLUMNS": "120"}
    argv = [*_chengxin_command(), "import", str(csv_path), "--department", DEPARTMENT, "--item", ITEM]
    log(f"import_peak_memory: {' '.join(argv[-6:])} -> {db.name}")
    status, peak, seconds = _run(argv, env, out / "import_cli.log")
    if status != 0:
        tail = (out / "import_cli.log").read_text(errors="replace")[-2000:]
        raise SystemExit(f"chengxin import failed with status {status}:\n{tail}")
    log(f"import_peak_memory: CLI import of {rows:,} rows took {seconds:.1f}s "
        f"({rows / seconds:,.0f} rows/s incl. start-up and progress bar), peak RSS {peak:.0f} MB")
    if not keep:
        drop_database(db)
    status, base, _ = _run([sys.executable, "-c", BASELINE_SCRIPT, str(csv_path)], env,
                           out / "import_baseline.log")
    if status != 0:
        raise SystemExit(f"baseline reader failed with status {status}")
    log(f"import_peak_memory: baseline reader peak RSS {base:.0f} MB")
    return Figure("import_peak_memory", peak, base, "MB", f"< {TARGET_MB} MB", peak < TARGET_MB,
                  f"peak RSS of `chengxin import` of {rows:,} rows ({kind})",
                  "peak RSS of importing the same modules and csv-reading the file")
