"""Dossiers about to miss their appointment: the office apologises with a new date (form 04).

A job (`DossierService.flag_late_dossiers`) finds dossiers whose appointment falls within one
working day and gives the processing unit an apology task; completing it moves the appointment and
sends the apology to the applicant through the outbox. The task is the office's own (no diagram
has it): its rows carry `spiff_task_id` "office:apology:<n>" and it never touches the workflow.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from engine import forms
from engine.data.journal import queue, record
from engine.data.models import Dossier, HumanTask, LateDossier, TaskStatus
from engine.data.store import DossierRow, TaskRow
from engine.forms import Field, Message
from engine.people.officers import Actor
from engine.sla.workdays import WorkCalendar

APOLOGY = "apology_letter"
OFFICE_TASK_PREFIX = "office:"
APOLOGY_TITLE = "Gửi văn bản xin lỗi, hẹn lại ngày trả kết quả (mẫu 04)"
APOLOGY_FIELDS = (
    Field("new_appointment", "date", Message("Ngày hẹn trả kết quả mới", "New appointment date"), required=True),
    Field("reason", "text", Message("Lý do chậm trả kết quả", "Why the result is late"), required=True),
)


def is_office_task(task: TaskRow) -> bool:
    return task.spiff_task_id.startswith(OFFICE_TASK_PREFIX)


def candidates(session: Session, calendar: WorkCalendar, now: datetime) -> list[int]:
    """Dossiers being processed whose appointment falls within one working day, not yet flagged
    for that appointment."""
    return list(session.scalars(candidates_query(calendar.due(calendar.received_day(now), 1))))


def candidates_query(threshold: datetime) -> Select[tuple[int]]:
    """Dossiers being processed with their appointment by `threshold`, not yet flagged for it.
    Served by the partial index of dossiers still being processed (ix_dossiers_running_appointment):
    the IS NULL conditions below are its predicate, and need no parameter to match it."""
    flagged = exists().where(LateDossier.dossier_id == Dossier.id, LateDossier.appointment_at == Dossier.appointment_at)
    return (
        select(Dossier.id)
        .where(
            Dossier.appointment_at.is_not(None),
            Dossier.appointment_at <= threshold,
            Dossier.processed_at.is_(None),
            Dossier.finished_at.is_(None),
            Dossier.paused_at.is_(None),
            ~flagged,
        )
        .order_by(Dossier.appointment_at)
    )


def flag(session: Session, dossier: DossierRow, role: str, now: datetime) -> bool:
    """Record the coming lateness and open the apology task; False when already flagged (another
    job got there first: the dossier row is locked, so this check is final)."""
    already = session.scalar(
        select(LateDossier.id).where(
            LateDossier.dossier_id == dossier.id, LateDossier.appointment_at == dossier.appointment_at
        )
    )
    if already is not None or dossier.processed_at is not None or dossier.finished_at is not None:
        return False
    count = session.scalar(select(func.count()).where(LateDossier.dossier_id == dossier.id))
    task = HumanTask(
        dossier_id=dossier.id,
        spiff_task_id=f"{OFFICE_TASK_PREFIX}apology:{count + 1}",
        element_id=APOLOGY,
        title=APOLOGY_TITLE,
        role_code=role,
        unit_code=dossier.unit_code,
        status=TaskStatus.NEW,
        created_at=now,
        due_at=dossier.appointment_at,
        result_channel=dossier.result_channel,
    )
    session.add(task)
    session.flush()
    dossier.apologies += 1  # the caller saves the row
    session.add(
        LateDossier(
            dossier_id=dossier.id,
            procedure_code=dossier.procedure_code,
            unit_code=dossier.unit_code,
            appointment_at=dossier.appointment_at,
            detected_at=now,
            task_id=task.id,
        )
    )
    record(
        session,
        dossier.id,
        Actor.system(),
        "late_detected",
        now,
        appointment_at=dossier.appointment_at.isoformat(),
        task_id=task.id,
    )
    return True


def complete_apology(
    session: Session,
    dossier: DossierRow,
    task: TaskRow,
    actor: Actor,
    data: dict[str, Any],
    calendar: WorkCalendar,
    now: datetime,
) -> None:
    """The officer sets the new appointment: it moves, and the applicant gets the apology."""
    cleaned = forms.validate(APOLOGY_FIELDS, data)
    new_day = cleaned["new_appointment"]
    old = dossier.appointment_at
    if not calendar.is_working_day(new_day):
        raise forms.FormError(
            {
                "new_appointment": Message(
                    "Ngày hẹn mới phải là ngày làm việc", "The new appointment must be a working day"
                )
            }
        )
    new = datetime.combine(new_day, calendar.hours.closes, calendar.zone)
    if new <= old:
        raise forms.FormError(
            {
                "new_appointment": Message(
                    "Ngày hẹn mới phải sau ngày hẹn cũ", "The new appointment must be later than the old one"
                )
            }
        )
    dossier.appointment_at = new
    late = session.scalars(select(LateDossier).where(LateDossier.task_id == task.id)).one()
    late.new_appointment_at, late.apologized_at = new, now
    record(
        session,
        dossier.id,
        actor,
        "apology_issued",
        now,
        old_appointment=old.isoformat(),
        appointment_at=new.isoformat(),
        reason=cleaned["reason"],
        task_id=task.id,
    )
    queue(
        session,
        dossier.id,
        "notify.apology",
        now,
        dossier_code=dossier.code,
        form="04",
        old_appointment=old.isoformat(),
        appointment_at=new.isoformat(),
        reason=cleaned["reason"],
    )


def drop_open_apologies(session: Session, dossier: DossierRow, now: datetime) -> None:
    """Cancel apology tasks still open once the dossier's processing is over."""
    if not dossier.apologies:  # never given one: nothing to look for
        return
    tasks = session.scalars(
        select(HumanTask).where(
            HumanTask.dossier_id == dossier.id,
            HumanTask.element_id == APOLOGY,
            HumanTask.status.in_([TaskStatus.NEW, TaskStatus.CLAIMED]),
        )
    )
    for task in tasks:
        task.status, task.finished_at = TaskStatus.CANCELED, now
        record(session, dossier.id, Actor.system(), "task_canceled", now, task=APOLOGY, task_id=task.id)
