"""Whose health-insurance card: the holder's citizen ID on every card, so that cards an employer's
registration issued to its employees are found by a medical facility's check

Revision ID: 0036_card_holders
Revises: 0035_partner_clients
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0036_card_holders"
down_revision = "0035_partner_clients"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("hi_cards", sa.Column("holder_id_number", sa.String(20), nullable=True))
    # every card recorded so far was the applicant's own (P03)
    op.execute(
        "UPDATE hi_cards SET holder_id_number = "
        "(SELECT applicant_id_number FROM dossiers WHERE dossiers.id = hi_cards.dossier_id)"
    )
    with op.batch_alter_table("hi_cards") as batch:
        batch.alter_column("holder_id_number", existing_type=sa.String(20), nullable=False)
    op.create_index("ix_hi_cards_holder_id_number", "hi_cards", ["holder_id_number"])


def downgrade() -> None:
    op.drop_index("ix_hi_cards_holder_id_number", "hi_cards")
    with op.batch_alter_table("hi_cards") as batch:
        batch.drop_column("holder_id_number")
