"""A PostgreSQL primary with streaming hot standbys of its own, for tests and benchmarks.

Started from Debian's binaries (`/usr/lib/postgresql/15/bin`) as the `postgres` OS user (the
suite runs as root, and PostgreSQL refuses to), in a temporary directory that user owns, on free
ports of 127.0.0.1: the shared server at 5432 and its configuration are never touched.

    primary = Primary.start()
    try:
        standby = primary.add_standby()        # pg_basebackup -R, then pg_ctl start
        engine = create_engine(primary.url("app"))
        ...
        standby.pause_replay(); standby.resume_replay(); primary.wait_caught_up()
    finally:
        primary.stop()                         # the standbys too, and the directory

No pytest here: `bench/` may use it as well. Every server is stopped and its directory removed by
`Primary.stop`, which `atexit` also calls should the caller never get there.
"""

from __future__ import annotations

import atexit
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

BIN = Path(os.environ.get("CHENGXIN_PG_BIN", "/usr/lib/postgresql/15/bin"))
OS_USER = "postgres"
START_SECONDS = 60

# Only for a throw-away test cluster: nothing here must survive a crash of the machine.
CONFIG = """
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
wal_keep_size = '256MB'
hot_standby = on
max_connections = 60
shared_buffers = '64MB'
fsync = off
full_page_writes = off
synchronous_commit = on
wal_receiver_status_interval = '1s'
wal_retrieve_retry_interval = '200ms'
log_min_messages = warning
"""


def available() -> str | None:
    """Why a cluster cannot be started here (in Chinese), or None when it can."""
    missing = [name for name in ("initdb", "pg_ctl", "pg_basebackup", "postgres") if not (BIN / name).is_file()]
    if missing:
        return f"缺少 PostgreSQL 程序 {', '.join(missing)}（{BIN}）/ PostgreSQL binaries missing"
    try:
        pwd.getpwnam(OS_USER)
    except KeyError:
        return f"没有操作系统用户 {OS_USER} / no OS user {OS_USER}"
    if os.geteuid() != 0 and pwd.getpwuid(os.geteuid()).pw_name != OS_USER:
        return "需以 root 或 postgres 用户运行 / must run as root or postgres"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*args: str | Path, check: bool = True,
                 timeout: float = START_SECONDS) -> subprocess.CompletedProcess[str]:
    command = [str(a) for a in args]
    if os.geteuid() == 0:
        command = ["runuser", "-u", OS_USER, "--", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd="/")
    if check and done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} 失败（{done.returncode}）：{done.stdout}{done.stderr}")
    return done


def _lsn(text: str | None) -> int:
    """A PostgreSQL LSN (`16/B374D848`) as a number."""
    if not text:
        return -1
    high, low = str(text).split("/")
    return (int(high, 16) << 32) + int(low, 16)


class Server:
    """One PostgreSQL server of the cluster: its data directory, port and log."""

    def __init__(self, root: Path, name: str, port: int) -> None:
        self.root, self.name, self.port = root, name, port
        self.data = root / name
        self.log = root / f"{name}.log"
        self.running = False

    def url(self, dbname: str = "postgres") -> str:
        """The SQLAlchemy URL of a database on this server (trust authentication, user postgres)."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{dbname}"

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname} connect_timeout=5"

    def query(self, statement: str, dbname: str = "postgres") -> object:
        """Run one statement in autocommit and return the first column of its first row (or None)."""
        with psycopg.connect(self.dsn(dbname), autocommit=True) as conn:
            cur = conn.execute(statement)
            row = cur.fetchone() if cur.description else None
            return row[0] if row else None

    def start(self) -> None:
        _as_postgres(BIN / "pg_ctl", "-D", self.data, "-l", self.log, "-w", "-t", str(START_SECONDS), "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        if self.running:
            _as_postgres(BIN / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)
            self.running = False

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


class Standby(Server):
    """A streaming hot standby of `primary` (made by `Primary.add_standby`)."""

    def __init__(self, primary: Primary, name: str, port: int) -> None:
        super().__init__(primary.root, name, port)
        self.primary = primary

    def replay_lsn(self) -> int:
        return _lsn(self.query("SELECT pg_last_wal_replay_lsn()"))  # type: ignore[arg-type]

    def pause_replay(self) -> None:
        """Stop applying WAL (it is still received): reads see the data as of now."""
        self.query("SELECT pg_wal_replay_pause()")
        deadline = time.monotonic() + START_SECONDS
        while self.query("SELECT pg_get_wal_replay_pause_state()") != "paused":
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} 未能暂停回放")
            time.sleep(0.05)

    def resume_replay(self) -> None:
        self.query("SELECT pg_wal_replay_resume()")

    def wait_caught_up(self, timeout: float = START_SECONDS) -> None:
        """Wait until this standby has replayed all the primary has written until now."""
        target = _lsn(self.primary.query("SELECT pg_current_wal_lsn()"))  # type: ignore[arg-type]
        deadline = time.monotonic() + timeout
        while self.replay_lsn() < target:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} 在 {timeout:.0f} 秒内未追上主库：\n{self.log_tail()}")
            time.sleep(0.05)

    def start(self) -> None:
        super().start()
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                if self.query("SELECT pg_is_in_recovery()") is True:
                    return
            except psycopg.OperationalError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"备库 {self.name} 未能启动：\n{self.log_tail()}")
            time.sleep(0.1)


class Primary(Server):
    """The primary of a test cluster: `Primary.start()`, then `add_standby()`; `stop()` ends all."""

    def __init__(self, root: Path, port: int, owned_root: bool) -> None:
        super().__init__(root, "primary", port)
        self.standbys: list[Standby] = []
        self._owned_root = owned_root
        self._stopped = False

    @classmethod
    def start(cls, dir: Path | str | None = None) -> Primary:  # type: ignore[override]
        """initdb (trust for local and 127.0.0.1 connections, replication included), configure for
        streaming replication and start. `dir` is made (or used) for the cluster, else a temporary one."""
        problem = available()
        if problem:
            raise RuntimeError(problem)
        owned = dir is None
        root = Path(tempfile.mkdtemp(prefix="chengxin-pg-")) if dir is None else Path(dir)
        root.mkdir(parents=True, exist_ok=True)
        user = pwd.getpwnam(OS_USER)
        os.chown(root, user.pw_uid, user.pw_gid)
        root.chmod(0o700)
        primary = cls(root, free_port(), owned)
        atexit.register(primary.stop)
        try:
            _as_postgres(BIN / "initdb", "-D", primary.data, "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                         "--locale=C.UTF-8", "--no-sync", timeout=120)
            with open(primary.data / "postgresql.conf", "a") as conf:
                conf.write(CONFIG.format(port=primary.port, sockets=root))
            Server.start(primary)
        except BaseException:
            primary.stop()
            raise
        return primary

    def add_standby(self) -> Standby:
        """A streaming hot standby: `pg_basebackup -R` from this primary, on a port of its own."""
        standby = Standby(self, f"standby{len(self.standbys) + 1}", free_port())
        self.standbys.append(standby)
        _as_postgres(BIN / "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                     "-D", standby.data, "-R", "-X", "stream", "-c", "fast", "--no-sync", timeout=120)
        with open(standby.data / "postgresql.conf", "a") as conf:  # the last setting wins
            conf.write(f"\nport = {standby.port}\n")
        standby.start()
        return standby

    def wait_caught_up(self, timeout: float = START_SECONDS) -> None:
        """Wait until every running standby has replayed all this primary has written until now."""
        for standby in self.standbys:
            if standby.running:
                standby.wait_caught_up(timeout)

    def stop(self, mode: str = "fast") -> None:  # type: ignore[override]
        """Stop the standbys and the primary and remove the directory (if this made it)."""
        if self._stopped:
            return
        self._stopped = True
        for standby in self.standbys:
            standby.stop("immediate")
        Server.stop(self, "immediate" if mode == "immediate" else mode)
        if self._owned_root:
            shutil.rmtree(self.root, ignore_errors=True)
