"""The managers' figures count the benefits paid in a period from the messages the dossiers took
(the bank's confirmation, the post's cash payment): a partial index on when each message was taken
reads a period's few of them instead of the whole history

Revision ID: 0031_events_messages_index
Revises: 0030_dossiers_received_index
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0031_events_messages_index"
down_revision = "0030_dossiers_received_index"
branch_labels = None
depends_on = None

MESSAGE_TAKEN = "kind = 'message_received'"


def upgrade() -> None:
    op.create_index(
        "ix_events_message_at",
        "events",
        ["at"],
        postgresql_where=sa.text(MESSAGE_TAKEN),
        sqlite_where=sa.text(MESSAGE_TAKEN),
    )


def downgrade() -> None:
    op.drop_index("ix_events_message_at", table_name="events")
