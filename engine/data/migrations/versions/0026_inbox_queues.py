"""Inboxes at a million dossiers: each view's rows read in its order from an index, a page or a
capped count reading a few entries (engine.dossiers.inbox). The unit/status/role index, with the
order's keys after them, replaces ix_human_tasks_inbox (a led unit's count reads it by unit and
status); the intake and return views read the shared steps' tasks by element; an officer's claimed
and done tasks are read by role and unit (the assignee index replaces ix_human_tasks_assignee_id);
a unit's dossiers by status get theirs.

Revision ID: 0026_inbox_queues
Revises: 0025_pending_timers_index
Create Date: 2026-12-06
"""

from alembic import op

revision = "0026_inbox_queues"
down_revision = "0025_pending_timers_index"
branch_labels = None
depends_on = None

ORDER = ["due_at", "created_at", "id"]


def upgrade() -> None:
    op.create_index("ix_human_tasks_queue", "human_tasks", ["unit_code", "status", "role_code", *ORDER])
    op.drop_index("ix_human_tasks_inbox", table_name="human_tasks")
    op.create_index("ix_human_tasks_purpose_queue", "human_tasks", ["unit_code", "status", "element_id", *ORDER])
    op.create_index(
        "ix_human_tasks_assignee_queue", "human_tasks", ["assignee_id", "status", "role_code", "unit_code", *ORDER]
    )
    op.drop_index("ix_human_tasks_assignee_id", table_name="human_tasks")
    op.create_index(
        "ix_human_tasks_completer_queue",
        "human_tasks",
        ["completed_by_id", "status", "role_code", "unit_code", *ORDER],
    )
    op.create_index(
        "ix_dossiers_unit_status_timer", "dossiers", ["unit_code", "status", "next_timer_at", "updated_at", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_dossiers_unit_status_timer", table_name="dossiers")
    op.drop_index("ix_human_tasks_completer_queue", table_name="human_tasks")
    op.create_index("ix_human_tasks_assignee_id", "human_tasks", ["assignee_id"])
    op.drop_index("ix_human_tasks_assignee_queue", table_name="human_tasks")
    op.drop_index("ix_human_tasks_purpose_queue", table_name="human_tasks")
    op.create_index("ix_human_tasks_inbox", "human_tasks", ["role_code", "unit_code", "status", "due_at"])
    op.drop_index("ix_human_tasks_queue", table_name="human_tasks")
