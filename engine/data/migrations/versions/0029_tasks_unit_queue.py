"""A unit's open tasks whatever the role, in the inbox order: the leader's overviews of a unit they
lead (due soon, overdue) read one range per status instead of one per role of the unit.

Revision ID: 0029_tasks_unit_queue
Revises: 0028_tasks_result_channel
Create Date: 2026-12-06
"""

from alembic import op

revision = "0029_tasks_unit_queue"
down_revision = "0028_tasks_result_channel"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_human_tasks_unit_queue", "human_tasks", ["unit_code", "status", "due_at", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_human_tasks_unit_queue", table_name="human_tasks")
