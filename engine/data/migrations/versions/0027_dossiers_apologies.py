"""Dossiers count the apology tasks they were given, so an advance that ends processing looks for
open apologies only on a dossier that had one (most never do)

Revision ID: 0027_dossiers_apologies
Revises: 0026_inbox_queues
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0027_dossiers_apologies"
down_revision = "0026_inbox_queues"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("apologies", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE dossiers SET apologies ="
        " (SELECT count(*) FROM late_dossiers WHERE late_dossiers.dossier_id = dossiers.id)"
    )


def downgrade() -> None:
    # plain ALTER (SQLite 3.35+ too): a batch copy of dossiers would break the tables referring to it
    op.execute("ALTER TABLE dossiers DROP COLUMN apologies")
