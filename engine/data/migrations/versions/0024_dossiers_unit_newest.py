"""The officers' search lists a unit's dossiers newest first: an index in that order, so a common
word's first page reads the unit's newest dossiers until a page is found, not every match

Revision ID: 0024_dossiers_unit_newest
Revises: 0023_admin_changes
Create Date: 2026-12-06
"""

from alembic import op

revision = "0024_dossiers_unit_newest"
down_revision = "0023_admin_changes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_dossiers_unit_submitted", "dossiers", ["unit_code", "submitted_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_dossiers_unit_submitted", table_name="dossiers")
