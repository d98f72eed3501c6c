"""Request-scoped dependencies: the session (the request owns the transaction) and friends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

from anyio import CancelScope, CapacityLimiter, to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from chengxin.accounts.auth import secure_cookies
from chengxin.catalog.rules import Catalog
from chengxin.crypto import Keys
from chengxin.db import reading, writing
from chengxin.replicas import EXTRA_HEADERS, ReplicaSet, credentials, lsn_cookie, read_session
from chengxin.settings import Settings
from chengxin.signing import Signer, load_signer

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_WRITES = "__chengxin_writes__"  # an endpoint's declaration (`writes`, `reads_only`)
_LAG_TOLERANT = "__chengxin_lag_tolerant__"  # an endpoint's declaration (`lag_tolerant`)

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def writes(endpoint: Endpoint) -> Endpoint:
    """Declare that a route's transaction writes although its method is safe (a GET whose read
    of personal data is logged in the same transaction): on SQLite it takes the write lock first."""
    setattr(endpoint, _WRITES, True)
    return endpoint


def reads_only(endpoint: Endpoint) -> Endpoint:
    """Declare that a route's own transaction only reads although its method is unsafe (a POST
    that looks something up, or whose writes are units of work of their own), so that it does
    not wait for the write lock nor hold it from other requests."""
    setattr(endpoint, _WRITES, False)
    return endpoint


def lag_tolerant(endpoint: Endpoint) -> Endpoint:
    """Declare that a route reads only what may be a few seconds old (public pages and API): with
    read replicas configured its reading transaction may run on a hot standby within the lag bound
    (`chengxin.replicas`, whose docstring lists the routes and why). A writing route stays on the primary."""
    setattr(endpoint, _LAG_TOLERANT, True)
    return endpoint


def request_lag_tolerant(request: Request) -> bool:
    return getattr(request.scope.get("endpoint"), _LAG_TOLERANT, False)


def request_writes(request: Request) -> bool:
    """Whether the request's transaction will write: as its route declares, else by its method."""
    declared = getattr(request.scope.get("endpoint"), _WRITES, None)
    return request.method not in SAFE_METHODS if declared is None else declared


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request, committed before the response is sent (what
    `chengxin.db.unit_of_work` does at other boundaries). A request that will write
    (`request_writes`) takes the write lock first on SQLite; one that reads stays concurrent.

    Waiting for a lock (SQLite's one writer, a row another request has changed on PostgreSQL)
    must never take every worker thread: the request that holds the lock needs one more before it
    commits (FastAPI validates a sync endpoint's answer on a pooled thread before this dependency
    ends, fastapi#12066), and all would wait out the busy timeout, or for ever. So only so many
    writing requests run at once (`_writers`); the others wait here, on the event loop, holding
    no thread and no connection, and go in the order they came.
    The commit runs on a thread outside the pool for the same reason, as FastAPI ends a sync
    dependency. The session is made on the loop (it connects on first use) and must not be used
    there (an `async def` endpoint hands its database work to a thread): waiting on the loop for
    the write lock would stop the very request that holds it.
    """
    state = request.app.state
    writes = request_writes(request)
    replicas: ReplicaSet | None = getattr(state, "replicas", None)
    if replicas is not None and not writes and request_lag_tolerant(request):
        # Connecting to a standby may wait (or fail, and go on to the next): on a thread.
        chosen = await to_thread.run_sync(read_session, request, replicas, reading)
        if chosen is not None:
            try:
                yield chosen[0]
            finally:
                await _finish(chosen[0], commit=False)  # it only read
            return
    gate = _writers(state) if writes else None
    if gate is not None:
        await gate.acquire()
    try:
        session: Session = writing(state.sessionmaker) if writes else reading(state.sessionmaker)
        try:
            yield session
        except BaseException:
            await _finish(session, commit=False)
            raise
        await _finish(session, commit=True)
    finally:
        if gate is not None:
            gate.release()
        if replicas is not None:  # also after a failure: a unit of work of its own may have committed
            await _remember_write(request, replicas, writes)


async def get_standby_session(request: Request) -> AsyncIterator[Session | None]:
    """For a route declared both `@writes` and `@lag_tolerant`: a reading session on a standby
    within the lag bound, for the reads, while its writes (the access-log entries of a file view)
    go to the primary through `get_session` and are committed before the answer is sent; None
    when no standby may serve the request (then the route reads on its own session)."""
    replicas: ReplicaSet | None = getattr(request.app.state, "replicas", None)
    if replicas is None or not request_lag_tolerant(request):
        yield None
        return
    chosen = await to_thread.run_sync(read_session, request, replicas, reading)
    if chosen is None:
        yield None
        return
    try:
        yield chosen[0]
    finally:
        await _finish(chosen[0], commit=False)


async def _remember_write(request: Request, replicas: ReplicaSet, writes: bool) -> None:
    """Read-your-own-writes: after a request that may have written (a writing transaction, or an
    unsafe method whose units of work committed on their own), remember the primary's WAL position
    for the caller (a cookie, and this process's memory of the credential): its lag-tolerant reads
    go to a standby only once it has replayed that far (`chengxin.replicas`). A lag-tolerant route
    that writes (a file view) writes only its access-log entries, which no lag-tolerant read shows:
    it does not send its caller to the primary for the next reads."""
    if not (writes or request.method not in SAFE_METHODS) or request_lag_tolerant(request):
        return
    with CancelScope(shield=True):
        try:
            lsn = await to_thread.run_sync(replicas.primary_lsn, limiter=CapacityLimiter(1))
        except Exception:  # the primary is the request's own trouble: nothing to remember
            return
    if lsn is None:
        return
    for credential in credentials(request):
        replicas.remember(credential, lsn)
    request.scope.setdefault(EXTRA_HEADERS, []).append(
        lsn_cookie(lsn, replicas.cookie_seconds(), secure_cookies(request)))


WRITERS_SHARE = 4  # one writing request at a time for every this many worker threads


def _writers(state: Any) -> CapacityLimiter:
    """The app's limit on writing requests under way at once: a share of the worker threads."""
    gate = getattr(state, "writers", None)
    if gate is None:
        threads = to_thread.current_default_thread_limiter().total_tokens
        gate = state.writers = CapacityLimiter(max(1, int(threads) // WRITERS_SHARE))
    return gate


async def _finish(session: Session, *, commit: bool) -> None:
    if not _used(session):
        session.close()
        return
    with CancelScope(shield=True):  # a client going away must not cut a commit short
        await to_thread.run_sync(_end, session, commit, limiter=CapacityLimiter(1))


def _end(session: Session, commit: bool) -> None:
    try:
        if commit:
            session.commit()
    finally:
        session.close()  # rolls back whatever was not committed


def _used(session: Session) -> bool:
    return session.in_transaction() or bool(session.new or session.dirty or session.deleted)


async def get_keys(request: Request) -> Keys:
    return request.app.state.keys


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def get_catalog(request: Request) -> Catalog:
    return request.app.state.catalog


def get_signer(request: Request) -> Signer:
    """The platform signer, loaded on first use (it may add a key to an older key file)."""
    state = request.app.state
    signer = getattr(state, "signer", None)
    if signer is None:
        signer = state.signer = load_signer(state.settings)
    return signer


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
StandbyDep = Annotated[Session | None, Depends(get_standby_session, scope="function")]
KeysDep = Annotated[Keys, Depends(get_keys)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
SignerDep = Annotated[Signer, Depends(get_signer)]
