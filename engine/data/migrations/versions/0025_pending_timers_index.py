"""The scheduler's polls read only live rows: pending timers by due time, and dossiers still being
processed by appointment (partial indexes), instead of an index on every timer's due time that
a poll walked through the millions fired or canceled before the first pending one

Revision ID: 0025_pending_timers_index
Revises: 0024_dossiers_unit_newest
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0025_pending_timers_index"
down_revision = "0024_dossiers_unit_newest"
branch_labels = None
depends_on = None

PENDING_TIMER = "status = 'pending'"
RUNNING_DOSSIER = "processed_at IS NULL AND finished_at IS NULL AND paused_at IS NULL"


def upgrade() -> None:
    op.create_index(
        "ix_timers_pending_due",
        "timers",
        ["due_at"],
        postgresql_where=sa.text(PENDING_TIMER),
        sqlite_where=sa.text(PENDING_TIMER),
    )
    op.drop_index("ix_timers_due_at", table_name="timers")
    op.create_index(
        "ix_dossiers_running_appointment",
        "dossiers",
        ["appointment_at"],
        postgresql_where=sa.text(RUNNING_DOSSIER),
        sqlite_where=sa.text(RUNNING_DOSSIER),
    )


def downgrade() -> None:
    op.drop_index("ix_dossiers_running_appointment", table_name="dossiers")
    op.create_index("ix_timers_due_at", "timers", ["due_at"])
    op.drop_index("ix_timers_pending_due", table_name="timers")
