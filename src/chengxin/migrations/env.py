"""Alembic environment: runs against the engine the caller passes, or the settings' URL."""

from __future__ import annotations

from alembic import context

from chengxin.db import Base, make_engine
from chengxin.migrate import include_object
from chengxin.models import import_all
from chengxin.settings import get_settings

import_all()
config = context.config
target_metadata = Base.metadata

connection = config.attributes.get("connection")
if connection is not None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=True, compare_type=True, include_object=include_object)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url")
                         or get_settings().resolved_database_url)
    with engine.connect() as conn:
        context.configure(connection=conn, target_metadata=target_metadata,
                          render_as_batch=True, compare_type=True, include_object=include_object)
        with context.begin_transaction():
            context.run_migrations()
