"""Applications on their way in: answers and files kept across a form error and the check page

Revision ID: 0021_application_drafts
Revises: 0020_counter_intake
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0021_application_drafts"
down_revision = "0020_counter_intake"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "application_drafts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("login_hash", sa.String(length=64), nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    op.create_index("ix_application_drafts_account_id", "application_drafts", ["account_id"])
    op.create_index("ix_application_drafts_created_at", "application_drafts", ["created_at"])
    op.create_table(
        "pending_uploads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("draft_id", sa.Integer(), sa.ForeignKey("application_drafts.id", ondelete="CASCADE"), nullable=False),
        sa.Column("doc_type", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_pending_uploads_draft_id", "pending_uploads", ["draft_id"])


def downgrade() -> None:
    op.drop_table("pending_uploads")
    op.drop_table("application_drafts")
