"""Time-driven side effects, idempotent: run by `chengxin jobs run` and inside `serve`.

Readers never depend on these having run (statuses are computed at read time);
the jobs only tell others: list-exit events at term end, webhook deliveries,
abnormal-use alerts for auditors, notices to persons and upper-level platforms,
and the sealing of the access log into its Merkle tree with a new signed tree head.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from chengxin.access import sealing
from chengxin.alerts import service as alerts
from chengxin.clock import today, utcnow
from chengxin.crypto import Keys
from chengxin.db import unit_of_work
from chengxin.errors import DomainError
from chengxin.notices import service as notices
from chengxin.settings import Settings, get_settings
from chengxin.signing import Signer, load_signer
from chengxin.watch import service as watch

log = logging.getLogger("chengxin.jobs")


@dataclass
class JobRun:
    expiry_events: int
    delivered: int
    retried: int
    failed: int
    alerts: int = 0  # alerts raised by this run (a rerun over the same windows raises none)
    sealed: int = 0  # access-log entries sealed into the Merkle tree (and a new signed head) by this run
    notices_delivered: int = 0  # notices to persons (and upstream platforms) delivered by this run


def run_once(factory: sessionmaker[Session], keys: Keys, as_of: date | None = None,
             settings: Settings | None = None, signer: Signer | None = None) -> JobRun:
    settings = settings or get_settings()
    with unit_of_work(factory) as session:
        expired = watch.emit_expiries(session, as_of or today())
    run = watch.deliver_due(factory, keys)
    with unit_of_work(factory) as session:
        scanned = alerts.scan(session, utcnow(), settings)
    sent = notices.deliver_due(factory, keys, settings, signer=signer)
    return JobRun(expired, run.delivered, run.retried, run.failed, scanned.raised,
                  _seal(factory, signer, settings), sent.delivered)


def _seal(factory: sessionmaker[Session], signer: Signer | None, settings: Settings) -> int:
    """Seal the access log and sign a new tree head (nothing to seal, nothing signed)."""
    try:
        signer = signer or load_signer(settings)
    except DomainError as err:  # the other jobs still run; the log stays unsealed until keys are set
        log.error("access log not sealed: %s", err.code)
        return 0
    return sealing.seal_all(factory, signer).sealed


def start_background(factory: sessionmaker[Session], keys: Keys, every: float) -> threading.Event:
    """Run the jobs every `every` seconds in a daemon thread; set the event to stop."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(every):
            try:
                run_once(factory, keys)
            except Exception as exc:  # keep the loop alive; the next run retries
                log.error("jobs failed: %s", type(exc).__name__)

    threading.Thread(target=loop, name="chengxin-jobs", daemon=True).start()
    return stop
