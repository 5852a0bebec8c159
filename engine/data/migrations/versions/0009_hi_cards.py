"""Health-insurance cards issued, for renewal reminders

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "hi_cards",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("card_number", sa.String(length=20), nullable=False),
        sa.Column("valid_to", sa.Date(), nullable=False),
        sa.Column("recorded_at", _TIME, nullable=False),
        sa.Column("reminded_for", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dossier_id", "card_number"),
    )
    op.create_index("ix_hi_cards_dossier_id", "hi_cards", ["dossier_id"])
    op.create_index("ix_hi_cards_card_number", "hi_cards", ["card_number"])
    op.create_index("ix_hi_cards_valid_to", "hi_cards", ["valid_to"])


def downgrade() -> None:
    op.drop_table("hi_cards")
