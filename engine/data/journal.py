"""The two append-only journals every part of the engine writes to: a dossier's history (events)
and the outbox of side effects for the outside systems. Rows are written with the rest of the
caller's transaction, so a change and what it tells the world commit or roll back together.
Events are chained per dossier (engine.data.audit): by `link_events` when the caller holds the
dossier's row and saves it, otherwise when the transaction commits."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from engine.data.audit import link
from engine.data.db import insert_later, rows_to_insert
from engine.data.models import Event, OutboxMessage
from engine.data.store import DossierRow


class Doer(Protocol):
    """Whoever did something, as the history names them (engine.people.officers.Actor is one)."""

    name: str
    user_id: int | None


def record(session: Session, dossier_id: int, actor: Doer, kind: str, now: datetime, **data: Any) -> None:
    """Append to the dossier's history (written with the rest of the transaction)."""
    insert_later(
        session, Event, dossier_id=dossier_id, at=now, actor_id=actor.user_id, actor=actor.name, kind=kind, data=data
    )


def link_events(session: Session, dossier: DossierRow) -> None:
    """Chain the dossier's events recorded so far in this transaction after its last one, moving
    the head on the row, which the caller holds locked and saves (so the chain costs no
    statement of its own)."""
    for row in rows_to_insert(session, Event):
        if row["dossier_id"] == dossier.id and "hash" not in row:
            seq = dossier.last_event_seq + 1
            dossier.last_event_hash = link(row, seq, dossier.last_event_hash)
            dossier.last_event_seq = seq


def queue(session: Session, dossier_id: int, kind: str, now: datetime, **payload: Any) -> None:
    """Queue a side effect for the outbox worker (written with the rest of the transaction)."""
    insert_later(
        session,
        OutboxMessage,
        dossier_id=dossier_id,
        kind=kind,
        payload=payload,
        idempotency_key=f"{kind}:{uuid.uuid4().hex}",
        status="pending",
        attempts=0,
        created_at=now,
        next_attempt_at=now,
        sent_at=None,
        last_error=None,
    )
