"""Backup and restore of the platform database (SQLite online backup, PostgreSQL pg_dump)."""
