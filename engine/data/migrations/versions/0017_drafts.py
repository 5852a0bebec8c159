"""Designers' drafts: a procedure's diagram and metadata being edited in the studio

Revision ID: 0017_drafts
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_drafts"
down_revision = "0016_version_numbers"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column("origin", sa.String(length=20), nullable=False),
        sa.Column("base_version_id", sa.Integer(), sa.ForeignKey("procedure_versions.id"), nullable=True),
        sa.Column("base_bpmn", sa.Text(), nullable=False),
        sa.Column("bpmn", sa.Text(), nullable=False),
        sa.Column("meta_yaml", sa.Text(), nullable=False),
        sa.Column("author_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("updated_at", _TIME, nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("checked_hash", sa.String(length=64), nullable=True),
        sa.Column("deployed_version_id", sa.Integer(), sa.ForeignKey("procedure_versions.id"), nullable=True),
        sa.Column("deployed_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("deployed_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_drafts_procedure_code", "drafts", ["procedure_code"])


def downgrade() -> None:
    op.drop_index("ix_drafts_procedure_code", table_name="drafts")
    op.drop_table("drafts")
