"""Who may do what with a human task: every transition and its permission check, in one place.

    new ──claim──▶ claimed ──complete──▶ done
     ▲  ◀─unclaim──   │
     └── reassign ────┘ (a leader gives it to a holder of the role)
    new/claimed ──(the process moves on without it)──▶ canceled

A task is offered to every officer who holds its role in the dossier's unit; claiming makes it
theirs alone. Completing an unclaimed task claims it on the way.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from sqlalchemy.orm import Session

from .errors import NotAllowed, TaskNotOpen
from .models import HumanTask, TaskStatus, User
from .people import Actor, holds_role

LEADER_ROLE = "leadership"
OPEN = (TaskStatus.NEW, TaskStatus.CLAIMED)


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[TaskStatus, ...]
    target: TaskStatus
    check: Callable[[Session, HumanTask, Actor, User | None], None]


def _must_hold_role(session: Session, task: HumanTask, actor: Actor, _target) -> None:
    if not holds_role(session, actor.user_id, task.role_code, task.unit_code):
        raise NotAllowed(
            f"{actor.name} không giữ vai trò '{task.role_code}' tại đơn vị {task.unit_code}",
            f"{actor.name} does not hold the role '{task.role_code}' in unit {task.unit_code}",
        )


def _must_not_be_someone_elses(session, task: HumanTask, actor: Actor, target) -> None:
    _must_hold_role(session, task, actor, target)
    if task.status == TaskStatus.CLAIMED and task.assignee_id != actor.user_id:
        who = task.assignee.full_name if task.assignee else "?"
        raise NotAllowed(f"Công việc này đang do {who} xử lý", f"This task is claimed by {who}")


def _assignee_or_leader(session, task: HumanTask, actor: Actor, target) -> None:
    if task.assignee_id == actor.user_id:
        return
    _must_lead(session, task, actor, target)


def _must_lead(session, task: HumanTask, actor: Actor, target) -> None:
    if not holds_role(session, actor.user_id, LEADER_ROLE, task.unit_code):
        raise NotAllowed(
            f"Chỉ lãnh đạo đơn vị {task.unit_code} mới được làm việc này",
            f"Only a leader of unit {task.unit_code} may do this",
        )


def _leader_and_target_holds_role(session, task: HumanTask, actor: Actor, target: User | None) -> None:
    _must_lead(session, task, actor, target)
    if target is None or not holds_role(session, target.id, task.role_code, task.unit_code):
        name = target.full_name if target else "?"
        raise NotAllowed(
            f"{name} không giữ vai trò '{task.role_code}' tại đơn vị {task.unit_code}",
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
    session: Session, task: HumanTask, action: str, actor: Actor, now: datetime, target: User | None = None
) -> None:
    """Check and apply one transition to a task; raises TaskNotOpen / NotAllowed, changing nothing."""
    transition = TRANSITIONS[action]
    if task.status not in transition.sources:
        raise _not_open(task, action)
    transition.check(session, task, actor, target)
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


def cancel(task: HumanTask, now: datetime) -> None:
    """The process moved on without this task (a timer fired, the dossier was withdrawn)."""
    task.status, task.finished_at = TaskStatus.CANCELED, now


def _not_open(task: HumanTask, action: str) -> TaskNotOpen:
    if task.status == TaskStatus.DONE:
        who = task.completed_by.full_name if task.completed_by else "?"
        when = task.finished_at.strftime("%Y-%m-%d %H:%M") if task.finished_at else "?"
        return TaskNotOpen(
            f"Công việc '{task.title}' đã được {who} hoàn thành lúc {when} (UTC)",
            f"Task '{task.title}' was already completed by {who} at {when} UTC",
        )
    if task.status == TaskStatus.CANCELED:
        return TaskNotOpen(
            f"Công việc '{task.title}' đã bị hủy vì hồ sơ đã chuyển bước",
            f"Task '{task.title}' was canceled: the dossier moved on without it",
        )
    if action == "claim":
        who = task.assignee.full_name if task.assignee else "?"
        return TaskNotOpen(f"Công việc '{task.title}' đã được {who} nhận", f"Task '{task.title}' was already claimed by {who}")
    return TaskNotOpen(f"Công việc '{task.title}' chưa được ai nhận", f"Task '{task.title}' is not claimed")
