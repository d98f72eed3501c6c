"""Alert scan over the real access log and security events: each rule, idempotence, no personal data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from chengxin.access.models import AccessEntry
from chengxin.accounts.models import SecurityEvent
from chengxin.alerts import repository as repo
from chengxin.alerts import service
from chengxin.alerts.models import Alert
from chengxin.clock import CHINA
from chengxin.errors import DomainError
from chengxin.settings import Settings

NOW = datetime(2026, 11, 20, 2, 40, tzinfo=UTC)  # 10:40 in Beijing
ACC = "01ALERTACCOUNT000000000001"
OTHER = "01ALERTACCOUNT000000000002"


@pytest.fixture
def cfg(settings: Settings) -> Settings:
    return settings.model_copy(update={"alerts_volume_factor": 10.0, "alerts_volume_floor": 200,
                                       "alerts_distinct_no_ref": 100, "alerts_night_reads": 100,
                                       "alerts_failed_logins_account": 5, "alerts_failed_logins_ip": 20,
                                       "alerts_lookback_hours": 3})


def reads(session, at: datetime, n: int, *, account: str = ACC, dept: str = "human_resources",
          ref: str | None = "REF-1", persons: int | None = None, start: int = 0) -> None:
    """`n` access-log entries by one account at one moment (over `persons` distinct subjects)."""
    rows = [{"at": at, "actor_role": "checker", "actor_department": dept, "actor_account": account,
             "subject_key": f"{(start + i % (persons or n)):032x}", "action": "check", "purpose": "资格审查",
             "basis": "civil_service", "business_ref": ref, "ref_id": None, "result": "clear"} for i in range(n)]
    session.execute(insert(AccessEntry), rows)


def events(session, kind: str, at: datetime, n: int, *, account: str | None = ACC, ip: str = "10.0.0.7") -> None:
    session.add_all([SecurityEvent(at=at, kind=kind, account_id=account, ip=ip) for _ in range(n)])
    session.flush()


def alerts(session, rule: str | None = None) -> list[Alert]:
    stmt = select(Alert).order_by(Alert.rule, Alert.subject)
    return list(session.scalars(stmt.where(Alert.rule == rule) if rule else stmt))


def test_volume_far_above_the_usual_raises_one_alert_per_window(session, cfg):
    for day in range(1, 8):  # a usual 20 reads in the 10 o'clock hour on the days before
        reads(session, NOW - timedelta(days=day), 20)
    reads(session, NOW - timedelta(days=3, hours=1), 100, account=OTHER)
    reads(session, NOW - timedelta(minutes=30), 250)  # this hour: 250 > max(200, 10 × 20)
    reads(session, NOW - timedelta(minutes=5), 400, account=OTHER)  # 400 < 10 × 100
    result = service.scan(session, NOW, cfg)
    (alert,) = alerts(session, "volume_spike")
    assert (alert.account_id, alert.department_code, alert.count, alert.threshold) == (ACC, "human_resources", 250, 200)
    assert alert.window_start == datetime(2026, 11, 20, 2, tzinfo=UTC)
    assert alert.status == "open" and result.raised >= 1

    again = service.scan(session, NOW + timedelta(minutes=1), cfg)
    assert again.raised == 0 and len(alerts(session, "volume_spike")) == 1

    reads(session, NOW + timedelta(minutes=2), 50)  # more in the same hour: the same alert grows
    service.scan(session, NOW + timedelta(minutes=3), cfg)
    (alert,) = alerts(session, "volume_spike")
    session.refresh(alert)
    assert alert.count == 300


def test_many_distinct_persons_without_a_business_reference(session, cfg):
    reads(session, NOW - timedelta(minutes=20), 150, ref=None, persons=101)
    reads(session, NOW - timedelta(minutes=20), 150, account=OTHER, ref="2026年度招录", persons=150, start=500)
    reads(session, NOW - timedelta(minutes=20), 120, account="01ALERTACCOUNT000000000003", ref=None, persons=100,
          start=900)
    service.scan(session, NOW, cfg)
    (alert,) = alerts(session, "many_persons_no_ref")
    assert alert.account_id == ACC and alert.count == 101


def test_bulk_reads_at_night_beijing_time(session, cfg):
    night = datetime(2026, 11, 20, 1, 30, tzinfo=CHINA)  # 01:30 Beijing = 17:30 UTC the day before
    reads(session, night, 101)
    reads(session, datetime(2026, 11, 20, 9, 30, tzinfo=CHINA), 150, account=OTHER)  # daytime
    service.scan(session, datetime(2026, 11, 20, 2, 0, tzinfo=CHINA), cfg)
    (alert,) = alerts(session, "night_bulk")
    assert alert.account_id == ACC and alert.count == 101
    assert alert.window_start == datetime(2026, 11, 19, 23, tzinfo=CHINA)
    assert alert.detail["night_of"] == "2026-11-19"
    # The scan later that night finds the same alert (grown), not a second one.
    reads(session, datetime(2026, 11, 20, 3, 0, tzinfo=CHINA), 10)
    service.scan(session, datetime(2026, 11, 20, 3, 30, tzinfo=CHINA), cfg)
    (alert,) = alerts(session, "night_bulk")
    session.refresh(alert)
    assert alert.count == 111


def test_repeated_failed_logins_by_account_and_by_address(session, cfg):
    events(session, "login_failed", NOW - timedelta(minutes=10), 5)
    events(session, "login_failed", NOW - timedelta(minutes=10), 4, account=OTHER, ip="10.0.0.8")
    events(session, "login_failed", NOW - timedelta(minutes=9), 16, account=None, ip="10.0.0.7")
    events(session, "login_ok", NOW - timedelta(minutes=8), 30)
    service.scan(session, NOW, cfg)
    assert [a.subject for a in alerts(session, "failed_logins_account")] == [f"account:{ACC}"]
    (by_ip,) = alerts(session, "failed_logins_ip")
    assert by_ip.ip == "10.0.0.7" and by_ip.count == 21


def test_token_used_from_a_new_address(session, cfg):
    events(session, "token_new_ip", NOW - timedelta(minutes=3), 1, ip="203.0.113.5")
    service.scan(session, NOW, cfg)
    (alert,) = alerts(session, "token_new_ip")
    assert (alert.account_id, alert.ip) == (ACC, "203.0.113.5")


def test_old_events_outside_the_lookback_are_not_raised(session, cfg):
    events(session, "login_failed", NOW - timedelta(hours=5), 10)
    reads(session, NOW - timedelta(hours=5), 500)
    assert service.scan(session, NOW, cfg).findings == 0


def test_alerts_hold_no_personal_data(session, cfg, keys):
    from helpers import cid

    key = keys.subject_key("citizen_id", cid(1))
    session.execute(insert(AccessEntry), [{
        "at": NOW - timedelta(minutes=1), "actor_role": "operator", "actor_department": None,
        "actor_account": ACC, "subject_key": key, "action": "file", "purpose": None, "basis": None,
        "business_ref": None, "ref_id": None, "result": "ok"}] * 300)
    service.scan(session, NOW, cfg)
    found = alerts(session)
    assert found
    for a in found:
        text = " ".join(str(v) for v in (a.subject, a.message, a.detail, a.account_id, a.department_code))
        assert key not in text and cid(1) not in text


def test_acknowledge_with_a_note_once(session, cfg):
    events(session, "token_new_ip", NOW - timedelta(minutes=3), 1, ip="203.0.113.5")
    service.scan(session, NOW, cfg)
    (alert,) = alerts(session)
    done = service.acknowledge(session, alert.id, "AUDITOR1", "已核实：该系统迁移到新机房", NOW)
    assert (done.status, done.acknowledged_by, done.note) == ("acknowledged", "AUDITOR1", "已核实：该系统迁移到新机房")
    with pytest.raises(DomainError) as err:
        service.acknowledge(session, alert.id, "AUDITOR1", "再次确认", NOW)
    assert err.value.code == "ALERT_ALREADY_ACKNOWLEDGED"
    with pytest.raises(DomainError) as err:
        service.acknowledge(session, "NOPE", "AUDITOR1", "x", NOW)
    assert err.value.code == "ALERT_NOT_FOUND"
    # A rescan keeps the acknowledgement.
    service.scan(session, NOW + timedelta(minutes=1), cfg)
    session.refresh(done)
    assert done.status == "acknowledged"
    assert service.listing(session, "open", None, 10, 0)[0] == 0
    assert service.listing(session, "acknowledged", None, 10, 0)[0] == 1


def test_hour_buckets_truncate_on_both_databases(session):
    """10:59:59.999999 belongs to the 10 o'clock hour (SQLite's strftime would round it up)."""
    edge = datetime(2026, 11, 20, 10, 59, 59, 999999, tzinfo=UTC)
    reads(session, edge, 1)
    ((*_, hour, n),) = repo.hourly_reads(session, edge - timedelta(hours=1), edge + timedelta(seconds=1))
    assert (hour, n) == (int(datetime(2026, 11, 20, 10, tzinfo=UTC).timestamp()) // 3600, 1)


def test_first_seq_since_finds_the_start_of_a_window(session):
    base = datetime(2026, 11, 1, tzinfo=UTC)
    for d in range(10):
        reads(session, base + timedelta(days=d), 3, start=d * 10)
    seqs = dict(session.execute(select(AccessEntry.at, AccessEntry.seq).order_by(AccessEntry.seq)).all())
    lo = repo.first_seq_since(session, base + timedelta(days=6))
    first_day6 = min(s for at, s in session.execute(select(AccessEntry.at, AccessEntry.seq))
                     if at >= base + timedelta(days=6) - repo.SEQ_MARGIN)
    assert lo == first_day6 and seqs
