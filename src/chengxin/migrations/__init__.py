"""Alembic migrations (dated file names, one head)."""
