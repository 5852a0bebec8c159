"""The rows an advance reads and writes, with plain SQL (SQLAlchemy Core) instead of ORM objects.

Advancing a dossier is the engine's hot path: a handful of statements per step, each cheaper
without the ORM's identity map and unit of work. Reads for people (inboxes, history) use the ORM.
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update
from sqlalchemy.orm import aliased

from .models import Dossier, HumanTask, RoleAssignment, TaskStatus, Unit, User

_D = Dossier.__table__
_T = HumanTask.__table__


class _Tracked:
    """A row whose changed columns are remembered, so saving it updates only those."""

    def __post_init__(self):
        object.__setattr__(self, "_changed", set())

    def __setattr__(self, name, value):
        changed = self.__dict__.get("_changed")
        if changed is not None and getattr(self, name, None) != value:
            changed.add(name)
        object.__setattr__(self, name, value)

    def changes(self) -> dict[str, Any]:
        values = {name: getattr(self, name) for name in self._changed}
        self._changed.clear()
        return values


@dataclass(eq=False)
class DossierRow(_Tracked):
    id: int
    code: str
    procedure_code: str
    version_id: int
    unit_code: str
    status: int
    state_version: int
    next_timer_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime


@dataclass(eq=False)
class TaskRow(_Tracked):
    id: int
    dossier_id: int
    spiff_task_id: str
    element_id: str
    title: str
    role_code: str
    unit_code: str
    status: TaskStatus
    assignee_id: int | None
    completed_by_id: int | None
    claimed_at: datetime | None
    finished_at: datetime | None
    # names for messages ("already completed by ..."), read with the row
    assignee_name: str | None = field(default=None, compare=False)
    completed_by_name: str | None = field(default=None, compare=False)


_DOSSIER_COLUMNS = [getattr(_D.c, f.name) for f in fields(DossierRow)]


def lock_dossier(conn: Connection, where, for_update: bool) -> DossierRow | None:
    query = select(*_DOSSIER_COLUMNS).where(where)
    if for_update:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return DossierRow(*row) if row else None


def dossier_state(conn: Connection, dossier_id: int) -> bytes:
    return conn.execute(select(_D.c.state).where(_D.c.id == dossier_id)).scalar_one()


def save_dossier(conn: Connection, dossier: DossierRow, **more: Any) -> None:
    values = {**dossier.changes(), **more}
    if values:
        conn.execute(update(_D).where(_D.c.id == dossier.id).values(**values))


_assignee, _completer = aliased(User.__table__), aliased(User.__table__)
_TASK_COLUMNS = [getattr(_T.c, f.name) for f in fields(TaskRow) if not f.name.endswith("_name")]


def lock_task(conn: Connection, task_id: int, for_update: bool) -> TaskRow | None:
    query = (
        select(*_TASK_COLUMNS, _assignee.c.full_name, _completer.c.full_name)
        .outerjoin(_assignee, _assignee.c.id == _T.c.assignee_id)
        .outerjoin(_completer, _completer.c.id == _T.c.completed_by_id)
        .where(_T.c.id == task_id)
    )
    if for_update:
        query = query.with_for_update(of=_T)
    row = conn.execute(query).first()
    return TaskRow(*row) if row else None


def open_tasks_of(conn: Connection, dossier_id: int, spiff_ids: set[str]) -> list[TaskRow]:
    query = select(*_TASK_COLUMNS).where(
        _T.c.dossier_id == dossier_id, _T.c.spiff_task_id.in_(spiff_ids),
        _T.c.status.in_([TaskStatus.NEW, TaskStatus.CLAIMED]),
    )
    return [TaskRow(*row) for row in conn.execute(query)]


def save_task(conn: Connection, task: TaskRow) -> None:
    values = {k: v for k, v in task.changes().items() if not k.endswith("_name")}
    if values:
        conn.execute(update(_T).where(_T.c.id == task.id).values(**values))


def holds_role(conn: Connection, user_id: int | None, role_code: str, unit_code: str) -> bool:
    if user_id is None:
        return False
    r = RoleAssignment.__table__
    return conn.execute(
        select(r.c.id).where(and_(r.c.user_id == user_id, r.c.role_code == role_code, r.c.unit_code == unit_code))
    ).first() is not None


def insert_dossier(conn: Connection, **values: Any) -> int:
    return conn.execute(insert(_D).values(**values).returning(_D.c.id)).scalar_one()


def dossier_by_id(dossier_id: int):
    return _D.c.id == dossier_id


def dossier_by_code(code: str):
    return _D.c.code == code


def dossier_of_task(task_id: int):
    return _D.c.id == select(_T.c.dossier_id).where(_T.c.id == task_id).scalar_subquery()


def unit_exists(conn: Connection, unit_code: str) -> bool:
    u = Unit.__table__
    return conn.execute(select(u.c.code).where(u.c.code == unit_code)).first() is not None


def colleague(conn: Connection, username: str):
    from .assignment import Colleague  # (assignment imports this module)

    u = User.__table__
    row = conn.execute(select(u.c.id, u.c.full_name).where(u.c.username == username)).first()
    return Colleague(*row) if row else None
