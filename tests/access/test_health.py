"""/healthz tells the truth about the access log: degraded while it cannot be sealed (no signing
key) or while entries wait for their seal longer than the jobs allow; the clock entry stays."""

from __future__ import annotations

from datetime import timedelta

from chengxin.access.sealing import seal
from chengxin.access.service import Read, log_reads
from chengxin.callers import Caller

CHECKER = Caller.of(frozenset({"checker"}), department_code="human_resources", account_id="01JDCHECKER000000000000000")


def health(client) -> dict[str, str]:
    res = client.get("/healthz")
    assert res.status_code == 200  # the platform still serves; monitoring reads `status`
    return res.json()


def test_without_a_signing_key_health_says_the_log_cannot_be_sealed(app, client):
    # The two secrets of the old checklist in the environment, no key file: nothing to sign with.
    app.state.signer = None
    body = health(client)
    assert body["status"] == "degraded"
    assert "查询日志无法封存" in body["access_log"] and "CHENGXIN_SIGNING_KEY" in body["access_log"]
    assert "clock" in body  # the test clock is still reported beside it


def test_entries_waiting_longer_than_the_jobs_allow_are_reported_until_sealed(client, session, signer, clock):
    seal(session, signer)  # whatever earlier tests left
    log_reads(session, CHECKER, "check", [Read("0" * 32, "clear", None)], purpose="资格审查")
    session.flush()
    clock.advance(timedelta(minutes=10))
    assert health(client)["status"] == "ok"  # the jobs run every minute: not late yet
    clock.advance(timedelta(minutes=10))
    body = health(client)
    assert body["status"] == "degraded" and "分钟未封存" in body["access_log"], body
    seal(session, signer)
    session.flush()
    assert health(client)["status"] == "ok" and "access_log" not in health(client)
