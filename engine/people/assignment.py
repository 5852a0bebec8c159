"""Who may do what with a human task: every transition and its permission check, in one place.

    new ──claim──▶ claimed ──complete──▶ done
     ▲  ◀─unclaim──   │
     └── reassign ────┘ (a leader gives it to a holder of the role)
    new/claimed ──(the process moves on without it)──▶ canceled

A task is offered to every officer who holds its role in the dossier's unit; claiming makes it
theirs alone. Completing an unclaimed task claims it on the way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, tzinfo

from sqlalchemy import Connection, select

from engine.data.models import Role, TaskStatus
from engine.data.store import Colleague, TaskRow, fill_names, holds_role
from engine.errors import NotAllowed, TaskNotOpen
from engine.people.officers import Actor

LEADER_ROLE = "leadership"
OPEN = (TaskStatus.NEW, TaskStatus.CLAIMED)


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[TaskStatus, ...]
    target: TaskStatus
    check: Callable[[Connection, TaskRow, Actor, Colleague | None], None]


def _role_named(conn: Connection, code: str) -> str:
    """A role as a Vietnamese officer knows it (“Phòng Thu”), its code beside it for the English."""
    name = conn.execute(select(Role.name_vi).where(Role.code == code)).scalar()
    return f"“{name}”" if name else f"'{code}'"


def _must_hold_role(conn: Connection, task: TaskRow, actor: Actor, _target) -> None:
    if task.actor_id == actor.user_id and task.actor_holds_role is not None:
        allowed = task.actor_holds_role  # read with the task row
    else:
        allowed = holds_role(conn, actor.user_id, task.role_code, task.unit_code)
    if not allowed:
        raise NotAllowed(
            f"{actor.name} không giữ vai trò {_role_named(conn, task.role_code)} tại đơn vị {task.unit_code}",
            f"{actor.name} does not hold the role '{task.role_code}' in unit {task.unit_code}",
        )


def _must_not_be_someone_elses(conn, task: TaskRow, actor: Actor, target) -> None:
    if task.status == TaskStatus.CLAIMED and task.assignee_id != actor.user_id:
        who = task.assignee_name or "?"
        raise NotAllowed(f"Công việc này đang do {who} xử lý", f"This task is claimed by {who}")
    _must_hold_role(conn, task, actor, target)


def _assignee_or_leader(conn, task: TaskRow, actor: Actor, target) -> None:
    if task.assignee_id == actor.user_id:
        return
    _must_lead(conn, task, actor, target)


def _must_lead(conn, task: TaskRow, actor: Actor, target) -> None:
    if not holds_role(conn, actor.user_id, LEADER_ROLE, task.unit_code):
        raise NotAllowed(
            f"Chỉ lãnh đạo đơn vị {task.unit_code} mới được làm việc này",
            f"Only a leader of unit {task.unit_code} may do this",
        )


def _leader_and_target_holds_role(conn, task: TaskRow, actor: Actor, target: Colleague | None) -> None:
    _must_lead(conn, task, actor, target)
    if target is None or not holds_role(conn, target.id, task.role_code, task.unit_code):
        name = target.name if target else "?"
        raise NotAllowed(
            f"{name} không giữ vai trò {_role_named(conn, task.role_code)} tại đơn vị {task.unit_code}",
            f"{name} does not hold the role '{task.role_code}' in unit {task.unit_code}",
        )


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("claim", (TaskStatus.NEW,), TaskStatus.CLAIMED, _must_hold_role),
        Transition("unclaim", (TaskStatus.CLAIMED,), TaskStatus.NEW, _assignee_or_leader),
        Transition("reassign", OPEN, TaskStatus.CLAIMED, _leader_and_target_holds_role),
        Transition("complete", OPEN, TaskStatus.DONE, _must_not_be_someone_elses),
    )
}


def apply(
    conn: Connection,
    task: TaskRow,
    action: str,
    actor: Actor,
    now: datetime,
    zone: tzinfo,
    target: Colleague | None = None,
) -> None:
    """Check and apply one transition to a task row (the caller saves it); raises TaskNotOpen or
    NotAllowed before changing anything. `zone`: the office's, for the times an error names."""
    transition = TRANSITIONS[action]
    if task.status not in transition.sources or (
        action == "complete" and task.status == TaskStatus.CLAIMED and task.assignee_id != actor.user_id
    ):
        fill_names(conn, task)  # an error names who has it or did it
    if task.status not in transition.sources:
        raise _not_open(task, action, zone)
    transition.check(conn, task, actor, target)
    task.status = transition.target
    if action == "claim":
        task.assignee_id, task.claimed_at = actor.user_id, now
    elif action == "unclaim":
        task.assignee_id, task.claimed_at = None, None
    elif action == "reassign":
        task.assignee_id, task.claimed_at = target.id, now
    elif action == "complete":
        task.assignee_id = task.assignee_id or actor.user_id
        task.claimed_at = task.claimed_at or now
        task.completed_by_id, task.finished_at = actor.user_id, now


def cancel(task: TaskRow, now: datetime) -> None:
    """The process moved on without this task (a timer fired, the dossier was withdrawn)."""
    task.status, task.finished_at = TaskStatus.CANCELED, now


def _not_open(task: TaskRow, action: str, zone: tzinfo) -> TaskNotOpen:
    if task.status == TaskStatus.DONE:
        who = task.completed_by_name or "?"
        when = task.finished_at.astimezone(zone).strftime("%d/%m/%Y %H:%M") if task.finished_at else "?"
        return TaskNotOpen(
            f"Công việc '{task.title}' đã được {who} hoàn thành lúc {when}",
            f"Task '{task.title}' was already completed by {who} at {when}",
        )
    if task.status == TaskStatus.CANCELED:
        return TaskNotOpen(
            f"Công việc '{task.title}' đã bị hủy vì hồ sơ đã chuyển bước",
            f"Task '{task.title}' was canceled: the dossier moved on without it",
        )
    if action == "claim":
        who = task.assignee_name or "?"
        return TaskNotOpen(
            f"Công việc '{task.title}' đã được {who} nhận", f"Task '{task.title}' was already claimed by {who}"
        )
    return TaskNotOpen(f"Công việc '{task.title}' chưa được ai nhận", f"Task '{task.title}' is not claimed")
