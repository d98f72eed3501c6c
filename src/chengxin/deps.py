"""Request-scoped dependencies: the session (the request owns the transaction) and friends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from chengxin.catalog.rules import Catalog
from chengxin.crypto import Keys
from chengxin.settings import Settings
from chengxin.signing import Signer, load_signer


async def get_session(request: Request) -> AsyncIterator[Session]:
    """One transaction per request, committed before the response is sent (what
    `chengxin.db.unit_of_work` does at other boundaries).

    Making a session touches no database (it connects on first use), so it is made on the
    event loop; the commit or rollback, which may wait on the database, runs in a worker
    thread, and only when the request used the session at all.
    """
    session: Session = request.app.state.sessionmaker()
    try:
        yield session
        if _used(session):
            await run_in_threadpool(session.commit)
    except BaseException:
        if _used(session):
            await run_in_threadpool(session.rollback)
        raise
    finally:
        if _used(session):
            await run_in_threadpool(session.close)
        else:
            session.close()


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
KeysDep = Annotated[Keys, Depends(get_keys)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
SignerDep = Annotated[Signer, Depends(get_signer)]
