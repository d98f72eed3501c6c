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

from chengxin.access import partitions, sealing
from chengxin.alerts import service as alerts
from chengxin.checks import repository as checks_repo
from chengxin.clock import today, utcnow
from chengxin.crypto import Keys
from chengxin.db import refresh_statistics, unit_of_work
from chengxin.departments import repository as departments_repo
from chengxin.editions import service as editions
from chengxin.errors import DomainError
from chengxin.matters import service as matters
from chengxin.notices import service as notices
from chengxin.objections import service as objections
from chengxin.points import grading
from chengxin.publicity import service as publicity
from chengxin.publicity.rules import default_tiers
from chengxin.records import repository as records_repo
from chengxin.records.imports import interrupt_abandoned_imports
from chengxin.repairs import service as repairs
from chengxin.retention import service as retention
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
    collection_notices: int = 0  # "两书同达": negative records collected since the last run, told
    publicity_ended: int = 0  # records whose publicity ended since the last run, told
    objections_escalated: int = 0  # open objections past their deadline sent to the credit office
    repairs_overdue: int = 0  # repair applications past their acceptance or decision deadline
    imports_interrupted: int = 0  # batches left running by a process that is gone, marked interrupted
    rejected_rows_deleted: int = 0  # refused rows of uploads past CHENGXIN_REJECTED_ROWS_DAYS, deleted
    check_results_deleted: int = 0  # batch-check result files past CHENGXIN_CHECK_RESULTS_DAYS, deleted
    retention_purged: int = 0  # negative matters past retention (or repaired, where so set), deleted once a day
    log_partitions: int = 0  # access-log partitions created ahead of the sequence (PostgreSQL)
    points_runs: int = 0  # the office's grade computations run (queued from its points page)


def run_once(factory: sessionmaker[Session], keys: Keys, as_of: date | None = None,
             settings: Settings | None = None, signer: Signer | None = None) -> JobRun:
    settings = settings or get_settings()
    interrupted = len(interrupt_abandoned_imports(factory, settings))
    with unit_of_work(factory) as session:
        expired = matters.emit_term_ends(session, as_of or today())
    run = watch.deliver_due(factory, keys)
    with unit_of_work(factory) as session:
        scanned = alerts.scan(session, utcnow(), settings)
    cases = _cases(factory, as_of or today(), settings)
    sent = notices.deliver_due(factory, keys, settings, signer=signer)
    with unit_of_work(factory) as session:
        now = utcnow()
        rejected = records_repo.purge_rejected(session, now)
        results = checks_repo.purge_batch_results(session, now)
    # Before sealing: the purge never touches the access log, and this run's seal covers what it read.
    purged = _purge(factory, settings, as_of or today())
    with unit_of_work(factory) as session:  # the planner's statistics follow the data (SQLite)
        refresh_statistics(session.connection())
    made = _partitions(factory)
    graded = _points(factory)
    return JobRun(expired, run.delivered, run.retried, run.failed, scanned.raised,
                  _seal(factory, signer, settings), sent.delivered, *cases, imports_interrupted=interrupted,
                  rejected_rows_deleted=rejected, check_results_deleted=results, retention_purged=purged,
                  log_partitions=made, points_runs=graded)


def _cases(factory: sessionmaker[Session], on: date, settings: Settings) -> tuple[int, int, int, int]:
    """Publicity notices, overdue objections and repairs: each in its own transaction."""
    tiers = default_tiers()
    with unit_of_work(factory) as session:
        catalog, _ = editions.current(session)
        departments = departments_repo.names(session)
        collected = publicity.notify_collected(session, catalog, tiers, departments, settings=settings)
    with unit_of_work(factory) as session:
        ended = publicity.notify_ended(session, catalog, tiers, on, settings=settings)
    with unit_of_work(factory) as session:
        escalated = objections.escalate_overdue(session, on)
    with unit_of_work(factory) as session:
        overdue = repairs.flag_overdue(session, on)
    return collected, ended, escalated, overdue


def _purge(factory: sessionmaker[Session], settings: Settings, on: date) -> int:
    """The daily retention purge; a failure is logged and leaves the other jobs running (the batches
    already committed stay done; tomorrow's run, or the next, takes up the rest)."""
    try:
        return retention.daily(factory, settings, on)
    except Exception as exc:
        log.error("到期删除失败：%s", type(exc).__name__)
        return 0


def _points(factory: sessionmaker[Session]) -> int:
    """Queued grade computations, against the catalog in force (a run may take a while: last)."""
    with factory() as session:
        _, catalog_text = editions.text_in_force(session, "catalog")
    return grading.run_queued(factory, catalog_text, default_tiers())


def _partitions(factory: sessionmaker[Session]) -> int:
    """The access log's next partitions (PostgreSQL); a failure (a lock not granted in time) is
    logged and left to the next run: partitions are kept two ahead, and the DEFAULT one takes
    any insert meanwhile."""
    try:
        return partitions.ensure_all(factory).created
    except Exception as exc:
        log.error("查询日志分区未能预建：%s", type(exc).__name__)
        return 0


def _seal(factory: sessionmaker[Session], signer: Signer | None, settings: Settings) -> int:
    """Seal the access log and sign a new tree head (nothing to seal, nothing signed)."""
    try:
        signer = signer or load_signer(settings)
    except DomainError as err:  # the other jobs still run; /healthz reports the log unsealed
        log.error("查询日志未封存：%s（%s）", err.message, err.code)
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
