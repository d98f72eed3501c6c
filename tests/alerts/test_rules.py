"""Alert rules over aggregated counts: no database."""

from __future__ import annotations

from datetime import UTC, datetime

from chengxin.alerts import rules
from chengxin.alerts.rules import Actor, Thresholds
from chengxin.clock import CHINA

T = Thresholds(volume_factor=10, volume_floor=200, baseline_days=14, distinct_no_ref=100, night_reads=100,
               failed_logins_account=5, failed_logins_ip=20, lookback_hours=3)
A = Actor("01ACCOUNT0000000000000000A", "human_resources", "checker")


def test_usual_volume_is_the_median_of_active_hours():
    assert rules.usual_volume([0, 0, 10, 30, 20, 0]) == 20
    assert rules.usual_volume([0, 0]) == 0
    assert rules.usual_volume([]) == 0


def test_threshold_is_factor_times_usual_but_never_below_the_floor():
    assert rules.volume_threshold(5, T) == 200
    assert rules.volume_threshold(40, T) == 400


def test_volume_spike_needs_both_factor_and_floor():
    now = datetime(2026, 11, 20, 10, 30, tzinfo=UTC)
    w = rules.hour_index(now)
    quiet = {w - 24 * d: 20 for d in range(1, 8)}  # 20 an hour, on earlier days
    busy = {w - 24 * d: 100 for d in range(1, 8)}
    b = Actor("01ACCOUNT0000000000000000B", "court", "checker")
    c = Actor("01ACCOUNT0000000000000000C", "court", "checker")
    series = {A: {**quiet, w: 201}, b: {**busy, w: 900}, c: {w: 150}}
    found = rules.volume_spikes(series, [w], T)
    assert [(f.subject, f.count, f.threshold) for f in found] == [(A.subject, 201, 200)]
    assert found[0].window_start == datetime(2026, 11, 20, 10, tzinfo=UTC)
    assert found[0].detail["usual"] == 20
    # The window itself does not count towards the usual volume.
    assert rules.volume_spikes({A: {w: 5000}}, [w], T)[0].threshold == 200


def test_hours_before_the_baseline_are_ignored():
    w = 1000
    old = {w - 15 * 24: 10_000}  # busy, but 15 days ago
    assert rules.volume_spikes({A: {**old, w: 300}}, [w], T)[0].detail["usual"] == 0


def test_hour_windows_are_aligned_and_include_the_current_hour():
    now = datetime(2026, 11, 20, 10, 59, 59, 999999, tzinfo=UTC)
    windows = rules.hour_windows(now, 3)
    assert [rules.hour_start(w).hour for w in windows] == [8, 9, 10]


def test_night_windows_follow_beijing_time():
    # 02:00 Beijing on 21 November: the night began at 23:00 on the 20th and is still going.
    now = datetime(2026, 11, 21, 2, 0, tzinfo=CHINA)
    (start, end), = rules.night_windows(now, 23, 6, 3)
    assert start == datetime(2026, 11, 20, 23, 0, tzinfo=CHINA)
    assert end == now
    # 14:00 Beijing, looking back 3 hours: no night overlaps.
    assert rules.night_windows(datetime(2026, 11, 21, 14, 0, tzinfo=CHINA), 23, 6, 3) == []
    # 07:00, looking back 3 hours: last night, whole (it ended at 06:00).
    (start, end), = rules.night_windows(datetime(2026, 11, 21, 7, 0, tzinfo=CHINA), 23, 6, 3)
    assert (start, end) == (datetime(2026, 11, 20, 23, tzinfo=CHINA), datetime(2026, 11, 21, 6, tzinfo=CHINA))


def test_night_bulk_and_many_persons_use_strict_limits():
    window = (datetime(2026, 11, 20, 15, tzinfo=UTC), datetime(2026, 11, 20, 22, tzinfo=UTC))
    assert rules.night_bulk({A: 100}, window, T) == []
    (f,) = rules.night_bulk({A: 101}, window, T)
    assert f.rule == "night_bulk" and f.detail["night_of"] == "2026-11-20"
    assert rules.many_persons_without_ref({(A, 7): 100}, T) == []
    assert rules.many_persons_without_ref({(A, 7): 101}, T)[0].rule == "many_persons_no_ref"


def test_failed_logins_by_account_and_by_address():
    found = rules.failed_logins({("ACC1", 7): 5, ("ACC2", 7): 4}, {("10.0.0.9", 7): 20, ("10.0.0.8", 7): 19}, T)
    assert {(f.rule, f.subject) for f in found} == {("failed_logins_account", "account:ACC1"),
                                                   ("failed_logins_ip", "ip:10.0.0.9")}


def test_token_from_new_address_is_one_alert_per_account_address_and_hour():
    (f,) = rules.tokens_from_new_addresses({("ACC1", "10.1.1.1", 7): 3})
    assert f.subject == "account:ACC1@10.1.1.1" and f.ip == "10.1.1.1" and f.count == 3


def test_actor_labels_name_accounts_or_departments():
    assert Actor(None, "court").subject == "department:court"
    assert Actor(None, None, "operator").subject == "role:operator"
    assert "human_resources" in A.label
