"""The managers' task figures filtered to one procedure join the open tasks to the procedure's
dossiers: with the dossier ids in the procedure's index, PostgreSQL reads them from the index
alone instead of visiting every one of the procedure's dossier rows (about 0.7 s at a million
dossiers, now about 0.04 s). The index serves every lookup by procedure as before. And the
dossiers refused at reception in a period (never received, counted beside the received ones) are
read from a partial index of those refusals instead of every refusal ever made.

Revision ID: 0034_dossiers_figures_indexes
Revises: 0033_api_tokens
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0034_dossiers_figures_indexes"
down_revision = "0033_api_tokens"
branch_labels = None
depends_on = None

REFUSED_AT_RECEPTION = "status = 3 AND received_on IS NULL"


def upgrade() -> None:
    op.drop_index("ix_dossiers_procedure_code", table_name="dossiers")
    op.create_index("ix_dossiers_procedure_code", "dossiers", ["procedure_code", "id"])
    op.create_index(
        "ix_dossiers_refused_at_reception",
        "dossiers",
        ["finished_at", "unit_code", "procedure_code"],
        postgresql_where=sa.text(REFUSED_AT_RECEPTION),
        sqlite_where=sa.text(REFUSED_AT_RECEPTION),
    )


def downgrade() -> None:
    op.drop_index("ix_dossiers_refused_at_reception", table_name="dossiers")
    op.drop_index("ix_dossiers_procedure_code", table_name="dossiers")
    op.create_index("ix_dossiers_procedure_code", "dossiers", ["procedure_code"])
