"""Profile the check server under load: `python -m bench.profile_checks [--db sqlite|postgres]
[--persons N] [--entries N] [--seconds S] [--mode closed|open|batch]`.

Builds the check data set (`bench.check_data`), starts the real server (`bench.check_server`),
loads it with `bench.check_load` and records the server process with py-spy
(`pip install py-spy`), printing the functions with the most own and total samples and writing
a speedscope file to the work directory. A tool for optimising, not a figure.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from bench.check_data import Plan, build
from bench.checks import (
    BATCH_PATH,
    CHECK_PATH,
    Server,
    batch_identifiers,
    checker_headers,
    server_pythonpath,
    single_bodies,
)
from bench.common import drop_database, log
from chengxin.clock import today
from chengxin.crypto import Keys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_checks")
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--mode", choices=("closed", "open", "batch"), default="closed")
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--rate", type=int, default=1000)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--gil", action="store_true", help="only sample the thread holding the GIL (CPU)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    import base64

    keys = Keys(os.urandom(32), os.urandom(32))
    plan = Plan(args.persons, args.entries, 2026, today(), keys)
    db, data = build(args.db, plan, args.out)
    headers = checker_headers(db.url)
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "CHENGXIN_DATABASE_URL": db.url, "CHENGXIN_DATA_DIR": str(args.out),
           "CHENGXIN_HASH_SECRET": base64.b64encode(keys.hash_secret).decode(),
           "CHENGXIN_ENCRYPTION_KEY": base64.b64encode(keys.encryption_key).decode(),
           "PYTHONPATH": server_pythonpath()}
    bodies_path, batch_path = args.out / "profile-bodies.json", args.out / "profile-batch.json"
    bodies_path.write_text(json.dumps(single_bodies(data, 5000, 2026), ensure_ascii=False), encoding="utf-8")
    items, _ = batch_identifiers(data, args.batch, 2026)
    batch_path.write_text(json.dumps({"scenario": "civil_service_recruitment", "department": "human_resources",
                                      "purpose": "profile", "identifiers": items}, ensure_ascii=False),
                          encoding="utf-8")
    server = Server("chengxin", env, args.out)
    speedscope = args.out / f"profile-checks-{args.db}-{args.mode}.txt"
    try:
        spy = subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "-p", str(server.proc.pid),
                                "-r", "200", "-f", "raw", "-o", str(speedscope), "--nonblocking",
                                *(["--gil"] if args.gil else [])],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        if args.mode == "batch":
            spec = {"mode": "batch", "port": server.port, "path": BATCH_PATH, "headers": headers,
                    "body": str(batch_path)}
        else:
            spec = {"mode": args.mode, "port": server.port, "path": CHECK_PATH, "headers": headers,
                    "bodies": str(bodies_path), "connections": 16, "duration": args.seconds, "warmup": 1,
                    "rate": args.rate, "max_connections": 512}
        path = args.out / "profile-load.json"
        path.write_text(json.dumps(spec))
        done = subprocess.run([sys.executable, "-m", "bench.check_load", str(path)], cwd=root,
                              capture_output=True, text=True, check=True)
        log(f"load: {done.stdout.strip()[:600]}")
        spy.send_signal(2)
        spy.wait(timeout=60)
    finally:
        server.stop()
        drop_database(db)
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = 0
    for line in speedscope.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = stack.split(";")
        samples += n
        own[frames[-1]] += n
        for frame in set(frames):
            total[frame] += n
    print(f"{samples} samples")
    print("== own ==")
    for frame, n in own.most_common(args.top):
        print(f"{n / samples * 100:6.1f}%  {frame}")
    print("== total ==")
    for frame, n in total.most_common(args.top):
        print(f"{n / samples * 100:6.1f}%  {frame}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
