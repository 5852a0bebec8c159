"""Refused webhooks counted by source, reason and day instead of a row per request

The refusals kept so far become counts (by office day, in MOTCUA_TIMEZONE) with the latest body
of each; then their table goes.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""

import os
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)
_KEPT_BODY = 500


def upgrade() -> None:
    op.create_table(
        "webhook_refusal_counts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("first_at", _TIME, nullable=False),
        sa.Column("last_at", _TIME, nullable=False),
        sa.Column("last_body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "reason", "day"),
    )
    op.create_index("ix_webhook_refusal_counts_day", "webhook_refusal_counts", ["day"])

    zone = ZoneInfo(os.environ.get("MOTCUA_TIMEZONE", "Asia/Ho_Chi_Minh"))
    old = sa.table(
        "webhook_refusals",
        sa.column("id", sa.Integer),
        sa.column("source", sa.String),
        sa.column("reason", sa.String),
        sa.column("received_at", _TIME),
        sa.column("body", sa.Text),
    )
    counts: dict[tuple, dict] = {}
    connection = op.get_bind()
    for source, reason, at, body in connection.execute(
        sa.select(old.c.source, old.c.reason, old.c.received_at, old.c.body).order_by(old.c.id)
    ):
        if at.tzinfo is None:  # SQLite keeps no zone: the times were stored in UTC
            at = at.replace(tzinfo=ZoneInfo("UTC"))
        key = (source, reason[:40], at.astimezone(zone).date())
        row = counts.setdefault(key, {"count": 0, "first_at": at})
        row.update(count=row["count"] + 1, last_at=at, last_body=(body or "")[:_KEPT_BODY])
    if counts:
        new = sa.table(
            "webhook_refusal_counts",
            *(sa.column(name) for name in ("source", "reason", "day", "count", "first_at", "last_at", "last_body")),
        )
        connection.execute(
            new.insert(),
            [{"source": s, "reason": r, "day": d, **row} for (s, r, d), row in counts.items()],
        )
    op.drop_table("webhook_refusals")


def downgrade() -> None:
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
    op.drop_table("webhook_refusal_counts")
