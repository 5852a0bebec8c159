"""The administration's change log, and password-reset links for officers

Revision ID: 0023_admin_changes
Revises: 0022_search_terms
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_admin_changes"
down_revision = "0022_search_terms"
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
    # the log is evidence, like a dossier's events: UPDATE and DELETE refused by the database itself
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION admin_changes_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'admin changes are append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER admin_changes_append_only BEFORE UPDATE OR DELETE ON admin_changes "
            "FOR EACH ROW EXECUTE FUNCTION admin_changes_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER admin_changes_no_{action.lower()} BEFORE {action} ON admin_changes "
                "BEGIN SELECT RAISE(ABORT, 'admin changes are append-only'); END"
            )
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
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER admin_changes_append_only ON admin_changes")
        op.execute("DROP FUNCTION admin_changes_append_only()")
    else:
        op.execute("DROP TRIGGER admin_changes_no_update")
        op.execute("DROP TRIGGER admin_changes_no_delete")
    op.drop_index("ix_admin_changes_area", table_name="admin_changes")
    op.drop_table("admin_changes")
