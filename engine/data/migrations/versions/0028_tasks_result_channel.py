"""Tasks carry their dossier's result channel (how the applicant takes the result back), so the
result-return view's per-channel counts read the tasks' index alone instead of joining each waiting
task's dossier; on PostgreSQL the purpose index carries it and the role (INCLUDE), so the intake
and return views' counts for an officer's roles read that index alone.

The open tasks take their dossier's channel here (they are what the views read; a dossier's channel
never changes after submission); tasks done before keep none.

Revision ID: 0028_tasks_result_channel
Revises: 0027_dossiers_apologies
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0028_tasks_result_channel"
down_revision = "0027_dossiers_apologies"
branch_labels = None
depends_on = None

PURPOSE_QUEUE = ["unit_code", "status", "element_id", "due_at", "created_at", "id"]


def upgrade() -> None:
    op.add_column("human_tasks", sa.Column("result_channel", sa.String(length=20), nullable=True))
    op.execute(
        "UPDATE human_tasks SET result_channel ="
        " (SELECT dossiers.result_channel FROM dossiers WHERE dossiers.id = human_tasks.dossier_id)"
        " WHERE status IN ('new', 'claimed')"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_human_tasks_purpose_queue", table_name="human_tasks")
        op.create_index(
            "ix_human_tasks_purpose_queue",
            "human_tasks",
            PURPOSE_QUEUE,
            postgresql_include=["result_channel", "role_code"],
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_human_tasks_purpose_queue", table_name="human_tasks")
        op.create_index("ix_human_tasks_purpose_queue", "human_tasks", PURPOSE_QUEUE)
    # plain ALTER (SQLite 3.35+ too): a batch copy would break the tables referring to human_tasks
    op.execute("ALTER TABLE human_tasks DROP COLUMN result_channel")
