"""Version numbers per procedure (P02 v1, v2, ...) and a log of every deploy

Versions stored so far are numbered per procedure in the order they were deployed; each gets a
"new" deployment row at its deployed time, with the one before it as the version live before.

Revision ID: 0016_version_numbers
Revises: 0014
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_version_numbers"
down_revision = "0015_incidents"
branch_labels = None
depends_on = None

_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    # NOT NULL from the start with a placeholder default, filled in below: SQLite cannot make a
    # column NOT NULL later without rebuilding procedure_versions, which dossiers point at
    op.add_column("procedure_versions", sa.Column("number", sa.Integer(), nullable=False, server_default="0"))
    op.create_table(
        "deployments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("procedure_code", sa.String(length=16), nullable=False),
        sa.Column("version_id", sa.Integer(), sa.ForeignKey("procedure_versions.id"), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("by", sa.String(length=200), nullable=False),
        sa.Column("at", _TIME, nullable=False),
        sa.Column("previous_version_id", sa.Integer(), sa.ForeignKey("procedure_versions.id"), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_deployments_procedure_at", "deployments", ["procedure_code", "at"])

    versions = sa.table(
        "procedure_versions",
        sa.column("id", sa.Integer),
        sa.column("code", sa.String),
        sa.column("number", sa.Integer),
        sa.column("deployed_at", _TIME),
    )
    deployments = sa.table(
        "deployments",
        *(sa.column(name) for name in ("procedure_code", "version_id", "kind", "by", "at", "previous_version_id")),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(versions.c.id, versions.c.code, versions.c.deployed_at).order_by(
            versions.c.code, versions.c.deployed_at, versions.c.id
        )
    ).all()
    previous: dict[str, tuple[int, int]] = {}  # code -> (number, id) of the version before
    log = []
    for version_id, code, deployed_at in rows:
        number, before = previous.get(code, (0, None))
        connection.execute(versions.update().where(versions.c.id == version_id).values(number=number + 1))
        log.append(
            {
                "procedure_code": code,
                "version_id": version_id,
                "kind": "new",
                "by": "(before the deployment log)",
                "at": deployed_at,
                "previous_version_id": before,
            }
        )
        previous[code] = (number + 1, version_id)
    if log:
        connection.execute(deployments.insert(), log)
    if connection.dialect.name != "sqlite":  # (SQLite keeps the unused default: see above)
        op.alter_column("procedure_versions", "number", existing_type=sa.Integer(), server_default=None)
    op.create_index("uq_procedure_versions_code_number", "procedure_versions", ["code", "number"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_deployments_procedure_at", table_name="deployments")
    op.drop_table("deployments")
    op.drop_index("uq_procedure_versions_code_number", table_name="procedure_versions")
    with op.batch_alter_table("procedure_versions") as batch:
        batch.drop_column("number")
