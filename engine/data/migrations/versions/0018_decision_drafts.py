"""Designers' drafts of decision tables (bpmn/dmn/*.dmn), one per table

Revision ID: 0018_decision_drafts
Revises: 0017_drafts
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0018_decision_drafts"
down_revision = "0017_drafts"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "decision_drafts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("file", sa.String(length=120), nullable=False),
        sa.Column("dmn", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("deployed_at", _TIME, nullable=True),
        sa.Column("deployed_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("deployed_versions", sa.String(length=400), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("file", name="uq_decision_drafts_file"),
    )


def downgrade() -> None:
    op.drop_table("decision_drafts")
