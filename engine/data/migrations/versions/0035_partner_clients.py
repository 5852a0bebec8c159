"""Partners' software in the REST API: their clients and access tokens, the dossiers employers filed,
the card checks of medical facilities; and a health-insurance card's first valid day

Revision ID: 0035_partner_clients
Revises: 0034_dossiers_figures_indexes
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0035_partner_clients"
down_revision = "0034_dossiers_figures_indexes"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.add_column("hi_cards", sa.Column("valid_from", sa.Date(), nullable=True))
    op.create_table(
        "partner_clients",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.String(40), nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("tax_code", sa.String(20), nullable=True),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("revoked_at", _TIME, nullable=True),
    )
    op.create_table(
        "partner_tokens",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("partner_clients.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("scopes", sa.String(100), nullable=False),
        sa.Column("issued_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
    )
    op.create_index("ix_partner_tokens_client_id", "partner_tokens", ["client_id"])
    op.create_index("ix_partner_tokens_expires_at", "partner_tokens", ["expires_at"])
    op.create_table(
        "partner_dossiers",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("partner_clients.id"), nullable=False),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id"), nullable=False, unique=True),
        sa.Column("submitted_at", _TIME, nullable=False),
    )
    op.create_index("ix_partner_dossiers_client_id", "partner_dossiers", ["client_id"])
    op.create_table(
        "card_lookups",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("client_id", sa.Integer(), sa.ForeignKey("partner_clients.id"), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("id_number", sa.String(20), nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("answer", sa.String(20), nullable=False),
        sa.Column("card_number", sa.String(20), nullable=True),
    )
    op.create_index("ix_card_lookups_client_id", "card_lookups", ["client_id"])
    op.create_index("ix_card_lookups_at", "card_lookups", ["at"])
    op.create_index("ix_card_lookups_id_number", "card_lookups", ["id_number"])


def downgrade() -> None:
    op.drop_table("card_lookups")
    op.drop_table("partner_dossiers")
    op.drop_table("partner_tokens")
    op.drop_table("partner_clients")
    op.drop_column("hi_cards", "valid_from")
