"""Migrations: dated names, one head, and models that agree with them."""

from __future__ import annotations

import re
from importlib import resources

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from chengxin.db import Base
from chengxin.migrate import alembic_config, include_object
from chengxin.models import import_all


def test_one_head_and_dated_file_names():
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1
    versions = resources.files("chengxin") / "migrations" / "versions"
    names = [p.name for p in versions.iterdir() if p.name.endswith(".py") and p.name != "__init__.py"]
    assert names
    assert all(re.match(r"\d{4}_\d{2}_\d{2}_\d{4}-[a-z0-9_]+\.py$", n) for n in names), names


def test_models_match_migrations(engine):
    import_all()
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True,
                                                                    "include_object": include_object}),
                                Base.metadata)
    assert diff == []


def test_tables_with_personal_facts_carry_the_person_key():
    import_all()
    personal = {"persons": "person_key", "organisation_roles": "person_key",
                "records": "subject_key"}
    for table, column in personal.items():
        assert column in Base.metadata.tables[table].c
        assert Base.metadata.tables[table].c[column].primary_key
