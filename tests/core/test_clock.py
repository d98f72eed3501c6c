"""The platform clock: one source of "now", which tests set and nothing else bypasses."""

from __future__ import annotations

import ast
from datetime import date, datetime, timedelta
from pathlib import Path

import chengxin
from chengxin import clock as platform_clock

ROOT = Path(chengxin.__file__).resolve().parent
TESTS = Path(__file__).resolve().parents[1]
# Reads of the wall clock as a date or time of day (durations by time.monotonic are fine).
WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
              ("time", "time"), ("time", "localtime"), ("time", "gmtime")}


def wall_clock_reads(folder: Path, allowed: set[Path]) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        if path in allowed:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and (node.func.value.id, node.func.attr) in WALL_CLOCK):
                found.append(f"{path.relative_to(folder.parent)}:{node.lineno} {node.func.value.id}.{node.func.attr}()")
    return found


def test_the_platform_reads_the_wall_clock_only_through_chengxin_clock():
    # The key file's age on disk is wall time; so is a certificate's validity, which PDF readers check.
    allowed = {ROOT / "clock.py", ROOT / "keyring" / "cli.py", ROOT / "reports" / "seal.py"}
    assert wall_clock_reads(ROOT, allowed) == []


def test_no_test_reads_the_wall_clock():
    assert wall_clock_reads(TESTS, {Path(__file__).resolve()}) == []


def test_every_test_starts_at_the_test_moment(clock):
    assert clock.now() - clock.start < timedelta(seconds=5)
    assert platform_clock.today() == clock.start.astimezone(platform_clock.CHINA).date()


def test_the_clock_can_be_set_and_advanced(clock):
    clock.set(date(2028, 2, 29))
    assert platform_clock.today() == date(2028, 2, 29)
    clock.advance(timedelta(days=1))
    assert platform_clock.today() == date(2028, 3, 1)
    before = platform_clock.utcnow()
    assert platform_clock.utcnow() >= before  # it runs on from where it was set
    assert platform_clock.shifted_start() is not None


def test_a_start_without_a_zone_is_beijing_time():
    moment = platform_clock.parse_start("2027-01-01T00:30:00")
    assert moment.utcoffset() == timedelta(hours=8)
    assert platform_clock.parse_start("2027-01-01") == datetime(2027, 1, 1, tzinfo=platform_clock.CHINA)


def test_the_scan_finds_a_wall_clock_read(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "bad.py").write_text("from datetime import date\nx = date.today()\n", encoding="utf-8")
    assert wall_clock_reads(tmp_path / "pkg", set()) == ["pkg/bad.py:2 date.today()"]


def test_health_says_when_the_clock_is_not_the_wall_clock(client):
    assert "CHENGXIN_CLOCK_START" in client.get("/healthz").json()["clock"]
    platform_clock.reset()  # the fixture sets the test clock again afterwards
    assert "clock" not in client.get("/healthz").json()
