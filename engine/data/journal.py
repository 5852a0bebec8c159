"""The two append-only journals every part of the engine writes to: a dossier's history (events)
and the outbox of side effects for the outside systems. Rows are written with the rest of the
caller's transaction, so a change and what it tells the world commit or roll back together."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy.orm import Session

from engine.data.db import insert_later
from engine.data.models import Event, OutboxMessage


class Doer(Protocol):
    """Whoever did something, as the history names them (engine.people.officers.Actor is one)."""

    name: str
    user_id: int | None


def record(session: Session, dossier_id: int, actor: Doer, kind: str, now: datetime, **data: Any) -> None:
    """Append to the dossier's history (written with the rest of the transaction)."""
    insert_later(
        session, Event, dossier_id=dossier_id, at=now, actor_id=actor.user_id, actor=actor.name, kind=kind, data=data
    )


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
