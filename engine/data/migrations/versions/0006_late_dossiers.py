"""Late dossiers and their apologies

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "late_dossiers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dossier_id", sa.Integer(), sa.ForeignKey("dossiers.id"), nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column("unit_code", sa.String(length=64), nullable=False),
        sa.Column("appointment_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("task_id", sa.Integer(), sa.ForeignKey("human_tasks.id"), nullable=True),
        sa.Column("new_appointment_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("apologized_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dossier_id", "appointment_at"),
    )
    op.create_index("ix_late_dossiers_dossier_id", "late_dossiers", ["dossier_id"])
    op.create_index("ix_late_dossiers_procedure_code", "late_dossiers", ["procedure_code"])
    op.create_index("ix_late_dossiers_unit_code", "late_dossiers", ["unit_code"])


def downgrade() -> None:
    op.drop_table("late_dossiers")
