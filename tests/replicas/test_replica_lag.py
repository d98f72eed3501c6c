"""The lag rule and the routing choice of `chengxin.replicas`, on a clock of the test's own (both runs).

A standby's lag is the age of the newest primary sample it has replayed: right when the primary is
idle, growing when the monitor stalls, and a standby is chosen only within the bound and only once it
has replayed the caller's own last write."""

from __future__ import annotations

from typing import Any

from chengxin.replicas import LSN_COOKIE, Replica, ReplicaSet, cookie_lsn, lsn_cookie, parse_lsn, status_lines


class Ticks:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def replica_set(n: int = 1, max_lag: float = 2.0) -> tuple[ReplicaSet, Ticks]:
    ticks = Ticks()
    replicas = [Replica(i + 1, engine=None, sessions=None) for i in range(n)]  # type: ignore[arg-type]
    return ReplicaSet(primary=None, replicas=replicas, max_lag=max_lag, interval=0.5, now=ticks), ticks  # type: ignore[arg-type]


def test_an_idle_primary_does_not_make_a_caught_up_standby_look_late():
    rs, ticks = replica_set()
    (standby,) = rs.replicas
    for _ in range(60):  # a minute without a single write
        rs.sampled(5000)
        rs.observe(standby, True, "0/1388")  # 0x1388 = 5000
        ticks.t += 1
    assert rs.lag(standby) == 1.0 and rs.usable(standby)
    assert rs.status()[0] == {"name": "standby1", "in_use": True, "lag_seconds": 1.0, "problem": None,
                              "reads": 0, "fallbacks": 0}


def test_the_lag_is_the_age_of_the_newest_sample_replayed_and_bounded():
    rs, ticks = replica_set()
    (standby,) = rs.replicas
    for lsn in (100, 200, 300):
        rs.sampled(lsn)
        ticks.t += 1
    rs.observe(standby, True, "0/FA")  # 250: past the second sample (taken at 1001), not the third
    assert rs.lag(standby) == 2.0 and rs.usable(standby)
    assert rs.choose() is standby
    ticks.t += 0.5  # the monitor stalls: the standby only looks older
    assert rs.lag(standby) == 2.5 and not rs.usable(standby)
    assert rs.choose() is None
    assert rs.status()[0]["problem"] == "lagging" and not rs.status()[0]["in_use"]
    rs.sampled(300)
    rs.observe(standby, True, "0/12C")  # 300: caught up
    assert rs.lag(standby) == 0.0 and rs.choose() is standby


def test_a_standby_behind_every_sample_or_not_in_recovery_is_not_used():
    rs, _ = replica_set()
    (standby,) = rs.replicas
    assert rs.choose() is None and rs.status()[0]["problem"] == "unchecked"
    rs.sampled(500)
    rs.observe(standby, True, "0/64")  # 100: behind the only sample
    assert rs.lag(standby) is None and rs.status()[0]["problem"] == "far_behind" and rs.choose() is None
    rs.observe(standby, True, "0/1F4")
    assert rs.choose() is standby
    rs.observe(standby, False, None)  # promoted: no longer a standby of this primary
    assert rs.choose() is None and rs.status()[0]["problem"] == "not_standby"


def test_a_caller_who_wrote_goes_only_to_a_standby_that_has_replayed_the_write():
    rs, _ = replica_set(2)
    first, second = rs.replicas
    rs.sampled(1000)
    rs.observe(first, True, "0/3E8")  # 1000
    rs.observe(second, True, "0/3E8")
    rs.sampled(1200)
    rs.observe(second, True, "0/4B0")  # 1200
    assert {rs.choose().number, rs.choose().number} == {1, 2}  # in turn
    assert rs.choose(after_lsn=1100) is second and rs.choose(after_lsn=1100) is second
    assert rs.choose(after_lsn=1300) is None
    rs.remember("Bearer cxt_a", 1100)
    rs.remember("Bearer cxt_a", 900)  # an older write does not lower it
    assert rs.written(["Bearer cxt_a", None]) == 1100 and rs.written(["Bearer cxt_b"]) == 0


class Cookies:
    def __init__(self, value: str | None) -> None:
        self.cookies: dict[str, Any] = {} if value is None else {LSN_COOKIE: value}


def test_the_cookie_carries_the_position_and_a_bad_one_counts_as_none():
    name, value = lsn_cookie(0x16B374D848, 5, secure=True)
    assert name == b"set-cookie"
    assert value == b"cx_lsn=16b374d848; Max-Age=5; Path=/; HttpOnly; SameSite=Lax; Secure"
    assert cookie_lsn(Cookies("16b374d848")) == parse_lsn("16/B374D848")
    assert cookie_lsn(Cookies("not hex")) == 0 and cookie_lsn(Cookies(None)) == 0
    rs, _ = replica_set(max_lag=5)
    assert rs.cookie_seconds() == 7  # the bound and two checks, rounded up, and one more


def test_status_lines_say_in_chinese_why_a_standby_is_not_used():
    assert status_lines([], 5) == ["未配置只读备库（replica_urls 为空）：全部读写走主库。"]
    rows = [{"name": "standby1", "in_use": True, "lag_seconds": 0.25, "problem": None, "reads": 7},
            {"name": "standby2", "in_use": False, "lag_seconds": None, "problem": "unreachable", "reads": 0}]
    assert status_lines(rows, 5) == [
        "备库 standby1：使用中；延迟 0.2 秒（上限 5 秒）；本进程已分流 7 次请求",
        "备库 standby2：未使用，读取改走主库（无法连接）；延迟 未知（上限 5 秒）；本进程已分流 0 次请求"]
