"""The public statistics count a month's received dossiers by procedure and channel: an index on
(received_on, procedure_code, channel) answers it from the index alone instead of reading every
dossier

Revision ID: 0028_dossiers_received_index
Revises: 0027_dossiers_apologies
Create Date: 2026-12-06
"""

from alembic import op

revision = "0028_dossiers_received_index"
down_revision = "0027_dossiers_apologies"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dossiers_received", "dossiers", ["received_on", "procedure_code", "channel"])


def downgrade() -> None:
    op.drop_index("ix_dossiers_received", table_name="dossiers")
