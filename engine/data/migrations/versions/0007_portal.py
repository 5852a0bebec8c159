"""Applicant accounts, password resets, officer passwords, documents and ratings

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("id_number", sa.String(length=20), nullable=False, unique=True),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=20), nullable=True, unique=True),
        sa.Column("email", sa.String(length=200), nullable=True, unique=True),
        sa.Column("address", sa.String(length=300), nullable=False, server_default=""),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "password_resets",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), sa.ForeignKey("accounts.id"), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False, unique=True),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("expires_at", _TIME, nullable=False),
        sa.Column("used_at", _TIME, nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_password_resets_account_id", "password_resets", ["account_id"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("password_hash", sa.String(length=200), nullable=True))
    with op.batch_alter_table("dossiers") as batch:
        batch.add_column(sa.Column("account_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("submission_key", sa.String(length=100), nullable=True))
        batch.create_unique_constraint("uq_dossiers_submission_key", ["submission_key"])
        batch.create_foreign_key("fk_dossiers_account_id", "accounts", ["account_id"], ["id"])
        batch.create_index("ix_dossiers_account_id", ["account_id"])
    op.create_table(
        "documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("doc_type", sa.String(length=100), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", _TIME, nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_documents_dossier_id", "documents", ["dossier_id"])
    op.create_table(
        "ratings",
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("rating", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False, server_default=""),
        sa.Column("rated_at", _TIME, nullable=False),
        sa.PrimaryKeyConstraint("dossier_id"),
    )


def downgrade() -> None:
    op.drop_table("ratings")
    op.drop_table("documents")
    with op.batch_alter_table("dossiers") as batch:
        batch.drop_index("ix_dossiers_account_id")
        batch.drop_constraint("fk_dossiers_account_id", type_="foreignkey")
        batch.drop_constraint("uq_dossiers_submission_key", type_="unique")
        batch.drop_column("submission_key")
        batch.drop_column("account_id")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("password_hash")
    op.drop_table("password_resets")
    op.drop_table("accounts")
