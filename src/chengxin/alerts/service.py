"""Alert use cases: scan (idempotent), list, acknowledge. Never commits; the boundary does."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from chengxin.alerts import repository as repo
from chengxin.alerts import rules
from chengxin.alerts.models import Alert
from chengxin.alerts.rules import Actor, Finding, Thresholds
from chengxin.errors import DomainError, NotFound
from chengxin.settings import Settings

STATUSES = {"open": "待处理", "acknowledged": "已确认"}


@dataclass(frozen=True, slots=True)
class ScanResult:
    raised: int  # new alerts
    refreshed: int  # alerts already raised for the same rule, subject and window
    findings: int


def thresholds(settings: Settings) -> Thresholds:
    return Thresholds(
        volume_factor=settings.alerts_volume_factor, volume_floor=settings.alerts_volume_floor,
        baseline_days=settings.alerts_baseline_days, distinct_no_ref=settings.alerts_distinct_no_ref,
        night_start_hour=settings.alerts_night_start_hour, night_end_hour=settings.alerts_night_end_hour,
        night_reads=settings.alerts_night_reads, failed_logins_account=settings.alerts_failed_logins_account,
        failed_logins_ip=settings.alerts_failed_logins_ip, lookback_hours=settings.alerts_lookback_hours,
    )


def evaluate(session: Session, now: datetime, t: Thresholds) -> list[Finding]:
    """Everything the rules find in the scan's windows (the current hour and the lookback)."""
    windows = rules.hour_windows(now, t.lookback_hours)
    since, until = rules.hour_start(windows[0]), now + timedelta(microseconds=1)

    series: dict[Actor, dict[int, int]] = defaultdict(dict)
    history_since = rules.hour_start(windows[0] - t.baseline_days * 24)
    for account, dept, role, hour, n in repo.hourly_reads(session, history_since, until):
        series[Actor(account, dept, role)][int(hour)] = n
    found = rules.volume_spikes(series, windows, t)

    no_ref = {(Actor(a, d, r), int(h)): n for a, d, r, h, n in repo.hourly_persons_without_ref(session, since, until)}
    found += rules.many_persons_without_ref(no_ref, t)

    for window in rules.night_windows(now, t.night_start_hour, t.night_end_hour, t.lookback_hours):
        night = {Actor(a, d, r): n for a, d, r, n in repo.reads_between(session, *window)}
        found += rules.night_bulk(night, window, t)

    failures = repo.hourly_events(session, "login_failed", ["account_id"], since, until)
    by_account = {(a, int(h)): n for a, h, n in failures}
    by_ip = {(ip, int(h)): n for ip, h, n in repo.hourly_events(session, "login_failed", ["ip"], since, until)}
    found += rules.failed_logins(by_account, by_ip, t)

    seen = {(a, ip, int(h)): n for a, ip, h, n in repo.hourly_events(session, "token_new_ip", ["account_id", "ip"],
                                                                    since, until)}
    found += rules.tokens_from_new_addresses(seen)
    return found


def scan(session: Session, now: datetime, settings: Settings) -> ScanResult:
    """Raise alerts for what the rules find; rerunning over the same windows raises nothing new."""
    found = list({f.key: f for f in evaluate(session, now, thresholds(settings))}.values())
    known = repo.existing_keys(session, found)
    repo.upsert(session, found, now)
    session.flush()
    fresh = sum(1 for f in found if f.key not in known)
    return ScanResult(fresh, len(found) - fresh, len(found))


def listing(session: Session, status: str | None, rule: str | None, limit: int, offset: int) -> tuple[int, list[Alert]]:
    if status is not None and status not in STATUSES:
        raise DomainError("ALERT_STATUS_UNKNOWN", "状态只能是 open（待处理）或 acknowledged（已确认）")
    if rule is not None and rule not in rules.RULES:
        raise DomainError("ALERT_RULE_UNKNOWN", f"未知的告警规则：{rule[:40]}")
    return repo.count(session, status, rule), repo.listing(session, status, rule, limit, offset)


def acknowledge(session: Session, alert_id: str, by: str, note: str, now: datetime) -> Alert:
    """An auditor confirms they have looked at an alert, with a note of what they found or did."""
    alert = repo.get(session, alert_id[:26], for_update=True)
    if alert is None:
        raise NotFound("ALERT_NOT_FOUND", "告警不存在")
    if alert.status == "acknowledged":
        raise DomainError("ALERT_ALREADY_ACKNOWLEDGED", "该告警已确认", 409)
    alert.status = "acknowledged"
    alert.acknowledged_at = now
    alert.acknowledged_by = by
    alert.note = note
    alert.updated_at = now
    session.flush()
    return alert
