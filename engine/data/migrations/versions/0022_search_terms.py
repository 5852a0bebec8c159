"""The search projection: the words and numbers each dossier is found by (officers' search)

Filled here for the dossiers submitted before it, from their code, whom they are filed under and
the application their history recorded at submission; new dossiers write their own.

Revision ID: 0022_search_terms
Revises: 0021_application_drafts
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from engine.data.search_index import terms

revision = "0022_search_terms"
down_revision = "0021_application_drafts"
branch_labels = None
depends_on = None

_BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "search_terms",
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.PrimaryKeyConstraint("dossier_id", "kind", "value"),
    )
    op.create_index(
        "ix_search_terms_value",
        "search_terms",
        ["value", "dossier_id"],
        postgresql_ops={"value": "text_pattern_ops"},
    )
    _fill()


def _fill() -> None:
    dossiers = sa.table(
        "dossiers",
        sa.column("id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("applicant_name", sa.String),
        sa.column("applicant_id_number", sa.String),
    )
    events = sa.table(
        "events", sa.column("dossier_id", sa.Integer), sa.column("kind", sa.String), sa.column("data", sa.JSON)
    )
    search_terms = sa.table(
        "search_terms", sa.column("dossier_id", sa.Integer), sa.column("kind", sa.String), sa.column("value", sa.String)
    )
    connection = op.get_bind()
    last = 0
    while True:  # in batches by id, so a large office's history is never all in memory
        rows = connection.execute(
            sa.select(dossiers, events.c.data)
            .select_from(
                dossiers.outerjoin(events, sa.and_(events.c.dossier_id == dossiers.c.id, events.c.kind == "submitted"))
            )
            .where(dossiers.c.id > last)
            .order_by(dossiers.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        values = []
        for row in rows:
            application = (row.data or {}).get("application") or {}
            found = terms(row.code, row.applicant_name or "", row.applicant_id_number or "", application)
            values += [{"dossier_id": row.id, "kind": kind, "value": value} for kind, value in sorted(found)]
        if values:
            connection.execute(sa.insert(search_terms), values)
        last = rows[-1].id


def downgrade() -> None:
    op.drop_index("ix_search_terms_value", table_name="search_terms")
    op.drop_table("search_terms")
