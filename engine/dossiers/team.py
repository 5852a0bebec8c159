"""A leader's view of their unit's team: open and overdue tasks per officer and per role, and the
open tasks themselves, oldest work first, with who may take each one (for reassigning).

The counts are grouped by the database; the task list is capped (TASK_LIMIT, oldest first), as a
leader acts on the oldest work and a full list is the inbox's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from engine.data.models import Dossier, HumanTask, Role, RoleAssignment, TaskStatus, User
from engine.dossiers.inbox import OPEN, sla
from engine.people.officers import SYSTEM_ROLES
from engine.sla.workdays import WorkCalendar

TASK_LIMIT = 200


@dataclass(frozen=True)
class OfficerLoad:
    user_id: int
    username: str
    full_name: str
    roles: tuple[str, ...]
    open: int  # tasks they have claimed and not finished
    overdue: int
    oldest: datetime | None  # when the oldest of them was created


@dataclass(frozen=True)
class RoleLoad:
    role_code: str
    role_name_vi: str
    role_name_en: str
    open: int
    unclaimed: int  # waiting in the role's pool
    overdue: int
    oldest: datetime | None


@dataclass(frozen=True)
class TeamTask:
    id: int
    dossier_code: str
    applicant_name: str
    title: str
    role_code: str
    status: str
    assignee_username: str | None
    assignee_name: str | None
    created_at: datetime
    due_at: datetime | None
    sla: str | None


@dataclass(frozen=True)
class Team:
    unit_code: str
    officers: list[OfficerLoad]
    roles: list[RoleLoad]
    tasks: list[TeamTask]
    total_open: int
    holders: dict[str, list[tuple[str, str]]]  # role -> (username, full name) of active holders


_assignee = aliased(User)


def team(session: Session, unit_code: str, now: datetime, calendar: WorkCalendar, limit: int = TASK_LIMIT) -> Team:
    open_here = (HumanTask.unit_code == unit_code, HumanTask.status.in_(OPEN))
    overdue = func.sum(case((HumanTask.due_at < now, 1), else_=0))

    holders: dict[str, list[tuple[str, str]]] = {}
    roles_of: dict[int, list[str]] = {}
    people: dict[int, tuple[str, str]] = {}
    for user_id, username, full_name, role in session.execute(
        select(User.id, User.username, User.full_name, RoleAssignment.role_code)
        .join(RoleAssignment, RoleAssignment.user_id == User.id)
        .where(RoleAssignment.unit_code == unit_code, User.active, RoleAssignment.role_code.not_in(SYSTEM_ROLES))
        .order_by(User.full_name, RoleAssignment.role_code)
    ):
        holders.setdefault(role, []).append((username, full_name))
        roles_of.setdefault(user_id, []).append(role)
        people[user_id] = (username, full_name)

    claimed = {
        row.assignee_id: row
        for row in session.execute(
            select(
                HumanTask.assignee_id,
                func.count().label("open"),
                overdue.label("overdue"),
                func.min(HumanTask.created_at).label("oldest"),
            )
            .where(*open_here, HumanTask.status == TaskStatus.CLAIMED)
            .group_by(HumanTask.assignee_id)
        )
    }
    for user_id in claimed.keys() - people.keys():  # holds work here without a role here any more
        user = session.get(User, user_id)
        if user is not None:
            people[user_id] = (user.username, user.full_name)
    officers = [
        OfficerLoad(
            user_id,
            username,
            full_name,
            tuple(roles_of.get(user_id, ())),
            claimed[user_id].open if user_id in claimed else 0,
            int(claimed[user_id].overdue or 0) if user_id in claimed else 0,
            claimed[user_id].oldest if user_id in claimed else None,
        )
        for user_id, (username, full_name) in people.items()
    ]
    # the most overdue first, then the most loaded, then by name
    officers.sort(key=lambda o: (-o.overdue, -o.open, o.full_name))

    names = {code: (vi, en) for code, vi, en in session.execute(select(Role.code, Role.name_vi, Role.name_en))}
    roles = [
        RoleLoad(
            row.role_code,
            *names.get(row.role_code, (row.role_code, row.role_code)),
            row.open,
            int(row.unclaimed or 0),
            int(row.overdue or 0),
            row.oldest,
        )
        for row in session.execute(
            select(
                HumanTask.role_code,
                func.count().label("open"),
                func.sum(case((HumanTask.status == TaskStatus.NEW, 1), else_=0)).label("unclaimed"),
                overdue.label("overdue"),
                func.min(HumanTask.created_at).label("oldest"),
            )
            .where(*open_here)
            .group_by(HumanTask.role_code)
            .order_by(HumanTask.role_code)
        )
    ]

    rows = session.execute(
        select(
            HumanTask.id,
            Dossier.code,
            Dossier.applicant_name,
            HumanTask.title,
            HumanTask.role_code,
            HumanTask.status,
            _assignee.username,
            _assignee.full_name,
            HumanTask.created_at,
            HumanTask.due_at,
        )
        .join(Dossier, Dossier.id == HumanTask.dossier_id)
        .outerjoin(_assignee, _assignee.id == HumanTask.assignee_id)
        .where(*open_here)
        .order_by(HumanTask.created_at, HumanTask.id)  # oldest work first
        .limit(limit)
    ).all()
    tasks = [TeamTask(*r[:5], r[5].value, *r[6:], sla=sla(r.due_at, now, calendar)) for r in rows]
    return Team(unit_code, officers, roles, tasks, sum(r.open for r in roles), holders)
