"""matters: one row per dishonesty or trustworthiness matter holding its one state; list entries
become listed matters; records, objections and repairs point at their matter

Revision ID: b0matter0010
Revises: u6batchout10
Create Date: 2026-12-06 10:00:00

Each record chain (a department's source record id) becomes a matter whose id is its list entry's
id when it had one (so that entry ids that left the platform in webhooks stay valid) and its
first version's id otherwise; each direct list entry becomes a matter with its own id. The state
that was kept in two places (a record's revoked / repaired / disputed marks, its entry's exit
and dispute) is merged into the matter: the earliest end wins, a dispute on either holds.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

import chengxin.coltypes

revision: str = 'b0matter0010'
down_revision: str | None = 'u6batchout10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('matters',
    sa.Column('subject_key', sa.String(length=32), nullable=False),
    sa.Column('id', sa.String(length=26), nullable=False),
    sa.Column('subject_kind', sa.String(length=12), nullable=False),
    sa.Column('origin', sa.String(length=8), nullable=False),
    sa.Column('department_code', sa.String(length=64), nullable=False),
    sa.Column('source_record_id', sa.String(length=64), nullable=True),
    sa.Column('record_id', sa.String(length=26), nullable=True),
    sa.Column('item_code', sa.String(length=32), nullable=True),
    sa.Column('nature', sa.String(length=10), nullable=False),
    sa.Column('severity', sa.String(length=10), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('list_type', sa.String(length=8), nullable=True),
    sa.Column('planned_end', sa.Date(), nullable=True),
    sa.Column('basis', sa.Text(), nullable=True),
    sa.Column('reference', sa.String(length=100), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=16), nullable=True),
    sa.Column('end_note', sa.Text(), nullable=True),
    sa.Column('disputed_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', chengxin.coltypes.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_code'], ['departments.code'], name=op.f('fk_matters_department_code_departments')),
    sa.PrimaryKeyConstraint('subject_key', 'id', name=op.f('pk_matters'))
    )
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.create_index('ix_matters_id', ['id'], unique=False)
        batch_op.create_index('ix_matters_list', ['list_type', 'start_date'], unique=False)
        batch_op.create_index('ix_matters_source', ['department_code', 'source_record_id'], unique=False)
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('matter_id', sa.String(length=26), nullable=True))
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('matter_id', sa.String(length=26), nullable=True))
    with op.batch_alter_table('repairs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('matter_id', sa.String(length=26), nullable=True))

    _move_state()

    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.alter_column('matter_id', existing_type=sa.String(length=26), nullable=False)
        batch_op.drop_column('revoked_at')
        batch_op.drop_column('revoke_reason')
        batch_op.drop_column('disputed_at')
        batch_op.drop_column('repaired_at')
    with op.batch_alter_table('objections', schema=None) as batch_op:
        batch_op.alter_column('matter_id', existing_type=sa.String(length=26), nullable=False)
    with op.batch_alter_table('repairs', schema=None) as batch_op:
        batch_op.alter_column('matter_id', existing_type=sa.String(length=26), nullable=False)
    with op.batch_alter_table('list_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_list_entries_source')
    op.drop_table('list_entries')


def _move_state() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == 'postgresql'

    def day(column: str) -> str:  # the Beijing date of a stored UTC time
        return f"(({column}) AT TIME ZONE 'Asia/Shanghai')::date" if pg else f"date({column}, '+8 hours')"

    # Each chain's matter id: its (record-made) entry's id, or its first version's id.
    op.execute(
        "UPDATE records SET matter_id = COALESCE("
        "(SELECT e.id FROM list_entries e WHERE e.source = 'record' AND e.department_code = records.department_code"
        " AND e.source_record_id = records.source_record_id AND e.subject_key = records.subject_key"
        " ORDER BY e.created_at DESC LIMIT 1),"
        "(SELECT f.id FROM records f WHERE f.department_code = records.department_code"
        " AND f.source_record_id = records.source_record_id AND f.subject_key = records.subject_key"
        " ORDER BY f.version LIMIT 1))")
    entry = ("(SELECT e.{col} FROM list_entries e WHERE e.subject_key = r.subject_key AND e.id = r.matter_id)")
    op.execute(f"""
        INSERT INTO matters (subject_key, id, subject_kind, origin, department_code, source_record_id, record_id,
                             item_code, nature, severity, start_date, list_type, planned_end, basis, reference,
                             ended_on, end_reason, end_note, disputed_at, created_at, updated_at)
        SELECT r.subject_key, r.matter_id, r.subject_kind, 'record', r.department_code, r.source_record_id, r.id,
               r.item_code, r.nature, r.severity, r.decision_date, {entry.format(col='list_type')},
               {entry.format(col='planned_end')}, {entry.format(col='basis')}, {entry.format(col='reference')},
               NULL, NULL, NULL, COALESCE(r.disputed_at, {entry.format(col='disputed_at')}),
               (SELECT MIN(f.recorded_at) FROM records f WHERE f.subject_key = r.subject_key
                AND f.matter_id = r.matter_id),
               r.recorded_at
          FROM records r WHERE r.superseded_at IS NULL""")
    # Ends, the earliest first: the record's revocation or repair, or its entry's exit.
    for when, reason, note, source in (
            (day('r.revoked_at'), "'revoked'", 'r.revoke_reason', 'r.revoked_at IS NOT NULL'),
            (day('r.repaired_at'), "'repaired'", "'信用修复'", 'r.repaired_at IS NOT NULL')):
        op.execute(f"""
            UPDATE matters SET ended_on = (SELECT {when} FROM records r WHERE r.subject_key = matters.subject_key
                                            AND r.id = matters.record_id),
                               end_reason = {reason},
                               end_note = (SELECT {note} FROM records r WHERE r.subject_key = matters.subject_key
                                           AND r.id = matters.record_id)
             WHERE EXISTS (SELECT 1 FROM records r WHERE r.subject_key = matters.subject_key
                           AND r.id = matters.record_id AND {source}
                           AND (matters.ended_on IS NULL OR {when} < matters.ended_on))""")
    op.execute("""
        UPDATE matters SET ended_on = (SELECT e.exited_on FROM list_entries e WHERE e.subject_key = matters.subject_key
                                        AND e.id = matters.id),
                           end_reason = (SELECT e.exit_reason FROM list_entries e
                                         WHERE e.subject_key = matters.subject_key AND e.id = matters.id),
                           end_note = (SELECT e.exit_note FROM list_entries e WHERE e.subject_key = matters.subject_key
                                       AND e.id = matters.id)
         WHERE EXISTS (SELECT 1 FROM list_entries e WHERE e.subject_key = matters.subject_key AND e.id = matters.id
                       AND e.exited_on IS NOT NULL AND e.exit_reason IN ('revoked', 'repaired', 'court_deleted')
                       AND (matters.ended_on IS NULL OR e.exited_on < matters.ended_on))""")
    # Direct entries are matters of their own; a court's black-list entry is the court list (R5).
    op.execute("""
        INSERT INTO matters (subject_key, id, subject_kind, origin, department_code, source_record_id, record_id,
                             item_code, nature, severity, start_date, list_type, planned_end, basis, reference,
                             ended_on, end_reason, end_note, disputed_at, created_at, updated_at)
        SELECT e.subject_key, e.id, e.subject_kind, 'direct', e.department_code, NULL, NULL,
               CASE WHEN e.item_code IS NULL AND e.department_code = 'court' AND e.list_type = 'black'
                    THEN 'SFCP-01' ELSE e.item_code END,
               CASE WHEN e.list_type = 'red' THEN 'positive' ELSE 'negative' END, e.severity, e.start_date,
               e.list_type, e.planned_end, e.basis, e.reference,
               CASE WHEN e.exit_reason IN ('revoked', 'repaired', 'court_deleted') THEN e.exited_on END,
               CASE WHEN e.exit_reason IN ('revoked', 'repaired', 'court_deleted') THEN e.exit_reason END,
               CASE WHEN e.exit_reason IN ('revoked', 'repaired', 'court_deleted') THEN e.exit_note END,
               e.disputed_at, e.created_at, e.updated_at
          FROM list_entries e WHERE e.source = 'direct'""")
    _fix_court_terms(bind)
    _own_ends(bind)
    for table in ('objections', 'repairs'):
        op.execute(f"""
            UPDATE {table} SET matter_id = CASE WHEN target_kind = 'record'
                THEN (SELECT r.matter_id FROM records r WHERE r.subject_key = {table}.subject_key
                      AND r.id = {table}.target_id)
                ELSE target_id END""")
        op.execute(f"UPDATE {table} SET matter_id = target_id WHERE matter_id IS NULL")


def _fix_court_terms(bind: sa.engine.Connection) -> None:
    """A court's direct black-list entry got the black list's 36 months by default: the court list
    lasts 2 years (R5). Entries whose end was that default get the court list's term."""
    rows = bind.execute(sa.text(
        "SELECT subject_key, id, start_date, planned_end FROM matters WHERE origin = 'direct'"
        " AND department_code = 'court' AND list_type = 'black' AND planned_end IS NOT NULL")).all()
    for key, mid, start, end in rows:
        start, end = _date(start), _date(end)
        if end == _add_months(start, 36):
            bind.execute(sa.text("UPDATE matters SET planned_end = :e WHERE subject_key = :k AND id = :i"),
                         {"e": _add_months(start, 24), "k": key, "i": mid})


def _own_ends(bind: sa.engine.Connection) -> None:
    """Unlisted matters whose record gives an end of its own (a ban's end, a lifted restriction)."""
    from chengxin.catalog.rules import default_catalog
    from chengxin.lists.rules import default_terms

    terms = default_terms()
    names = list(terms.end_fields + terms.lift_fields)
    items = [i.code for i in default_catalog().items.values() if terms.reads_end(i)]
    if not names or not items:
        return
    rows = bind.execute(sa.text(
        "SELECT m.subject_key, m.id, r.data FROM matters m JOIN records r ON r.subject_key = m.subject_key"
        " AND r.id = m.record_id WHERE m.list_type IS NULL AND m.item_code IN :items")
        .bindparams(sa.bindparam("items", expanding=True)), {"items": items}).all()
    for key, mid, data in rows:
        values = json.loads(data) if isinstance(data, str) else (data or {})
        if not any(n in values for n in names):
            continue
        end = terms.own_end(values)
        if end is not None:
            bind.execute(sa.text("UPDATE matters SET planned_end = :e WHERE subject_key = :k AND id = :i"),
                         {"e": end, "k": key, "i": mid})


def _date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _add_months(start: date, months: int) -> date:
    import calendar

    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def downgrade() -> None:
    raise NotImplementedError("the matters migration is one-way: restore a backup taken before it")

