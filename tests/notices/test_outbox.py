"""The outbox: enqueued with the change, delivered at least once, received once; retries with
back-off, leases, final statuses without an address or a configured channel."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from chengxin.callers import Caller
from chengxin.clock import utcnow
from chengxin.errors import DomainError
from chengxin.notices import rules, service
from chengxin.notices.channels import ChannelError, InApp, Outgoing, Sms
from chengxin.notices.models import InboxMessage, Notice

PERSON = "a" * 32


def notice(session, n: int = 1, person: str = PERSON, **kw) -> int:
    args = {"person_key": person, "kind": "objection_received", "key": f"OBJ-{n}", "title": "异议申请已受理",
            "body": "您提交的异议申请已受理，平台将在 20 日内答复。", **kw}
    return service.enqueue(session, **args)


def rows(session, person: str = PERSON) -> list[Notice]:
    session.expire_all()
    return list(session.scalars(select(Notice).where(Notice.subject_key == person).order_by(Notice.channel)))


class Recording:
    """A channel that records what it was asked to send and answers as told."""

    def __init__(self, *answers: str | Exception) -> None:
        self.answers, self.sent = list(answers), []

    def send(self, n: Outgoing) -> str:
        self.sent.append(n.idempotency_key)
        answer = self.answers.pop(0) if self.answers else rules.DELIVERED
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_enqueue_writes_one_row_per_channel_once(session, settings):
    assert notice(session, settings=settings) == 2  # the default channels: inapp, file
    assert [(r.channel, r.idempotency_key, r.status, r.attempts) for r in rows(session)] == [
        ("file", "objection_received:OBJ-1:file", "pending", 0),
        ("inapp", "objection_received:OBJ-1:inapp", "pending", 0)]
    assert notice(session, settings=settings) == 0
    assert notice(session, channels=["inapp", "sms"]) == 1  # only the new channel
    assert len(rows(session)) == 3


def test_enqueue_is_part_of_the_callers_transaction(session):
    notice(session, channels=["inapp"])
    session.rollback()  # the change failed: no notice about it
    assert rows(session) == []


def test_default_channels_come_from_the_setting(session, settings):
    assert notice(session, settings=settings.model_copy(update={"notice_channels": "sms, email ,sms"})) == 2
    assert {r.channel for r in rows(session)} == {"sms", "email"}


def test_a_plain_id_number_never_goes_into_a_notice(session):
    with pytest.raises(DomainError) as err:
        notice(session, body="身份证号 110105194912310029 的异议已受理")
    assert err.value.code == "NOTICE_CONTAINS_ID_NUMBER"
    with pytest.raises(DomainError):
        notice(session, title="110105491231002")  # the old 15-digit form
    with pytest.raises(DomainError) as unknown:
        notice(session, channels=["fax"])
    assert unknown.value.code == "NOTICE_CHANNEL_UNKNOWN"
    assert rows(session) == []


def test_tell_upstream_only_when_an_upstream_platform_is_set(session, settings):
    assert service.tell_upstream(session, subject_key=PERSON, kind="repair_done", key="R-1",
                                 payload={"record": "X"}, settings=settings) == 0
    up = settings.model_copy(update={"upstream_url": "http://127.0.0.1:9/upstream"})
    assert service.tell_upstream(session, subject_key=PERSON, kind="repair_done", key="R-1",
                                 payload={"record": "X"}, settings=up) == 1
    assert service.tell_upstream(session, subject_key=PERSON, kind="repair_done", key="R-1",
                                 payload={"record": "X"}, settings=up) == 0
    (row,) = rows(session)
    assert (row.channel, row.payload, row.idempotency_key) == ("upstream", {"record": "X"}, "repair_done:R-1:upstream")


def test_in_app_notice_is_delivered_once_even_when_sent_twice(session, factory, keys, settings):
    notice(session, channels=["inapp"])
    session.commit()
    run = service.deliver_due(factory, keys, settings)
    assert (run.delivered, run.retried, run.failed) == (1, 0, 0)
    (row,) = rows(session)
    assert row.status == "delivered" and row.delivered_at is not None and row.lease_until is None
    # A worker that died after the mailbox took it sends it again: the mailbox keeps one.
    inapp = InApp(factory)
    again = Outgoing(row.idempotency_key, PERSON, row.kind, "inapp", row.title, row.body, None, row.created_at)
    assert inapp.send(again) == "delivered"
    assert session.scalar(select(func.count()).select_from(InboxMessage)
                          .where(InboxMessage.subject_key == PERSON)) == 1
    assert service.deliver_due(factory, keys, settings).delivered == 0  # nothing left to do


def test_a_failed_attempt_is_retried_with_back_off_then_given_up(session, factory, keys, settings):
    notice(session, channels=["sms"])
    session.commit()
    limited = settings.model_copy(update={"notice_max_attempts": 3})
    flaky = Recording(ChannelError("HTTP_503"), OSError("boom"), ChannelError("CONNECT_FAILED"))
    t0 = utcnow()

    run = service.deliver_due(factory, keys, limited, now=t0, channels={"sms": flaky})
    assert (run.delivered, run.retried, run.failed) == (0, 1, 0)
    (row,) = rows(session)
    assert (row.status, row.attempts, row.last_error, row.lease_until) == ("pending", 1, "HTTP_503", None)
    assert row.next_attempt_at == t0 + timedelta(seconds=10)
    # Not due before its time.
    assert service.deliver_due(factory, keys, limited, now=t0 + timedelta(seconds=9),
                               channels={"sms": flaky}).retried == 0
    run = service.deliver_due(factory, keys, limited, now=t0 + timedelta(seconds=10), channels={"sms": flaky})
    (row,) = rows(session)
    assert (run.retried, row.attempts, row.last_error) == (1, 2, "OSError")  # the type, never the message
    assert row.next_attempt_at == t0 + timedelta(seconds=30)  # 10 s after the first retry, then 20 s
    run = service.deliver_due(factory, keys, limited, now=t0 + timedelta(seconds=30), channels={"sms": flaky})
    (row,) = rows(session)
    assert (run.failed, row.status, row.attempts, row.last_error) == (1, "failed", 3, "CONNECT_FAILED")
    assert len(flaky.sent) == 3
    assert service.deliver_due(factory, keys, limited, now=t0 + timedelta(days=1), channels={"sms": flaky}).failed == 0


def test_the_back_off_doubles_and_is_capped():
    assert [rules.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [10, 20, 40, 80]
    assert rules.backoff(30) == timedelta(hours=1)


def test_a_lease_keeps_a_second_worker_off_a_notice_being_sent(session, factory, keys, settings):
    notice(session, channels=["sms"])
    session.commit()
    t0 = utcnow()
    second = Recording()

    class SlowChannel:
        """While the first worker is sending, a second worker runs: it must not send the same notice."""

        def __init__(self) -> None:
            self.sent = []

        def send(self, n: Outgoing) -> str:
            self.sent.append(n.idempotency_key)
            run = service.deliver_due(factory, keys, settings, now=t0 + timedelta(seconds=1),
                                      channels={"sms": second})
            assert (run.delivered, run.retried, run.failed) == (0, 0, 0)
            return rules.DELIVERED

    first = SlowChannel()
    assert service.deliver_due(factory, keys, settings, now=t0, channels={"sms": first}).delivered == 1
    assert first.sent == ["objection_received:OBJ-1:sms"] and second.sent == []


def test_a_worker_that_died_holding_a_lease_is_taken_over_after_it_expires(session, factory, keys, settings):
    notice(session, channels=["sms"])
    session.commit()
    t0 = utcnow()

    class Dies:
        def send(self, n: Outgoing) -> str:
            raise KeyboardInterrupt  # the process stops between claim and outcome

    with pytest.raises(KeyboardInterrupt):
        service.deliver_due(factory, keys, settings, now=t0, channels={"sms": Dies()})
    (row,) = rows(session)
    assert row.status == "pending" and row.attempts == 1 and row.lease_until == t0 + timedelta(seconds=300)
    other = Recording()
    assert service.deliver_due(factory, keys, settings, now=t0 + timedelta(seconds=299),
                               channels={"sms": other}).delivered == 0
    assert service.deliver_due(factory, keys, settings, now=t0 + timedelta(seconds=300),
                               channels={"sms": other}).delivered == 1
    (row,) = rows(session)
    assert (row.status, row.attempts, other.sent) == ("delivered", 2, ["objection_received:OBJ-1:sms"])


def test_a_notice_whose_attempts_all_died_with_their_workers_is_given_up(session, factory, keys, settings):
    notice(session, channels=["sms"])
    session.commit()
    session.execute(Notice.__table__.update().values(attempts=settings.notice_max_attempts))
    session.commit()
    never = Recording()
    assert service.deliver_due(factory, keys, settings, channels={"sms": never}).failed == 1
    assert never.sent == [] and rows(session)[0].last_error == "ATTEMPTS_EXHAUSTED"


def test_no_address_and_unconfigured_channels_are_final(session, factory, keys, settings):
    notice(session, channels=["sms", "email"])
    notice(session, 2, person="b" * 32, channels=["sms"])
    service.set_contact(session, keys, Caller("person", person_key="b" * 32), phone="13800138000", email=None)
    session.commit()
    configured = settings.model_copy(update={"sms_gateway_url": "http://127.0.0.1:9/sms"})
    gateway = Recording()
    channels = {**service.build_channels(factory, keys, configured),
                "sms": Sms(configured.sms_gateway_url, _contacts(factory, keys), post=_ok(gateway))}
    run = service.deliver_due(factory, keys, configured, channels=channels)
    assert (run.delivered, run.undeliverable) == (1, 2)
    assert {(r.channel, r.status) for r in rows(session)} == {("sms", "no_address"), ("email", "unconfigured")}
    assert [r.status for r in rows(session, "b" * 32)] == ["delivered"]
    assert len(gateway.sent) == 1


def _contacts(factory, keys):
    def lookup(person_key: str):
        with factory() as s:
            return service.contact_of(s, keys, person_key)
    return lookup


def _ok(recorder: Recording):
    def post(url: str, body: bytes, headers: dict[str, str]) -> int:
        recorder.sent.append(headers["Idempotency-Key"])
        return 202
    return post


def test_delivered_rows_record_when(session, factory, keys, settings):
    notice(session, channels=["inapp"])
    session.commit()
    at = (utcnow() + timedelta(minutes=1)).replace(microsecond=0)
    service.deliver_due(factory, keys, settings, now=at)
    assert rows(session)[0].delivered_at == at
