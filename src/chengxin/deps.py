"""Request-scoped dependencies: the session (the request owns the transaction) and friends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from chengxin.catalog.rules import Catalog
from chengxin.crypto import Keys
from chengxin.db import unit_of_work
from chengxin.settings import Settings


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent."""
    with unit_of_work(request.app.state.sessionmaker) as session:
        yield session


def get_keys(request: Request) -> Keys:
    return request.app.state.keys


def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


def get_catalog(request: Request) -> Catalog:
    return request.app.state.catalog


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
KeysDep = Annotated[Keys, Depends(get_keys)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
