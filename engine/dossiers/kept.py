"""Messages from outside systems that come before the step waiting for them.

The post may report a parcel delivered before the desk has recorded handing it over, and a bank may
answer while nothing waits for it; neither will say it again. Such a message, if the procedure waits
for it somewhere, is kept (`kept_messages`, counted on the dossier) and delivered by the advance that
reaches a step waiting for it, in that advance's transaction, oldest first, each once. Messages still
kept when the dossier ends are dropped with a note in its history: nothing would ever take them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.data.journal import record
from engine.data.models import KeptMessage
from engine.data.store import DossierRow
from engine.people.officers import Actor
from engine.workflow.bpmn_specs import event_definitions


def waits_for(wf: BpmnWorkflow, name: str) -> bool:
    """Whether a step of the workflow (or of a subprocess) waits for the message `name` now."""
    return any(
        isinstance(d, MessageEventDefinition) and d.name == name
        for t in wf.get_tasks(state=TaskState.WAITING)
        for d in event_definitions(t.task_spec)
    )


def keep(session: Session, dossier: DossierRow, name: str, payload: dict[str, Any], actor: Actor, now) -> None:
    session.add(
        KeptMessage(
            dossier_id=dossier.id,
            name=name,
            payload=_jsonable(payload),
            actor_id=actor.user_id,
            actor=actor.name,
            received_at=now,
        )
    )
    dossier.kept_messages += 1
    record(session, dossier.id, actor, "message_kept", now, message=name, payload=_jsonable(payload))


def deliver_or_drop(
    session: Session, dossier: DossierRow, wf: BpmnWorkflow, now: datetime, take: Callable[..., None]
) -> None:
    """Deliver, oldest first, each kept message the workflow now waits for (`take(name, payload,
    actor, now, kept_since=...)` delivers one); drop what is left if the workflow has ended."""
    rows = list(
        session.scalars(select(KeptMessage).where(KeptMessage.dossier_id == dossier.id).order_by(KeptMessage.id))
    )
    while True:  # each delivery moves the workflow on, so look again from the oldest
        row = next((r for r in rows if waits_for(wf, r.name)), None)
        if row is None:
            break
        rows.remove(row)
        take(row.name, row.payload, _sender(row), now, kept_since=row.received_at.isoformat())
        session.delete(row)
    if wf.is_completed():
        for row in rows:
            record(
                session,
                dossier.id,
                _sender(row),
                "message_dropped",
                now,
                message=row.name,
                payload=row.payload,
                kept_since=row.received_at.isoformat(),
            )
            session.delete(row)
        rows = []
    dossier.kept_messages = len(rows)


def _sender(row: KeptMessage) -> Actor:
    return Actor(row.actor, row.actor_id, "system")


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}
