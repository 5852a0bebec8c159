"""Counter intake: the channel a dossier came in by, a flag per paper component, and the files a
desk officer chose for a form that came back with an error

Revision ID: 0020_counter_intake
Revises: 0019_saved_filters
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0020_counter_intake"
down_revision = "0019_saved_filters"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=20), nullable=True))
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("paper", sa.String(length=20), nullable=True))
    op.create_table(
        "counter_uploads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("owner", sa.String(length=60), nullable=False),
        sa.Column("doc_type", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token", name="uq_counter_uploads_token"),
    )
    op.create_index("ix_counter_uploads_created_at", "counter_uploads", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_counter_uploads_created_at", table_name="counter_uploads")
    op.drop_table("counter_uploads")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("paper")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("channel")
