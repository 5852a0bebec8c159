"""Tamper-evident history: each event chained to the one before by its hash

Events get their place in their dossier's chain (seq), the hash of the event before (prev_hash)
and their own hash; dossiers get the chain's head. Events already stored are chained here, per
dossier in the order they were written (by id), so `motcua audit verify` passes on an upgraded
database. The append-only triggers are dropped while the new columns are filled and made again.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07
"""

import hashlib
import json
from datetime import UTC

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

GENESIS = "0" * 64
_BATCH = 500  # dossiers whose events are read and chained at a time


def _event_hash(dossier_id, seq, at, actor_id, actor, kind, data, prev_hash) -> str:
    """The chain's hash as engine.data.audit.event_hash computed it when this was written (a copy:
    a later change there must not change what this migration wrote)."""
    at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    body = [dossier_id, seq, at.isoformat(), actor_id, actor, kind, data, prev_hash]
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _drop_append_only_triggers(sqlite)
    op.add_column("dossiers", sa.Column("last_event_seq", sa.Integer(), nullable=False, server_default="0"))
    op.add_column(
        "dossiers", sa.Column("last_event_hash", sa.String(length=64), nullable=False, server_default=GENESIS)
    )
    op.add_column("events", sa.Column("seq", sa.Integer(), nullable=True))
    op.add_column("events", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("events", sa.Column("hash", sa.String(length=64), nullable=True))
    _chain_stored_events()
    with op.batch_alter_table("events", schema=None) as batch_op:
        for column in ("seq", "prev_hash", "hash"):
            batch_op.alter_column(column, nullable=False)
        batch_op.drop_index("ix_events_dossier_id")
        batch_op.create_index("ix_events_dossier_seq", ["dossier_id", "seq"], unique=True)
    _make_events_append_only(sqlite)


def _chain_stored_events() -> None:
    connection = op.get_bind()
    dossiers = sa.table(
        "dossiers", sa.column("id", sa.Integer), sa.column("last_event_seq"), sa.column("last_event_hash")
    )
    events = sa.table(
        "events",
        sa.column("id", sa.Integer),
        sa.column("dossier_id", sa.Integer),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor_id", sa.Integer),
        sa.column("actor", sa.String),
        sa.column("kind", sa.String),
        sa.column("data", sa.JSON),
        sa.column("seq", sa.Integer),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )
    set_event = (
        events.update()
        .where(events.c.id == sa.bindparam("event_id"))
        .values(seq=sa.bindparam("seq"), prev_hash=sa.bindparam("prev"), hash=sa.bindparam("own"))
    )
    set_head = (
        dossiers.update()
        .where(dossiers.c.id == sa.bindparam("dossier"))
        .values(last_event_seq=sa.bindparam("seq"), last_event_hash=sa.bindparam("head"))
    )
    ids = connection.execute(sa.select(events.c.dossier_id).distinct().order_by(events.c.dossier_id)).scalars().all()
    for start in range(0, len(ids), _BATCH):
        chunk = ids[start : start + _BATCH]
        rows = connection.execute(
            sa.select(
                events.c.id,
                events.c.dossier_id,
                events.c.at,
                events.c.actor_id,
                events.c.actor,
                events.c.kind,
                events.c.data,
            )
            .where(events.c.dossier_id.between(chunk[0], chunk[-1]))
            .order_by(events.c.dossier_id, events.c.id)
        ).all()
        links, heads, seq, prev, current = [], {}, 0, GENESIS, None
        for event_id, dossier_id, at, actor_id, actor, kind, data in rows:
            if dossier_id != current:
                current, seq, prev = dossier_id, 0, GENESIS
            seq += 1
            own = _event_hash(dossier_id, seq, at, actor_id, actor, kind, data, prev)
            links.append({"event_id": event_id, "seq": seq, "prev": prev, "own": own})
            heads[dossier_id] = (seq, own)
            prev = own
        connection.execute(set_event, links)
        connection.execute(set_head, [{"dossier": d, "seq": s, "head": h} for d, (s, h) in heads.items()])


def _drop_append_only_triggers(sqlite: bool) -> None:
    if sqlite:
        op.execute("DROP TRIGGER IF EXISTS events_no_update")
        op.execute("DROP TRIGGER IF EXISTS events_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS events_append_only ON events")


def _make_events_append_only(sqlite: bool) -> None:
    """As 0001 made them: UPDATE and DELETE on events are refused by the database itself (on
    SQLite, the batch copy of the table above would have dropped them anyway)."""
    if sqlite:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER events_no_{action.lower()} BEFORE {action} ON events "
                "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
            )
    else:
        op.execute(
            "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
            "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    _drop_append_only_triggers(sqlite)
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index("ix_events_dossier_seq")
        batch_op.create_index("ix_events_dossier_id", ["dossier_id"], unique=False)
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("seq")
    with op.batch_alter_table("dossiers", schema=None) as batch_op:
        batch_op.drop_column("last_event_hash")
        batch_op.drop_column("last_event_seq")
    _make_events_append_only(sqlite)
