"""The dossier's clock: its appointment set on acceptance, stopped while the applicant is asked
for papers during processing, and moved when they arrive."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from engine.data.db import rows_to_insert
from engine.data.journal import queue, record
from engine.data.models import HumanTask
from engine.data.store import DossierRow
from engine.people.officers import Actor
from engine.sla import late
from engine.sla.limits import limit_for
from engine.sla.workdays import WorkCalendar
from engine.statuses import DossierStatus
from engine.workflow.metadata import STEPS, ProcedureMeta


def follow_status(
    session: Session,
    dossier: DossierRow,
    moved_to: list[int],
    meta: ProcedureMeta,
    calendar: WorkCalendar,
    now: datetime,
    application: Mapping[str, Any] | None = None,
) -> None:
    """Keep the clock in step with the statuses an advance moved the dossier through;
    `application` (the applicant's data) chooses the limit where it depends on it."""
    dropped = False  # open apologies looked for already in this advance
    for status in moved_to:
        if status == DossierStatus.ACCEPTED and dossier.received_on is None:
            _set_appointment(session, dossier, meta, calendar, now, application or {})
        elif status == DossierStatus.SUPPLEMENT_REQUESTED and dossier.appointment_at is not None:
            dossier.paused_at = now
            record(session, dossier.id, Actor.system(), "clock_paused", now)
        elif dossier.paused_at is not None and status == DossierStatus.PROCESSING:
            _resume(session, dossier, meta, calendar, now, application or {})
        elif status == DossierStatus.FINISHED and dossier.processed_at is None:
            dossier.processed_at = now  # the limit covers processing, not the result's way back
            late.drop_open_apologies(session, dossier, now)  # the result is out: nothing to apologise for
            dropped = True
    if dossier.finished_at is not None:
        dossier.paused_at = None  # stopped for good (the papers never came, or it was withdrawn)
        if not dropped:
            late.drop_open_apologies(session, dossier, now)


def _set_appointment(session, dossier: DossierRow, meta: ProcedureMeta, calendar: WorkCalendar, now, data) -> None:
    limit = limit_for(meta, data)
    dossier.received_on = calendar.received_day(now)
    dossier.appointment_at = calendar.due(dossier.received_on, limit.days, limit.unit)
    record(
        session,
        dossier.id,
        Actor.system(),
        "appointment_set",
        now,
        received_on=dossier.received_on.isoformat(),
        appointment_at=dossier.appointment_at.isoformat(),
        limit_days=limit.days,
        limit_unit=limit.unit,
    )


def _resume(session, dossier: DossierRow, meta: ProcedureMeta, calendar: WorkCalendar, now, data) -> None:
    """The papers arrived: the clock resumes (the appointment moves by the days it was stopped) or
    restarts from zero, as the procedure's metadata says; the applicant is told the new date."""
    stopped_on, resumed_on = calendar.received_day(dossier.paused_at), calendar.received_day(now)
    old = dossier.appointment_at
    limit = limit_for(meta, data)
    if meta.on_supplement == "restart":
        new = calendar.due(resumed_on, limit.days, limit.unit)
    elif limit.unit == "working":
        paused = _working_days_between(calendar, stopped_on, resumed_on)
        new = calendar.due(old.astimezone(calendar.zone).date(), paused)
    else:
        paused = (resumed_on - stopped_on).days
        if limit.unit == "calendar_no_holidays":  # the holidays while stopped were not counted anyway
            paused -= sum(calendar.is_holiday(stopped_on + timedelta(days=i)) for i in range(paused))
        new = calendar.due(old.astimezone(calendar.zone).date(), paused, limit.unit)
    dossier.paused_at, dossier.appointment_at = None, new
    record(
        session,
        dossier.id,
        Actor.system(),
        "clock_resumed",
        now,
        mode=meta.on_supplement,
        old_appointment=old.isoformat(),
        appointment_at=new.isoformat(),
    )
    queue(
        session,
        dossier.id,
        "notify.appointment",
        now,
        dossier_code=dossier.code,
        appointment_at=new.isoformat(),
        reason="supplement_received",
    )


def _working_days_between(calendar: WorkCalendar, start, end) -> int:
    """Working days from `start` up to, not including, `end`."""
    count, day = 0, start
    while day < end:
        if calendar.is_working_day(day):
            count += 1
        day += timedelta(days=1)
    return count


def set_task_due_times(
    session: Session,
    dossier: DossierRow,
    meta: ProcedureMeta,
    calendar: WorkCalendar,
    now: datetime,
    application: Mapping[str, Any] | None = None,
) -> None:
    """Give the dossier's new human tasks their due times: reception is due the day the dossier
    counts as received; a later step is due when the appointment is, less the days the procedure
    gives to the steps after it (so pauses and apologies that move the appointment move it too)."""
    unit = limit_for(meta, application or {}).unit
    for row in rows_to_insert(session, HumanTask):
        if row["dossier_id"] != dossier.id or row["due_at"] is not None:
            continue
        step = _step_of(row["role_code"], dossier)
        if step is None:
            row["due_at"] = calendar.due(calendar.received_day(now), 0)
            continue
        after = sum(days for name, days in meta.steps.items() if STEPS.index(name) > STEPS.index(step))
        last = dossier.appointment_at.astimezone(calendar.zone).date()
        if unit == "working":
            day = calendar.subtract_working_days(last, after)
        else:
            day = last - timedelta(days=after)
            while not calendar.is_working_day(day):
                day -= timedelta(days=1)
        row["due_at"] = datetime.combine(day, calendar.hours.closes, calendar.zone)


def _step_of(role: str, dossier: DossierRow) -> str | None:
    """Which step of the limit a new task of `role` belongs to (None: reception, before the clock)."""
    if dossier.appointment_at is None:
        return None
    if role == "leadership":
        return "approval"
    if role == "finance" and dossier.status >= DossierStatus.FINISHED:
        return "payout"
    if role == "desk" and dossier.status >= DossierStatus.FINISHED:
        return "return"
    return "processing"
