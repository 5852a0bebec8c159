"""Outside messages kept until the step waiting for them; the bank's confirmed transfers by settlement time

The bank confirmations dossiers took before this revision are copied from their history into
`confirmed_transfers`, settled when the bank said (a time without a zone is office time) or, if
it said nothing readable, when the dossier took it; an amount that is not a whole number of đồng
is kept as unknown (NULL), never as 0.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-08
"""

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

from engine.config import Settings

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("kept_messages", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "kept_messages",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("received_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_kept_messages_dossier_id", "kept_messages", ["dossier_id"])
    op.create_table(
        "confirmed_transfers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("transfer_id", sa.String(length=100), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("settled_at", _TIME, nullable=False),
        sa.Column("recorded_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_confirmed_transfers_dossier_id", "confirmed_transfers", ["dossier_id"])
    op.create_index("ix_confirmed_transfers_settled_at", "confirmed_transfers", ["settled_at"])
    _copy_confirmations()


def _copy_confirmations() -> None:
    events = sa.table(
        "events",
        sa.column("id", sa.Integer),
        sa.column("dossier_id", sa.Integer),
        sa.column("at", _TIME),
        sa.column("kind", sa.String),
        sa.column("data", sa.JSON),
    )
    transfers = sa.table(
        "confirmed_transfers",
        sa.column("dossier_id", sa.Integer),
        sa.column("transfer_id", sa.String),
        sa.column("amount", sa.BigInteger),
        sa.column("settled_at", _TIME),
        sa.column("recorded_at", _TIME),
    )
    zone = ZoneInfo(Settings.from_env().timezone)
    connection = op.get_bind()
    rows = []
    query = sa.select(events.c.dossier_id, events.c.at, events.c.data).where(events.c.kind == "message_received")
    for dossier_id, at, data in connection.execute(query.order_by(events.c.id)):
        payload = (data or {}).get("payload") or {}
        if (data or {}).get("message") != "bank_confirmed" or not payload.get("transfer_id"):
            continue
        taken = _utc(at)
        rows.append(
            {
                "dossier_id": dossier_id,
                "transfer_id": str(payload["transfer_id"])[:100],
                "amount": _amount(payload.get("amount")),
                "settled_at": _settled(payload.get("at"), zone) or taken,
                "recorded_at": taken,
            }
        )
    if rows:
        connection.execute(transfers.insert(), rows)


def _utc(value) -> datetime:
    if isinstance(value, str):  # SQLite hands back text
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _settled(text, zone: ZoneInfo) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=zone)).astimezone(UTC)


def _amount(value) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\d+", value.strip()):
        return int(value.strip())
    return None


def downgrade() -> None:
    op.drop_table("confirmed_transfers")
    op.drop_table("kept_messages")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_column("kept_messages")
