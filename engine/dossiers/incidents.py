"""Incidents: a step of a live dossier whose script, condition or timer expression failed.

The dossier service rolls the step back (the dossier stays where it was), then opens an incident
here in a transaction of its own, or, when the same step of the same dossier fails again, counts
the attempt on the incident already open. A retry (DossierService.retry_incident) does the step
again and resolves the incident in the same transaction when it passes.

Read by officers (the dossier page's banner), the process designer (the studio's list) and
`motcua incidents`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.data.journal import record
from engine.data.models import Dossier, Incident
from engine.data.store import DossierRow
from engine.errors import StepFailed, not_found
from engine.people.officers import Actor

__all__ = ["IncidentView", "all_incidents", "failed", "open_incidents", "opened", "resolve", "row"]

KINDS = ("submit", "task", "message", "timer")


@dataclass(frozen=True)
class IncidentView:
    id: int
    dossier_code: str
    procedure_code: str
    version_id: int
    element_id: str
    element_name: str | None
    kind: str  # what was being done: "submit", "task", "message" or "timer"
    error: str
    actor: str
    opened_at: datetime
    failed_at: datetime
    attempts: int
    resolved_at: datetime | None
    resolved_by: str | None
    resolution: str | None

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None

    @property
    def element(self) -> str:
        return f"{self.element_id} ({self.element_name})" if self.element_name else self.element_id


def _query(code: str | None, include_resolved: bool):
    query = (
        select(Incident, Dossier.code, Dossier.procedure_code)
        .join(Dossier, Dossier.id == Incident.dossier_id)
        .order_by(Incident.id)
    )
    if code is not None:
        query = query.where(Dossier.code == code)
    if not include_resolved:
        query = query.where(Incident.resolved_at.is_(None))
    return query


def _view(incident: Incident, dossier_code: str, procedure_code: str) -> IncidentView:
    return IncidentView(
        incident.id,
        dossier_code,
        procedure_code,
        incident.version_id,
        incident.element_id,
        incident.element_name,
        incident.kind,
        incident.error,
        incident.actor,
        incident.opened_at,
        incident.failed_at,
        incident.attempts,
        incident.resolved_at,
        incident.resolved_by,
        incident.resolution,
    )


def open_incidents(session: Session, code: str | None = None) -> list[IncidentView]:
    """The open incidents, oldest first, of one dossier (by its code) or of all."""
    return all_incidents(session, code, include_resolved=False)


def all_incidents(session: Session, code: str | None = None, include_resolved: bool = True) -> list[IncidentView]:
    return [_view(*found) for found in session.execute(_query(code, include_resolved))]


def row(session: Session, incident_id: int) -> Incident:
    incident = session.get(Incident, incident_id, populate_existing=True)
    if incident is None:
        raise not_found("incident", incident_id)
    return incident


def opened(
    session: Session,
    dossier: DossierRow,
    version_id: int,
    err: Any,
    kind: str,
    retry_with: dict[str, Any],
    actor: Actor,
    now: datetime,
    retried: int | None = None,
) -> Incident:
    """Open an incident for `err` (a ScriptError) on the dossier, which the caller holds locked and
    saves. The same step failing again on an open incident, or a retry of incident `retried`
    failing (maybe further on), counts as another attempt of that incident instead."""
    element_id = getattr(err, "element_id", None) or "?"
    if retried is not None:
        same = row(session, retried)
    else:
        same = session.scalars(
            select(Incident).where(
                Incident.dossier_id == dossier.id,
                Incident.element_id == element_id,
                Incident.kind == kind,
                Incident.resolved_at.is_(None),
            )
        ).first()
    error = str(err)
    if same is not None:
        same.error, same.failed_at, same.attempts = error, now, same.attempts + 1
        same.element_id, same.element_name = element_id, getattr(err, "element_name", None)
        same.retry_with = {**same.retry_with, **_jsonable(retry_with)}
        session.flush()
        return same
    incident = Incident(
        dossier_id=dossier.id,
        version_id=version_id,
        element_id=element_id,
        element_name=getattr(err, "element_name", None),
        kind=kind,
        error=error,
        retry_with=_jsonable({**retry_with, "actor_kind": actor.kind}),
        actor_id=actor.user_id,
        actor=actor.name,
        opened_at=now,
        failed_at=now,
        attempts=1,
    )
    session.add(incident)
    session.flush()
    record(
        session,
        dossier.id,
        actor,
        "incident_opened",
        now,
        incident=incident.id,
        element=element_id,
        element_name=incident.element_name,
        error=error,
    )
    return incident


def resolve(session: Session, incident: Incident, actor: Actor, now: datetime, resolution: str) -> None:
    """Mark the incident resolved and say so in the dossier's history (the caller links and saves)."""
    incident.resolved_at, incident.resolved_by, incident.resolution = now, actor.name, resolution
    record(session, incident.dossier_id, actor, "incident_resolved", now, incident=incident.id, resolution=resolution)


def acting_as(incident: Incident) -> Actor:
    """Who the retried step is done as: whoever was acting when it failed."""
    kind = (incident.retry_with or {}).get("actor_kind", "officer")
    return Actor(incident.actor, incident.actor_id, kind)


def failed(err: Any, incident_id: int) -> StepFailed:
    """What the person acting is told."""
    return StepFailed(
        f"Bước xử lý bị lỗi: {err}. Hồ sơ vẫn giữ nguyên như trước; người thiết kế quy trình xem được "
        f"sự cố #{incident_id} và thử lại sau khi sửa.",
        f"The step failed: {err}. The dossier stays where it was; the process designer can see "
        f"incident #{incident_id} and retry it after a fix.",
        incident_id,
    )


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(values, default=str))
