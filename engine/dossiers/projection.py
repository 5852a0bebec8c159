"""Project a dossier's workflow into the tables people query: human tasks, timers, status, events,
outbox. Runs after every advance, in the same transaction as the saved state."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.data.db import insert_later
from engine.data.journal import queue, record
from engine.data.models import HumanTask, TaskStatus, Timer, TimerStatus
from engine.data.store import DossierRow, open_tasks_of, save_task
from engine.people import assignment
from engine.people.officers import Actor
from engine.statuses import DossierStatus
from engine.workflow.bpmn_specs import event_definitions

# What diagrams may send to the outside through the outbox (connectors deliver them).
OUTBOX_KINDS = frozenset({"payout.transfer", "postal.order", "notify.applicant"})


@dataclass
class Effects:
    """What one advance of a dossier did and asked for; applied when it is saved."""

    statuses: list[int] = field(default_factory=list)  # set_status() calls from scripts, in order
    messages: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # send() calls, in order
    # ids of the READY user tasks before the advance: their rows are the dossier's open tasks
    open_before: set[str] = field(default_factory=set)
    # ids of the user tasks the advance itself completed (their rows are already updated)
    completed: set[str] = field(default_factory=set)
    # ids of the READY user tasks after the advance (set by project): the next advance's open_before
    open_after: frozenset[str] = frozenset()

    def set_status(self, code: int) -> None:
        self.statuses.append(int(DossierStatus(int(code))))  # refuses codes outside 1-10

    def send(self, kind: str, **payload: Any) -> None:
        """Queue a message to the outside (a transfer order, a postal order, ...) for the outbox."""
        if kind not in OUTBOX_KINDS:
            raise ValueError(f"unknown message kind {kind!r}; known: {', '.join(sorted(OUTBOX_KINDS))}")
        self.messages.append((kind, payload))

    def functions(self) -> dict[str, Any]:
        """What scripts in diagrams may call."""
        return {"set_status": self.set_status, "send": self.send, "date": date}


def project(
    session: Session, dossier: DossierRow, wf: BpmnWorkflow, effects: Effects, actor: Actor, now: datetime
) -> list[int]:
    """Bring the dossier's rows in line with its workflow; returns the statuses it moved to."""
    ready, waiting = _open_work(wf)
    effects.open_after = frozenset(ready)
    # What the engine does next (a status, the end) is the office's doing, not an outside
    # system's: the post's "delivered" does not sign the dossier off; the history says the system.
    moved_by = Actor.system() if actor.kind == "system" else actor
    _sync_human_tasks(session, dossier, effects, ready, now)
    _sync_timers(session, dossier, wf, waiting, now)
    moved_to = []
    for code in effects.statuses:
        if code != dossier.status:
            moved_to.append(code)
            record(session, dossier.id, moved_by, "status_changed", now, old=dossier.status, new=code)
            # every status change goes to the national portal and to the applicant
            queue(session, dossier.id, "portal.status", now, dossier_code=dossier.code, status=code, at=now.isoformat())
            queue(session, dossier.id, "notify.status", now, dossier_code=dossier.code, status=code)
            dossier.status = code
    effects.statuses.clear()
    for kind, payload in effects.messages:
        queue(session, dossier.id, kind, now, **{**_plain(payload), "dossier_code": dossier.code})
    effects.messages.clear()
    if wf.is_completed() and dossier.finished_at is None:
        dossier.finished_at = now
        record(session, dossier.id, moved_by, "finished", now, status=dossier.status)
    dossier.updated_at = now
    return moved_to


def open_user_tasks(wf: BpmnWorkflow) -> set[str]:
    return set(_open_work(wf)[0])


def _open_work(wf: BpmnWorkflow):
    """READY user tasks and WAITING tasks of the workflow and its subprocesses, in one pass."""
    ready, waiting = {}, []
    for workflow in (wf, *wf.subprocesses.values()):
        for task in workflow.tasks.values():
            if task.state == TaskState.READY and task.task_spec.manual:
                ready[str(task.id)] = task
            elif task.state == TaskState.WAITING:
                waiting.append(task)
    return ready, waiting


def _sync_human_tasks(session: Session, dossier: DossierRow, effects: Effects, ready: dict, now: datetime) -> None:
    # Rows exist exactly for the tasks that were READY before the advance (the projection keeps
    # it so), so only tasks that left without being completed by the advance need their rows.
    gone = effects.open_before - set(ready) - effects.completed
    if gone:
        conn = session.connection()
        for row in open_tasks_of(conn, dossier.id, gone):
            assignment.cancel(row, now)
            save_task(conn, row)
            record(session, dossier.id, Actor.system(), "task_canceled", now, task=row.element_id, task_id=row.id)
    for spiff_id, task in ready.items():
        if spiff_id in effects.open_before:
            continue
        spec = task.task_spec
        insert_later(
            session,
            HumanTask,
            dossier_id=dossier.id,
            spiff_task_id=spiff_id,
            element_id=spec.bpmn_id,
            title=spec.bpmn_name or spec.bpmn_id,
            role_code=spec.lane,
            unit_code=dossier.unit_code,
            status=TaskStatus.NEW,
            assignee_id=None,
            completed_by_id=None,
            created_at=now,
            claimed_at=None,
            finished_at=None,
            due_at=None,
            result_channel=dossier.result_channel,
        )


def _sync_timers(session: Session, dossier: DossierRow, wf: BpmnWorkflow, waiting_tasks: list, now: datetime) -> None:
    waiting = {}
    for task in waiting_tasks:
        is_timer = any(isinstance(d, TimerEventDefinition) for d in event_definitions(task.task_spec))
        due = task._get_internal_data("event_value")
        if is_timer and isinstance(due, str):
            waiting[str(task.id)] = (task, TimerEventDefinition.get_datetime(due))
    if not waiting and dossier.next_timer_at is None:
        return  # no timer before, none now: nothing to look up
    rows = session.scalars(
        select(Timer).where(Timer.dossier_id == dossier.id, Timer.status == TimerStatus.PENDING)
    ).all()
    for row in rows:
        if row.spiff_task_id in waiting:
            continue
        # Overdue timers fire before anything else an advance does (see DossierService._advance),
        # so a timer task that completed at or after its due time is one that fired.
        fired = row.due_at <= now and _task_completed(wf, row.spiff_task_id)
        row.status = TimerStatus.FIRED if fired else TimerStatus.CANCELED
        row.fired_at = now if fired else None
        if fired:
            record(session, dossier.id, Actor.system(), "timer_fired", now, element=row.element_id)
    known = {row.spiff_task_id for row in rows}
    for spiff_id, (task, due) in waiting.items():
        if spiff_id not in known:
            session.add(
                Timer(
                    dossier_id=dossier.id,
                    spiff_task_id=spiff_id,
                    element_id=task.task_spec.bpmn_id,
                    due_at=due,
                    status=TimerStatus.PENDING,
                )
            )
    dossier.next_timer_at = min((due for _task, due in waiting.values()), default=None)


def _task_completed(wf: BpmnWorkflow, spiff_id: str) -> bool:
    task = find_task(wf, spiff_id)
    return task is not None and task.state == TaskState.COMPLETED


def find_task(wf: BpmnWorkflow, spiff_id: str):
    """A task of the workflow or of any of its subprocesses, or None if it left the tree."""
    key = uuid.UUID(spiff_id)
    for workflow in (wf, *wf.subprocesses.values()):
        if key in workflow.tasks:
            return workflow.tasks[key]
    return None


def _plain(payload: dict[str, Any]) -> dict[str, Any]:
    """Outbox payloads are JSON: dates as ISO text, exact amounts as text."""
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else str(v) if hasattr(v, "as_tuple") else v)
        for k, v in payload.items()
    }
