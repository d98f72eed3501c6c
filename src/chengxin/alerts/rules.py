"""Pure alert rules over aggregated counts: no database, no clock.

Every rule turns counts per actor and window into `Finding`s. A finding is keyed by
(rule, subject, window start), so evaluating the same window again finds the same
alert instead of a new one. Windows are aligned: clock hours for volume and logins,
one Beijing night for night reads, so that a scan every minute and a scan after an
outage agree on what the windows are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from statistics import median

from chengxin.clock import CHINA

HOUR = timedelta(hours=1)

RULES: dict[str, str] = {
    "volume_spike": "查询量异常放大",
    "many_persons_no_ref": "大量无业务编号查询",
    "night_bulk": "夜间批量查询",
    "failed_logins_account": "账号连续登录失败",
    "failed_logins_ip": "同一地址大量登录失败",
    "token_new_ip": "令牌在新地址使用",
}


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The configurable figures (see the `alerts_*` settings)."""

    volume_factor: float = 10.0
    volume_floor: int = 200
    baseline_days: int = 14
    distinct_no_ref: int = 100
    night_start_hour: int = 23
    night_end_hour: int = 6
    night_reads: int = 100
    failed_logins_account: int = 5
    failed_logins_ip: int = 20
    lookback_hours: int = 3


@dataclass(frozen=True, slots=True)
class Actor:
    """Who read: an account if known, else the department or the role (no personal data)."""

    account_id: str | None
    department_code: str | None
    role: str | None = None

    @property
    def subject(self) -> str:
        if self.account_id:
            return f"account:{self.account_id}"
        if self.department_code:
            return f"department:{self.department_code}"
        return f"role:{self.role or 'unknown'}"

    @property
    def label(self) -> str:
        if self.account_id:
            dept = f"（部门 {self.department_code}）" if self.department_code else ""
            return f"账号 {self.account_id}{dept}"
        if self.department_code:
            return f"部门 {self.department_code}"
        return f"角色 {self.role or '未知'}"


@dataclass(frozen=True, slots=True)
class Finding:
    """An alert to raise (or to refresh, when its key already exists)."""

    rule: str
    subject: str
    window_start: datetime
    window_end: datetime
    count: int
    threshold: int
    message: str
    account_id: str | None = None
    department_code: str | None = None
    ip: str | None = None
    detail: dict[str, float | int | str] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, datetime]:
        return (self.rule, self.subject, self.window_start)


def floor_hour(moment: datetime) -> datetime:
    """The start of the clock hour holding `moment`, in UTC."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def hour_index(moment: datetime) -> int:
    """Hours since the epoch: the bucket number the repository groups by."""
    return int(moment.timestamp() // 3600)


def hour_start(index: int) -> datetime:
    return datetime.fromtimestamp(index * 3600, UTC)


def hour_windows(now: datetime, lookback_hours: int) -> list[int]:
    """The hour buckets a scan evaluates: the current one and `lookback_hours - 1` before it."""
    current = hour_index(now)
    return list(range(current - max(lookback_hours, 1) + 1, current + 1))


def night_windows(now: datetime, start_hour: int, end_hour: int,
                  lookback_hours: int) -> list[tuple[datetime, datetime]]:
    """Beijing-time nights (start_hour to end_hour the next morning) that overlap the scan's
    lookback, as UTC [start, end) pairs, oldest first; a night in progress ends at `now`."""
    local = now.astimezone(CHINA)
    earliest = (now - HOUR * max(lookback_hours, 1)).astimezone(CHINA)
    windows = []
    day = earliest.date() - timedelta(days=1)
    while day <= local.date():
        start = datetime(day.year, day.month, day.day, start_hour, tzinfo=CHINA)
        end_day = day + timedelta(days=1) if end_hour <= start_hour else day
        end = datetime(end_day.year, end_day.month, end_day.day, end_hour, tzinfo=CHINA)
        if start < now and end > earliest:
            windows.append((start.astimezone(UTC), min(end, now).astimezone(UTC)))
        day += timedelta(days=1)
    return windows


def usual_volume(history: Iterable[int]) -> float:
    """An account's usual hourly volume: the median over the hours it was active at all.

    Zero hours are left out: an office system idle at night would otherwise have a usual
    volume of 0, and every working hour would look abnormal against it.
    """
    active = [c for c in history if c > 0]
    return float(median(active)) if active else 0.0


def volume_threshold(usual: float, t: Thresholds) -> int:
    """Above this many reads in an hour an account's volume is abnormal."""
    return max(t.volume_floor, int(t.volume_factor * usual))


def volume_spikes(series: Mapping[Actor, Mapping[int, int]], windows: Sequence[int],
                  t: Thresholds) -> list[Finding]:
    """Per actor and window hour: reads above `factor` × the usual volume of the preceding
    `baseline_days` (the window itself excluded) and above the floor."""
    span = t.baseline_days * 24
    found = []
    for actor, by_hour in series.items():
        for w in windows:
            count = by_hour.get(w, 0)
            if count <= t.volume_floor:
                continue
            usual = usual_volume(by_hour.get(h, 0) for h in range(w - span, w))
            limit = volume_threshold(usual, t)
            if count > limit:
                found.append(Finding(
                    "volume_spike", actor.subject, hour_start(w), hour_start(w + 1), count, limit,
                    f"{actor.label} 在一小时内查询 {count} 次，超过其近 {t.baseline_days} 天常态"
                    f"（活跃小时中位数 {usual:g} 次）的 {t.volume_factor:g} 倍与下限 {t.volume_floor}",
                    actor.account_id, actor.department_code,
                    detail={"usual": usual, "factor": t.volume_factor, "floor": t.volume_floor}))
    return found


def many_persons_without_ref(counts: Mapping[tuple[Actor, int], int], t: Thresholds) -> list[Finding]:
    """Per actor and hour: more distinct persons read without a business reference than allowed."""
    found = []
    for (actor, w), count in counts.items():
        if count > t.distinct_no_ref:
            found.append(Finding(
                "many_persons_no_ref", actor.subject, hour_start(w), hour_start(w + 1), count,
                t.distinct_no_ref,
                f"{actor.label} 在一小时内无业务编号查询了 {count} 个不同的人（上限 {t.distinct_no_ref}）",
                actor.account_id, actor.department_code))
    return found


def night_bulk(counts: Mapping[Actor, int], window: tuple[datetime, datetime], t: Thresholds) -> list[Finding]:
    """Per actor: more reads in one Beijing night than allowed."""
    start, end = window
    found = []
    for actor, count in counts.items():
        if count > t.night_reads:
            found.append(Finding(
                "night_bulk", actor.subject, start, end, count, t.night_reads,
                f"{actor.label} 在夜间（北京时间 {t.night_start_hour}:00–{t.night_end_hour}:00）查询 "
                f"{count} 次（上限 {t.night_reads}）",
                actor.account_id, actor.department_code,
                detail={"night_of": start.astimezone(CHINA).date().isoformat()}))
    return found


def failed_logins(by_account: Mapping[tuple[str, int], int], by_ip: Mapping[tuple[str, int], int],
                  t: Thresholds) -> list[Finding]:
    """Per account, and per address, and hour: at least the configured number of failed logins."""
    found = []
    for (account, w), count in by_account.items():
        if count >= t.failed_logins_account:
            found.append(Finding(
                "failed_logins_account", f"account:{account}", hour_start(w), hour_start(w + 1), count,
                t.failed_logins_account,
                f"账号 {account} 在一小时内登录失败 {count} 次（阈值 {t.failed_logins_account}）",
                account_id=account))
    for (ip, w), count in by_ip.items():
        if count >= t.failed_logins_ip:
            found.append(Finding(
                "failed_logins_ip", f"ip:{ip}", hour_start(w), hour_start(w + 1), count, t.failed_logins_ip,
                f"地址 {ip} 在一小时内登录失败 {count} 次（阈值 {t.failed_logins_ip}）", ip=ip))
    return found


def tokens_from_new_addresses(seen: Mapping[tuple[str, str, int], int]) -> list[Finding]:
    """One alert per account, new address and hour in which its token was used from there."""
    return [
        Finding("token_new_ip", f"account:{account}@{ip}", hour_start(w), hour_start(w + 1), count, 1,
                f"账号 {account} 的令牌在新地址 {ip} 使用（{count} 次）", account_id=account, ip=ip)
        for (account, ip, w), count in seen.items()
    ]
