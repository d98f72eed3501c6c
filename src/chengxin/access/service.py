"""The single choke point for reads of personal data.

Every endpoint or job that reads a person's data calls `log_reads` in the same
transaction as the read, so the read and its log entry commit or fail together.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from chengxin.access import repository as repo
from chengxin.callers import Caller
from chengxin.clock import utcnow
from chengxin.db import insert_from_json, sqlite_insert_many
from chengxin.errors import DomainError, NotFound

ACTIONS = {
    "file": "查询信用档案",
    "check": "联合奖惩核查",
    "batch_check": "批量核查",
    "organisation": "查看组织责任人",
    "report": "信用报告",
    "export": "导出",
    "own_view": "本人查询",
    "authorised_query": "经本人授权的第三方查询",
    "report_verify": "信用报告核验",
    "objection": "异议处理",
    "repair": "信用修复审核",
    "list": "名单管理",
    "conflict": "信息冲突核实",
    "registry_verify": "户籍信息核验",
    "credential_check": "信用凭证核验",
    "exchange_query": "跨区域查询（互查）",
    "roster": "职业信用档案",
}


@dataclass(frozen=True, slots=True)
class Read:
    """One subject read in a request: whose data, with what result and reference."""

    subject_key: str
    result: str
    ref_id: str | None = None


def log_reads(
    session: Session, caller: Caller, action: str, reads: Sequence[Read] | Iterable[Read], *,
    purpose: str | None = None, basis: str | None = None, business_ref: str | None = None,
    at: datetime | None = None,
) -> int:
    """Append one access-log entry per read, in the caller's transaction; returns the count."""
    rows = entry_rows(caller, action, reads, purpose=purpose, basis=basis, business_ref=business_ref, at=at)
    together = session.info.get(_TOGETHER)
    if together is not None:
        together.extend(rows)  # written by `logging_together` at the end of its block
    elif rows:
        _insert(session, rows)
    return len(rows)


def entry_rows(
    caller: Caller, action: str, reads: Sequence[Read] | Iterable[Read], *,
    purpose: str | None = None, basis: str | None = None, business_ref: str | None = None,
    at: datetime | None = None,
) -> list[tuple[Any, ...]]:
    """The access-log rows (COLUMNS order) of some reads, as `log_reads` appends them."""
    if action not in ACTIONS:
        raise ValueError(f"unknown access action {action!r}")
    moment = at or utcnow()
    role, department, org, account = caller.role, caller.department_code, caller.org_uscc, caller.account_id
    return [(moment, role, department, org, account, r.subject_key, action, purpose, basis, business_ref, r.ref_id,
             r.result) for r in reads]


def insert_from_json_sql(source: str) -> str:
    """PostgreSQL: the INSERT of `entry_rows` given as JSON arrays (`db.json_rows`) at `source`,
    for a statement that writes the entries together with the rows they log (one round trip,
    one parameter): the group writer of checks."""
    return insert_from_json("access_log", COLUMNS, source)


_TOGETHER = "chengxin.access.together"


@contextmanager
def logging_together(session: Session) -> Iterator[None]:
    """Within the block, the entries `log_reads` appends on `session` are written in one statement
    when the block ends, still in the session's transaction (the block is part of it: an error in
    it writes nothing). For callers that log many reads of different requests at once, such as the
    group commit of single checks, where one insert per entry would cost more than the entry."""
    if session.info.get(_TOGETHER) is not None:
        yield  # already inside such a block: its end writes them
        return
    rows: list[tuple[Any, ...]] = []
    session.info[_TOGETHER] = rows
    try:
        yield
    finally:
        del session.info[_TOGETHER]
    if rows:
        _insert_mixed(session, rows)


def _insert_mixed(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Append rows (COLUMNS order) that need not share anything, in one `executemany`."""
    conn = session.connection().connection.driver_connection
    sql = f"INSERT INTO access_log ({', '.join(COLUMNS)}) VALUES "
    if session.get_bind().dialect.name == "postgresql":
        with conn.cursor() as cur:
            cur.executemany(sql + f"({', '.join(['%s'] * len(COLUMNS))})", rows)
        return
    texts: dict[datetime, str] = {}  # the rows of a group share their time: format it once
    for row in rows:
        if row[0] not in texts:
            texts[row[0]] = row[0].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    sqlite_insert_many(conn, "access_log", COLUMNS, ((texts[row[0]], *row[1:]) for row in rows))


COLUMNS = ("at", "actor_role", "actor_department", "actor_org", "actor_account", "subject_key", "action",
           "purpose", "basis", "business_ref", "ref_id", "result")
COPY_MIN_ROWS = 64  # from this many rows COPY beats executemany on PostgreSQL


_NAMES = ", ".join(COLUMNS)
_INSERT_PG = f"INSERT INTO access_log ({_NAMES}) VALUES ({', '.join(['%s'] * len(COLUMNS))})"
_INSERT_SQLITE = f"INSERT INTO access_log ({_NAMES}) VALUES ({', '.join('?' * len(COLUMNS))})"
_COPY = f"COPY access_log ({_NAMES}) FROM STDIN"


def _insert(session: Session, rows: list[tuple[Any, ...]]) -> None:
    """Append rows (COLUMNS order) on the driver connection of the session's transaction: the
    log is written on every read, so it skips the ORM's per-statement work. On PostgreSQL many
    rows go by COPY (unless the caller has the connection in pipeline mode, where a few
    statements share one round trip); on SQLite the time goes in the text form SQLAlchemy uses."""
    conn = session.connection().connection.driver_connection
    if session.get_bind().dialect.name == "postgresql":
        if len(rows) >= COPY_MIN_ROWS and not conn.pgconn.pipeline_status:
            with conn.cursor() as cur, cur.copy(_COPY) as copy:
                for i in range(0, len(rows), 2000):  # in pieces, so the server parses while we write
                    copy.write(_copy_text(rows[i : i + 2000]))
            return
        with conn.cursor() as cur:
            if len(rows) == 1:
                cur.execute(_INSERT_PG, rows[0])
                return
            cur.executemany(_INSERT_PG, rows)
        return
    at = rows[0][0].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")  # one moment per call
    if len(rows) == 1:
        conn.execute(_INSERT_SQLITE, (at, *rows[0][1:]))
        return
    sqlite_insert_many(conn, "access_log", COLUMNS, ((at, *row[1:]) for row in rows))


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _copy_value(value: Any) -> str:
    """A value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).translate(_COPY_ESCAPES)


def _copy_text(rows: list[tuple[Any, ...]]) -> str:
    """Rows as COPY text. The rows of a call share all columns but the subject, reference and
    result (they are made so by `log_reads`, the only caller), so the rest is written once."""
    first = rows[0]
    head = "\t".join(_copy_value(v) for v in first[:5]) + "\t"
    middle = "\t" + "\t".join(_copy_value(v) for v in first[6:10]) + "\t"
    return "".join([f"{head}{_copy_str(key)}{middle}{_NULL if ref is None else _copy_str(ref)}\t{_copy_str(result)}\n"
                    for _, _, _, _, _, key, _, _, _, _, ref, result in rows])


_NULL = "\\N"


def _copy_str(text: str) -> str:
    return text if text.isalnum() else text.translate(_COPY_ESCAPES)  # keys and ids need no escape


# --- reading the log: the person's history, the auditors' search ------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    items: list[repo.Listed]
    next_before: int | None


def _page(rows: list[Any], limit: int) -> Page:
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].entry.seq if more and rows else None)


def _own_keys(session: Session, caller: Caller) -> tuple[str, ...]:
    """The caller's subject key and the keys they had before a re-key of the hash secret: the
    log is never rewritten, so older entries keep the key of their day."""
    from chengxin.keyring.repository import aliases_of

    if caller.person_key is None:
        raise DomainError("AUTH_PERSON_REQUIRED", "此操作需要以本人身份登录", 403)
    return (caller.person_key, *aliases_of(session, [caller.person_key])[caller.person_key])


def own_accesses(session: Session, caller: Caller, *, limit: int = 50, before: int | None = None) -> Page:
    """Who read the caller's own data, newest first (a person's "who looked at my file")."""
    rows = repo.search(session, repo.Search(subject_keys=_own_keys(session, caller), before=before), limit + 1)
    return _page(rows, limit)


def search_log(session: Session, where: repo.Search, *, limit: int = 100) -> Page:
    """Auditors' search over the log, newest first."""
    return _page(repo.search(session, where, limit + 1), limit)


def own_entry(session: Session, caller: Caller, seq: int) -> None:
    """Refuse, as not found, an entry that is not about the caller (a person's proof request)."""
    if repo.entry_of(session, seq, _own_keys(session, caller)) is None:
        raise NotFound("ACCESS_ENTRY_NOT_FOUND", "查询记录不存在")
