"""Outbox leases and answers; webhook receipts and refusals

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("locked_until", _TIME, nullable=True))
        batch.add_column(sa.Column("response", sa.JSON(), nullable=True))
    op.create_table(
        "webhook_receipts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("event_id", sa.String(length=100), nullable=False),
        sa.Column("received_at", _TIME, nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "event_id"),
    )
    op.create_table(
        "webhook_refusals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("received_at", _TIME, nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webhook_refusals_received_at", "webhook_refusals", ["received_at"])


def downgrade() -> None:
    op.drop_table("webhook_refusals")
    op.drop_table("webhook_receipts")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("response")
        batch.drop_column("locked_until")
