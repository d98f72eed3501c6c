"""Read replicas: PostgreSQL hot standbys serving the reads that tolerate a little lag.

Set-up: `replica_urls` lists streaming standbys of the primary (`pg_basebackup -R`). Each gets an
engine with a small pool of its own (`replica_pool_size`, `replica_max_overflow`). A monitor
thread per process (`ReplicaSet.start`) samples, every `replica_check_seconds`, the primary's WAL
position (`pg_current_wal_lsn()`) and then each standby's replay position. A standby's lag is the
age of the newest primary sample it has replayed: that stays right when the primary is idle (the age of the last
replayed transaction, `pg_last_xact_replay_timestamp`, would grow for ever there) and when it is
busy. The lag is measured when a request is routed (`now - replayed_at`), so a monitor that stalls
makes its standbys look older, never younger.

What goes where (`chengxin.deps.get_session`):
- A route declared `@lag_tolerant` (in `chengxin.deps`, beside `writes`/`reads_only`) whose
  transaction only reads goes to a healthy standby, in turn: reachable, still in recovery, and
  lagging at most `replica_max_lag_seconds`; and only to one that has replayed the caller's own
  last write (below). Otherwise, and for every other route, to the primary. A standby that is
  unreachable or lags beyond the bound is skipped, never an error for the user, and used again
  once it answers and has caught up. The session's connection is taken before the endpoint runs,
  so a standby that went away since the last check sends that request to the primary too.
- The routes declared lag-tolerant read only what the public may read (a few seconds late is
  no harm there, and they take most of a province's traffic): the home page and its figures, the
  public records and lists pages, the public disclosure API, published articles, the access log's
  signed tree head. The catalog and measure pages and API read the in-force editions kept in the
  process and no table.
- File views (`POST /api/v1/files/query`, `GET /api/v1/persons/{key}/file`, `GET /api/v1/me/file`,
  the pages `/me/file` and `/console/lists/{entry}/file`) are declared `@writes` and `@lag_tolerant`:
  the file is read on a standby (`deps.StandbyDep`), the access-log entry is written on the primary
  in the request's own transaction, which commits before the answer is sent. So no file leaves
  without its entry, and a file that cannot be built logs nothing, as when both were one
  transaction. Their only write is that entry, which no lag-tolerant route shows: it does not send
  the caller to the primary for the next reads.
- Batch checks (`POST /api/v1/checks/batch` and the clerk's batch page): each chunk is read and
  decided on a standby that may serve the caller (`StandbyReads`, asked again for every chunk), and
  its checks, hits and access-log entries are committed on the primary before its answers leave.
  A chunk no standby may serve, or whose read there fails, is read on the primary.
- Issuing a report (the person's own, at a counter, a third party's by grant) composes its content
  on a standby (`StandbyDep`); the number, the limits, the grant, the register and the access-log
  entry are read and written on the primary (a standby a few seconds behind would hand out a
  number already taken).
- On the primary, always: single checks (the read that decides and its access-log entry are one
  statement of the group commit, `checks/writer.py`: one round trip, where a standby would add a
  second to every check), credential and report
  verification (a revoked credential or a withdrawn report must be seen so at once), authorised
  third-party queries (a revoked grant must stop them at once), and every console and personal
  page not listed above.
- Writes, and any route not declared, go to the primary. Read-your-own-writes: after a request
  that may have written (a writing transaction, or any unsafe method: uploads and batch checks
  commit units of work of their own), the primary's WAL position is remembered for the
  caller, in a cookie (`cx_lsn`, browsers and API clients that keep cookies, across processes)
  and in this process for the credential (an API token, a sign-in session). That caller is sent
  to a standby only once its replay position has passed it. The cookie lives as long as the lag
  bound and two checks: by then any standby within the bound has replayed the write.

Shown: `/healthz` lists each standby (by number, never its address) with its lag, whether it is
in use and how many requests it served; `chengxin replicas status` prints the same in Chinese.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

LSN_COOKIE = "cx_lsn"
# Headers a request's dependencies add to its answer once the answer is made (the session's end
# runs after the endpoint has built the response): `web.security.SecurityHeaders` sends them.
EXTRA_HEADERS = "chengxin.extra_headers"
CONNECT_TIMEOUT_SECONDS = 2  # a standby that does not answer by then is taken as gone
POOL_WAIT_SECONDS = 1.0  # a request waits this long for a standby's pooled connection, then reads on the primary
SAMPLES_KEPT = 4096  # primary samples kept: a standby behind all of them is "far behind"
REMEMBERED_CALLERS = 100_000  # credentials whose last write this process remembers
# The primary's WAL write position. After a commit returns it is past the commit's record
# (synchronous_commit is on: the platform never turns it off), and a standby can replay up to it
# exactly. (The insert position is not that: at the start of a page it points past the page header,
# where no standby's replay position ever stops.)
PRIMARY_LSN = "SELECT pg_current_wal_lsn()"
STANDBY_STATE = "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()"


def parse_lsn(value: object) -> int | None:
    """A PostgreSQL LSN (`16/B374D848`) as a number, or None."""
    if value is None:
        return None
    try:
        high, low = str(value).split("/")
        return (int(high, 16) << 32) + int(low, 16)
    except ValueError:
        return None


def split_urls(urls: str) -> list[str]:
    return [u.strip() for u in urls.split(",") if u.strip()]


def _psycopg_url(url: str) -> str:
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


@dataclass
class Replica:
    """One standby: its engine and what the last check saw."""

    number: int
    engine: Engine
    sessions: sessionmaker[Session]
    replay_lsn: int = -1
    replayed_at: float | None = None  # monotonic time of the newest primary sample it has replayed
    problem: str | None = "unchecked"  # unchecked, unreachable, not_standby, far_behind; None when well
    checked_at: float | None = None
    reads: int = 0  # requests this process sent it
    errors: int = 0  # requests that could not reach it and went to the primary

    @property
    def name(self) -> str:
        return f"standby{self.number}"


@dataclass
class ReplicaSet:
    """The standbys of one process and the monitor that keeps their lag."""

    primary: Engine
    replicas: list[Replica]
    max_lag: float
    interval: float
    now: Callable[[], float] = time.monotonic
    samples: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=SAMPLES_KEPT))
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _turn: int = 0
    _written: OrderedDict[str, int] = field(default_factory=OrderedDict)
    _written_lock: threading.Lock = field(default_factory=threading.Lock)
    counting: threading.Lock = field(default_factory=threading.Lock)  # the replicas' request counts
    _checking: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def from_settings(cls, settings: Any, primary: Engine) -> ReplicaSet | None:
        urls = split_urls(settings.replica_urls)
        if not urls:
            return None
        if primary.dialect.name != "postgresql":
            raise ValueError("只读备库（replica_urls）仅用于 PostgreSQL 主库")
        replicas = []
        for number, url in enumerate(urls, start=1):
            engine = create_engine(_psycopg_url(url), pool_pre_ping=True, pool_size=settings.replica_pool_size,
                                   max_overflow=settings.replica_max_overflow, pool_timeout=POOL_WAIT_SECONDS,
                                   connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
            replicas.append(Replica(number, engine, sessionmaker(engine, expire_on_commit=False)))
        return cls(primary, replicas, settings.replica_max_lag_seconds, settings.replica_check_seconds)

    # The monitor.

    def check(self) -> None:
        """One round: sample the primary, then each standby (so that a standby that is caught up
        has replayed the sample just taken). One round at a time (the thread, the CLI, a test)."""
        with self._checking:
            self._check()

    def _check(self) -> None:
        try:
            with self.primary.connect() as conn:
                lsn = parse_lsn(conn.exec_driver_sql(PRIMARY_LSN).scalar())
            if lsn is not None:
                self.sampled(lsn)
        except Exception as exc:  # the primary's own trouble shows elsewhere; standbys age meanwhile
            log.warning("replica monitor: primary not sampled: %s", type(exc).__name__)
        for replica in self.replicas:
            self._check_replica(replica)

    def _check_replica(self, replica: Replica) -> None:
        try:
            with replica.engine.connect() as conn:
                recovering, replayed = conn.exec_driver_sql(STANDBY_STATE).one()
        except Exception as exc:
            if replica.problem != "unreachable":
                log.warning("%s unreachable: %s", replica.name, type(exc).__name__)
            replica.problem = "unreachable"
            replica.engine.dispose()  # its pooled connections are dead: the next use reconnects
            replica.checked_at = self.now()
            return
        self.observe(replica, recovering, replayed)

    def observe(self, replica: Replica, recovering: bool, replayed: object) -> None:
        """What a check of the standby saw: whether it is in recovery, and its replay position."""
        replica.checked_at = self.now()
        lsn = parse_lsn(replayed)
        if not recovering or lsn is None:
            replica.problem = "not_standby"  # promoted, or never a standby: not ours to read from
            return
        replica.replay_lsn = max(replica.replay_lsn, lsn)
        at = self.replayed_sample(replica.replay_lsn)
        if at is not None:
            replica.replayed_at = at if replica.replayed_at is None else max(replica.replayed_at, at)
        replica.problem = None if replica.replayed_at is not None else "far_behind"

    def sampled(self, lsn: int) -> None:
        """The primary's WAL position, seen now."""
        self.samples.append((self.now(), lsn))

    def replayed_sample(self, lsn: int) -> float | None:
        """The time of the newest primary sample at or before `lsn`."""
        for at, sampled in reversed(self.samples):
            if sampled <= lsn:
                return at
        return None

    def start(self) -> None:
        """The monitor thread (a daemon): one round now, then one every interval."""
        if self._thread is not None:
            return
        self.check()
        self._thread = threading.Thread(target=self._run, name="replica-monitor", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.check()
            except Exception:  # pragma: no cover - the monitor must outlive any one round
                log.exception("replica monitor round failed")

    def measure(self) -> None:
        """Check until every reachable standby has replayed a sample or the bound has passed (the CLI:
        a process that has just started has no history of samples)."""
        deadline = self.now() + self.max_lag + self.interval
        self.check()
        while self.now() < deadline and any(r.problem == "far_behind" for r in self.replicas):
            time.sleep(min(self.interval, 0.1))
            self.check()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        for replica in self.replicas:
            replica.engine.dispose()

    # Routing.

    def lag(self, replica: Replica) -> float | None:
        """Seconds the standby is behind, at most (None: unknown, unreachable or far behind)."""
        if replica.problem is not None or replica.replayed_at is None:
            return None
        return max(0.0, self.now() - replica.replayed_at)

    def usable(self, replica: Replica, after_lsn: int = 0) -> bool:
        lag = self.lag(replica)
        return lag is not None and lag <= self.max_lag and replica.replay_lsn >= after_lsn

    def choose(self, after_lsn: int = 0) -> Replica | None:
        """A standby within the bound that has replayed `after_lsn`, in turn; None: the primary."""
        count = len(self.replicas)
        for step in range(count):
            replica = self.replicas[(self._turn + step) % count]
            if self.usable(replica, after_lsn):
                self._turn = (self._turn + step + 1) % count
                return replica
        return None

    def failed(self, replica: Replica) -> None:
        """A request could not reach the standby: skip it until the monitor sees it well again."""
        with self.counting:
            replica.errors += 1
        replica.problem = "unreachable"

    # Read-your-own-writes.

    def primary_lsn(self) -> int | None:
        """The primary's WAL position now: past every transaction committed before."""
        with self.primary.connect() as conn:
            return parse_lsn(conn.exec_driver_sql(PRIMARY_LSN).scalar())

    def remember(self, credential: str | None, lsn: int) -> None:
        if not credential:
            return
        key = _credential_key(credential)
        with self._written_lock:
            self._written[key] = max(lsn, self._written.get(key, 0))
            self._written.move_to_end(key)
            while len(self._written) > REMEMBERED_CALLERS:
                self._written.popitem(last=False)

    def written(self, credentials: Iterable[str | None]) -> int:
        """The last write this process remembers for any of the caller's credentials (0: none)."""
        found = 0
        for credential in credentials:
            if credential:
                found = max(found, self._written.get(_credential_key(credential), 0))
        return found

    def cookie_seconds(self) -> int:
        """How long the caller's write must steer its reads: by then any standby within the bound has it."""
        return math.ceil(self.max_lag + 2 * self.interval) + 1

    # Shown.

    def status(self) -> list[dict[str, Any]]:
        """Each standby's state, for /healthz and the CLI (no host names, no passwords)."""
        out = []
        for replica in self.replicas:
            lag = self.lag(replica)
            out.append({"name": replica.name, "in_use": self.usable(replica),
                        "lag_seconds": None if lag is None else round(lag, 3),
                        "problem": replica.problem if replica.problem else ("lagging" if not self.usable(replica)
                                                                            else None),
                        "reads": replica.reads, "fallbacks": replica.errors})
        return out


def _credential_key(credential: str) -> str:
    return hashlib.sha256(credential.encode()).hexdigest()[:32]


PROBLEM_LABELS = {
    "unchecked": "尚未检查",
    "unreachable": "无法连接",
    "not_standby": "不是热备库（未处于恢复状态）",
    "far_behind": "落后过多或尚未追上",
    "lagging": "延迟超过上限",
}


def status_lines(status: list[dict[str, Any]], max_lag: float, *, reads: bool = True) -> list[str]:
    """The standbys' state in Chinese, one line each (the CLI; `reads`: what this process sent them)."""
    if not status:
        return ["未配置只读备库（replica_urls 为空）：全部读写走主库。"]
    lines = []
    for row in status:
        lag = "未知" if row["lag_seconds"] is None else f"{row['lag_seconds']:.1f} 秒"
        why = PROBLEM_LABELS.get(row["problem"] or "", row["problem"])
        use = "使用中" if row["in_use"] else f"未使用，读取改走主库（{why}）"
        line = f"备库 {row['name']}：{use}；延迟 {lag}（上限 {max_lag:g} 秒）"
        if reads:
            line += f"；本进程已分流 {row['reads']} 次请求"
        lines.append(line)
    return lines


def read_session(request: Any, replicas: ReplicaSet, reading: Callable[[sessionmaker[Session]], Session],
                 ) -> tuple[Session, Replica] | None:
    """A reading session on a standby for this request, connected (on a worker thread), or None
    when no standby may serve it; a standby that cannot be reached is skipped for the next ones."""
    return standby_session(replicas, caller_lsn(request, replicas), reading)


def caller_lsn(request: Any, replicas: ReplicaSet) -> int:
    """The position a standby must have replayed to serve this caller: its own last write."""
    return max(cookie_lsn(request), replicas.written(credentials(request)))


@dataclass
class StandbyReads:
    """Standby sessions for the reads of a long request, one per unit of work (a batch check reads
    and decides chunk by chunk, and records each chunk on the primary). Each unit asks again, so a
    standby that falls behind the bound or goes away during the request is left for the next one."""

    replicas: ReplicaSet
    after: int  # the caller's own last write (`caller_lsn`)
    reading: Callable[[sessionmaker[Session]], Session]

    def session(self) -> tuple[Session, Replica] | None:
        return standby_session(self.replicas, self.after, self.reading)

    def failed(self, replica: Replica) -> None:
        """A read on `replica` failed: skip it until the monitor sees it well again."""
        log.warning("%s failed during a read; reading on the primary", replica.name)
        self.replicas.failed(replica)


def standby_reads(request: Any) -> StandbyReads | None:
    """`StandbyReads` for this request's caller when read replicas are configured, else None."""
    from chengxin.db import reading

    replicas: ReplicaSet | None = getattr(request.app.state, "replicas", None)
    return None if replicas is None else StandbyReads(replicas, caller_lsn(request, replicas), reading)


def standby_session(replicas: ReplicaSet, after: int, reading: Callable[[sessionmaker[Session]], Session],
                    ) -> tuple[Session, Replica] | None:
    """A connected reading session on a usable standby that has replayed `after`, or None."""
    while (replica := replicas.choose(after)) is not None:
        session = reading(replica.sessions)
        try:
            session.connection()
        except PoolTimeout:  # its pool is busy: this request reads on the primary
            session.close()
            return None
        except Exception as exc:
            session.close()
            log.warning("%s not reachable for a request: %s", replica.name, type(exc).__name__)
            replicas.failed(replica)
            continue
        with replicas.counting:
            replica.reads += 1
        return session, replica
    return None


def cookie_lsn(request: Any) -> int:
    value = request.cookies.get(LSN_COOKIE)
    try:
        return int(value, 16) if value else 0
    except ValueError:
        return 0


def credentials(request: Any) -> list[str | None]:
    from chengxin.accounts.auth import SESSION_COOKIE

    return [request.headers.get("authorization"), request.cookies.get(SESSION_COOKIE)]


def lsn_cookie(lsn: int, max_age: int, secure: bool) -> tuple[bytes, bytes]:
    """The Set-Cookie header remembering the caller's last write."""
    value = f"{LSN_COOKIE}={lsn:x}; Max-Age={max_age}; Path=/; HttpOnly; SameSite=Lax" + ("; Secure" if secure else "")
    return b"set-cookie", value.encode()
