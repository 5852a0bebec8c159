"""What the shared steps' user tasks are for (`purpose:` in their metadata)

Versions deployed before purposes existed get them here, in their stored metadata and in the new
table, from the shared steps' task ids of that time, so dossiers running on them keep their
desk views and slips.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

# the shared steps' task ids when purposes were introduced (workflows/shared/*.yaml)
PURPOSES_THEN = {
    "reception_check": "intake",
    "reception_recheck": "intake_recheck",
    "processing_supplement_request": "supplement_request",
    "counter_handover": "return_counter",
    "postal_dispatch": "return_post",
    "delivery_failed_followup": "return_redelivery",
}


def upgrade() -> None:
    op.create_table(
        "task_purposes",
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("procedure_versions.id"), nullable=False),
        sa.Column("element_id", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("version_id", "element_id"),
    )
    op.create_index("ix_task_purposes_purpose", "task_purposes", ["purpose"])

    versions = sa.table("procedure_versions", sa.column("id", sa.Integer), sa.column("meta", sa.JSON))
    purposes = sa.table(
        "task_purposes", sa.column("version_id", sa.Integer), sa.column("element_id"), sa.column("purpose")
    )
    connection = op.get_bind()
    for version_id, meta in connection.execute(sa.select(versions.c.id, versions.c.meta)).all():
        tasks = dict((meta or {}).get("tasks") or {})
        marked = {task: purpose for task, purpose in PURPOSES_THEN.items() if task in tasks}
        if not marked:
            continue
        for task, purpose in marked.items():
            tasks[task] = {**(tasks[task] or {}), "purpose": purpose}
        connection.execute(versions.update().where(versions.c.id == version_id).values(meta={**meta, "tasks": tasks}))
        connection.execute(
            purposes.insert(),
            [{"version_id": version_id, "element_id": task, "purpose": purpose} for task, purpose in marked.items()],
        )


def downgrade() -> None:
    op.drop_index("ix_task_purposes_purpose", table_name="task_purposes")
    op.drop_table("task_purposes")
