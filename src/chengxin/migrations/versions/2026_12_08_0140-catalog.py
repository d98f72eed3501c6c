"""records and matters carry their domain (领域), matters the occupation roster they feed (职业信用档案),
derived at collection (issue 18 §4)

Revision ID: b7catalog0019
Revises: b7repair0018
Create Date: 2026-12-08 01:40:00

Existing rows are backfilled the way collection now derives a domain (chengxin.catalog.domain),
from the catalog as it stood when this migration was written (frozen here: a later catalog must
not change what this migration did): the item's single domain, else the department's default
within the item's domains, else the item's first domain. No existing record has a 处罚领域
field yet, so that step has nothing to read.

The roster occupation needs no backfill: the items that name one occupation alone (ZYZG-07 to -11)
are new, and the existing qualification records (ZYZG-01/-02) carry no 职业人群 field yet.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'b7catalog0019'
down_revision: str | None = 'b7repair0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ITEM_DOMAIN = {
    'JCXX-02': 'social_security', 'SFCP-01': 'judicial', 'SFCP-02': 'judicial', 'SFCP-03': 'judicial',
    'XZCF-03': 'judicial', 'XZCF-05': 'tourism', 'QTXZ-01': 'tax', 'ZYZG-03': 'health',
    'ZYZG-05': 'education_research', 'ZYZG-06': 'finance', 'YZSX-01': 'tax', 'YZSX-03': 'work_safety',
    'YZSX-04': 'food_drug', 'XYPJ-01': 'tax', 'ZSFG-01': 'education_research', 'ZSFG-02': 'education_research',
    'ZSFG-03': 'social_security', 'ZYFW-01': 'volunteering', 'ZYFW-02': 'volunteering', 'WCXX-01': 'health',
}
ITEM_DOMAINS = {
    'XZCF-04': ('traffic_safety', 'transport'),
    'ZYZG-04': ('intermediary', 'tax_intermediary', 'construction', 'fire_safety', 'intellectual_property'),
    'YZSX-02': ('social_security', 'construction'), 'YZSX-05': ('tourism', 'culture_market'),
    'HTLY-01': ('education_research', 'finance'), 'HTLY-02': ('public_resource_trading', 'construction'),
    'ZSFG-04': ('internet', 'finance'),
}
DEPARTMENT_DOMAIN = {
    'court': 'judicial', 'procuratorate': 'judicial', 'tax': 'tax', 'transport': 'transport',
    'education': 'education_research', 'science_tech': 'education_research', 'health': 'health',
    'human_resources': 'social_security', 'emergency': 'work_safety', 'fire_rescue': 'fire_safety',
    'ecology_environment': 'environment', 'housing': 'construction', 'commerce': 'circulation',
    'statistics': 'statistics', 'finance': 'finance', 'financial_regulation': 'finance', 'pboc': 'finance',
    'youth_league': 'volunteering',
}


def _q(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _case(column: str, mapping: dict[str, str], default: str = "NULL") -> str:
    if not mapping:
        return default
    whens = " ".join(f"WHEN {_q(k)} THEN {_q(v)}" for k, v in mapping.items())
    return f"CASE {column} {whens} ELSE {default} END"


def _in(values: Sequence[str]) -> str:
    return "(" + ", ".join(_q(v) for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table('records') as batch:
        batch.add_column(sa.Column('domain', sa.String(length=32), nullable=True))
    with op.batch_alter_table('matters') as batch:
        batch.add_column(sa.Column('domain', sa.String(length=32), nullable=True))
        batch.add_column(sa.Column('occupation', sa.String(length=40), nullable=True))
    op.create_index('ix_matters_occupation', 'matters', ['occupation', 'subject_key'], unique=False)
    op.execute(f"UPDATE records SET domain = {_case('item_code', ITEM_DOMAIN)}"
               f" WHERE item_code IN {_in(list(ITEM_DOMAIN))}")
    for code, domains in ITEM_DOMAINS.items():
        within = {d: v for d, v in DEPARTMENT_DOMAIN.items() if v in domains}
        op.execute(f"UPDATE records SET domain = {_case('department_code', within, _q(domains[0]))}"
                   f" WHERE item_code = {_q(code)}")
    op.execute(f"UPDATE records SET domain = {_case('department_code', DEPARTMENT_DOMAIN)}"
               f" WHERE domain IS NULL AND item_code NOT IN {_in([*ITEM_DOMAIN, *ITEM_DOMAINS])}"
               f" AND department_code IN {_in(list(DEPARTMENT_DOMAIN))}")
    op.execute("UPDATE matters SET domain = (SELECT r.domain FROM records r WHERE r.subject_key = matters.subject_key"
               " AND r.id = matters.record_id) WHERE record_id IS NOT NULL")


def downgrade() -> None:
    op.drop_index('ix_matters_occupation', table_name='matters')
    with op.batch_alter_table('matters') as batch:
        batch.drop_column('occupation')
        batch.drop_column('domain')
    with op.batch_alter_table('records') as batch:
        batch.drop_column('domain')
