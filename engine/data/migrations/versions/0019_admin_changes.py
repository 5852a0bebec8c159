"""The administration's change log, and password-reset links for officers

Revision ID: 0019_admin_changes
Revises: 0018_decision_drafts
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_admin_changes"
down_revision = "0018_decision_drafts"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "admin_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("actor_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("area", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("seq", name="uq_admin_changes_seq"),
    )
    op.create_index("ix_admin_changes_area", "admin_changes", ["area"])
    with op.batch_alter_table("password_resets") as batch:
        batch.alter_column("account_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_password_resets_user_id", "users", ["user_id"], ["id"])
        batch.create_index("ix_password_resets_user_id", ["user_id"])


def downgrade() -> None:
    with op.batch_alter_table("password_resets") as batch:
        batch.drop_index("ix_password_resets_user_id")
        batch.drop_constraint("fk_password_resets_user_id", type_="foreignkey")
        batch.drop_column("user_id")
        batch.alter_column("account_id", existing_type=sa.Integer(), nullable=False)
    op.drop_index("ix_admin_changes_area", table_name="admin_changes")
    op.drop_table("admin_changes")
