"""Officers' search by a whole name: each dossier's names kept whole in the search projection (kind
`fullname`, "=nguyen van an" and "=van an"), so a name typed in order is one prefix range instead of
the intersection of its words' ranges; filled here for the dossiers before it, new ones write their own

Revision ID: 0032_name_search_fullname
Revises: 0031_events_messages_index
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

from engine.data.search_index import MAX_VALUE, NAME_FIELDS, whole_names

revision = "0032_name_search_fullname"
down_revision = "0031_events_messages_index"
branch_labels = None
depends_on = None

_BATCH = 10_000

_dossiers = sa.table("dossiers", sa.column("id", sa.Integer), sa.column("applicant_name", sa.String))
_events = sa.table(
    "events", sa.column("dossier_id", sa.Integer), sa.column("kind", sa.String), sa.column("data", sa.JSON)
)
_terms = sa.table(
    "search_terms", sa.column("dossier_id", sa.Integer), sa.column("kind", sa.String), sa.column("value", sa.String)
)


def upgrade() -> None:
    """The names each dossier is filed under and its application (as submitted) holds, as
    engine.data.search_index.terms keeps them, in batches by id: a million dossiers never in memory."""
    connection = op.get_bind()
    last = 0
    while True:
        rows = connection.execute(
            sa.select(_dossiers.c.id, _dossiers.c.applicant_name, _events.c.data)
            .select_from(
                _dossiers.outerjoin(
                    _events, sa.and_(_events.c.dossier_id == _dossiers.c.id, _events.c.kind == "submitted")
                )
            )
            .where(_dossiers.c.id > last)
            .order_by(_dossiers.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        found: set[tuple[int, str]] = set()
        for row in rows:
            application = (row.data or {}).get("application") or {}
            for name in (row.applicant_name, *(application.get(f) for f in NAME_FIELDS)):
                if name:
                    found |= {(row.id, value[:MAX_VALUE]) for value in whole_names(name)}
        # a database made from before the projection has them already: 0022 fills it with today's terms
        connection.execute(
            sa.delete(_terms).where(
                _terms.c.dossier_id > last, _terms.c.dossier_id <= rows[-1].id, _terms.c.kind == "fullname"
            )
        )
        if found:
            connection.execute(
                sa.insert(_terms), [{"dossier_id": d, "kind": "fullname", "value": v} for d, v in sorted(found)]
            )
        last = rows[-1].id


def downgrade() -> None:
    op.execute(sa.delete(_terms).where(_terms.c.kind == "fullname"))
