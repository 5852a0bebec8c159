"""Officers' saved inbox filters, by name, per officer

Revision ID: 0019_saved_filters
Revises: 0018_decision_drafts
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_saved_filters"
down_revision = "0018_decision_drafts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_filters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("query", sa.String(length=400), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("user_id", "name", name="uq_saved_filters_user_name"),
    )


def downgrade() -> None:
    op.drop_table("saved_filters")
