"""The rows an advance reads and writes, with plain SQL (SQLAlchemy Core) instead of ORM objects.

Advancing a dossier is the engine's hot path: a handful of statements per step, each cheaper
without the ORM's identity map and unit of work. Reads for people (inboxes, history) use the ORM.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, and_, bindparam, func, insert, select, update
from sqlalchemy.orm import Session, aliased

from engine.data.db import execute_at_commit
from engine.data.models import Dossier, HumanTask, Procedure, RoleAssignment, TaskStatus, Unit, User

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
    received_on: date | None
    appointment_at: datetime | None
    paused_at: datetime | None
    processed_at: datetime | None
    kept_messages: int
    apologies: int  # apology tasks given (engine.sla.late)
    last_event_seq: int  # the head of the history's hash chain (engine.data.audit)
    last_event_hash: str
    result_channel: str | None  # copied onto the dossier's tasks (engine.dossiers.inbox)


@dataclass(frozen=True)
class Colleague:
    """The officer a task is reassigned to."""

    id: int
    name: str


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
    # whether the acting officer holds the task's role in its unit, when read with the row
    actor_id: int | None = field(default=None, compare=False)
    actor_holds_role: bool | None = field(default=None, compare=False)


# Statements are built once, with bind parameters: building and keying a statement costs about as
# much as running it on a warm connection.
_DOSSIER_COLUMNS = [getattr(_D.c, f.name) for f in fields(DossierRow)]
_TASK_COLUMNS = [getattr(_T.c, f.name) for f in fields(TaskRow) if f.compare]
_assignee, _completer = aliased(User.__table__), aliased(User.__table__)
_R = RoleAssignment.__table__
_ACTOR_HOLDS_TASK_ROLE = (
    select(_R.c.id)
    .where(_R.c.user_id == bindparam("actor_id"), _R.c.role_code == _T.c.role_code, _R.c.unit_code == _T.c.unit_code)
    .exists()
)


def _both(query, **lock):
    """The statement as it is and locking its rows (SELECT ... FOR UPDATE)."""
    return {False: query, True: query.with_for_update(**lock)}


_DOSSIER_BY = {
    key: _both(select(*_DOSSIER_COLUMNS).where(condition))
    for key, condition in {
        "id": _D.c.id == bindparam("key"),
        "code": _D.c.code == bindparam("key"),
    }.items()
}
_TASK_AND_DOSSIER = _both(
    select(*_DOSSIER_COLUMNS, *_TASK_COLUMNS, _assignee.c.full_name, _completer.c.full_name, _ACTOR_HOLDS_TASK_ROLE)
    .select_from(_T.join(_D, _D.c.id == _T.c.dossier_id))
    .outerjoin(_assignee, _assignee.c.id == _T.c.assignee_id)
    .outerjoin(_completer, _completer.c.id == _T.c.completed_by_id)
    .where(_T.c.id == bindparam("task_id")),
    of=[_D, _T],
)
_STATE = select(_D.c.state).where(_D.c.id == bindparam("key"))
# with no .values(), the parameters given at execution name the columns to set
_UPDATE_DOSSIER = update(_D).where(_D.c.id == bindparam("key"))
_UPDATE_TASK = update(_T).where(_T.c.id == bindparam("key"))


def lock_dossier(conn: Connection, by: str, key: Any, for_update: bool) -> DossierRow | None:
    """A dossier by "id" or "code", locked for the transaction when `for_update`."""
    row = conn.execute(_DOSSIER_BY[by][for_update], {"key": key}).first()
    return DossierRow(*row) if row else None


def dossier_state(conn: Connection, dossier_id: int) -> bytes:
    return conn.execute(_STATE, {"key": dossier_id}).scalar_one()


def save_dossier(conn: Connection, dossier: DossierRow, **more: Any) -> None:
    values = {**dossier.changes(), **more}
    if values:
        conn.execute(_UPDATE_DOSSIER, {"key": dossier.id, **values})


def save_dossier_at_commit(session: Session, dossier: DossierRow, **more: Any) -> None:
    """save_dossier as the transaction's last write (engine.data.db.execute_at_commit): for an
    advance, which changes the row no further."""
    values = {**dossier.changes(), **more}
    if values:
        execute_at_commit(session, _UPDATE_DOSSIER, {"key": dossier.id, **values})


def lock_task_and_dossier(
    conn: Connection, task_id: int, actor_id: int | None, for_update: bool
) -> tuple[DossierRow, TaskRow] | None:
    """Acting on a task: its dossier, the task, and whether the actor holds the task's role, in
    one statement that locks both rows (the dossier's first: FOR UPDATE OF names it first)."""
    row = conn.execute(_TASK_AND_DOSSIER[for_update], {"task_id": task_id, "actor_id": actor_id}).first()
    if row is None:
        return None
    n = len(_DOSSIER_COLUMNS)
    task = TaskRow(*row[n:-1], actor_id=actor_id, actor_holds_role=bool(row[-1]))
    return DossierRow(*row[:n]), task


_TASK_COLUMN_NAMES = {c.name for c in _TASK_COLUMNS}


@cache
def open_tasks_query(by_code: bool, by_role: bool, by_unit: bool):
    """Open tasks, earliest due first, filtered by the parameters named (code, role, unit); one
    statement per combination, so each keeps an index-friendly plan."""
    query = (
        select(
            _T.c.id,
            _D.c.code,
            _T.c.element_id,
            _T.c.title,
            _T.c.role_code,
            _T.c.unit_code,
            _T.c.status,
            _assignee.c.full_name,
            _T.c.created_at,
            _T.c.due_at,
        )
        .select_from(_T.join(_D, _D.c.id == _T.c.dossier_id))
        .outerjoin(_assignee, _assignee.c.id == _T.c.assignee_id)
        .where(_T.c.status.in_([TaskStatus.NEW, TaskStatus.CLAIMED]))
        .order_by(_T.c.due_at, _T.c.created_at, _T.c.id)
    )
    for wanted, column, name in (
        (by_code, _D.c.code, "code"),
        (by_role, _T.c.role_code, "role"),
        (by_unit, _T.c.unit_code, "unit"),
    ):
        if wanted:
            query = query.where(column == bindparam(name))
    return query


def open_tasks_of(conn: Connection, dossier_id: int, spiff_ids: set[str]) -> list[TaskRow]:
    query = select(*_TASK_COLUMNS).where(
        _T.c.dossier_id == dossier_id,
        _T.c.spiff_task_id.in_(spiff_ids),
        _T.c.status.in_([TaskStatus.NEW, TaskStatus.CLAIMED]),
    )
    return [TaskRow(*row) for row in conn.execute(query)]


def save_task(conn: Connection, task: TaskRow) -> None:
    values = {k: v for k, v in task.changes().items() if k in _TASK_COLUMN_NAMES}
    if values:
        conn.execute(_UPDATE_TASK, {"key": task.id, **values})


def save_task_at_commit(session: Session, task: TaskRow) -> None:
    """save_task as one of the transaction's last writes (engine.data.db.execute_at_commit)."""
    values = {k: v for k, v in task.changes().items() if k in _TASK_COLUMN_NAMES}
    if values:
        execute_at_commit(session, _UPDATE_TASK, {"key": task.id, **values})


def holds_role(conn: Connection, user_id: int | None, role_code: str, unit_code: str) -> bool:
    if user_id is None:
        return False
    r = RoleAssignment.__table__
    return (
        conn.execute(
            select(r.c.id).where(and_(r.c.user_id == user_id, r.c.role_code == role_code, r.c.unit_code == unit_code))
        ).first()
        is not None
    )


def fill_names(conn: Connection, task: TaskRow) -> None:
    """Read the officers' names for a message. (A row locked after waiting for another
    transaction comes back with its new values, but joined rows as they were before.)"""
    u = User.__table__
    for id_attr, name_attr in (("assignee_id", "assignee_name"), ("completed_by_id", "completed_by_name")):
        user_id = getattr(task, id_attr)
        if user_id is not None:
            name = conn.execute(select(u.c.full_name).where(u.c.id == user_id)).scalar()
            object.__setattr__(task, name_attr, name)


_INSERT_DOSSIER = insert(_D)


def insert_dossier(conn: Connection, dossier: DossierRow, columns: dict[str, Any], **more: Any) -> None:
    """A new dossier's row: the row as the engine tracks it, the `columns` only people read
    (applicant, channel, ...), and `more` (its state)."""
    values = {f.name: getattr(dossier, f.name) for f in fields(DossierRow)}
    dossier.changes()  # all written
    conn.execute(_INSERT_DOSSIER, {**values, **columns, **more})


def _new_dossier_id(dialect: str):
    """The id a new dossier will have, taken ahead of its insert so the rows written with it can
    refer to it: the id sequence on PostgreSQL; on SQLite the next rowid, which no one else can take
    because a write transaction holds the database (BEGIN IMMEDIATE)."""
    if dialect == "postgresql":
        return func.nextval(func.pg_get_serial_sequence("dossiers", "id"))
    return select(func.coalesce(func.max(_D.c.id), 0) + 1).scalar_subquery()


@cache
def _new_dossier_lookup(dialect: str):
    p, u = Procedure.__table__, Unit.__table__
    version = select(p.c.current_version_id).where(p.c.code == bindparam("procedure")).scalar_subquery()
    unit = select(u.c.code).where(u.c.code == bindparam("unit")).exists()
    return select(version, unit, _new_dossier_id(dialect))


def new_dossier_lookup(conn: Connection, procedure_code: str, unit_code: str) -> tuple[int | None, bool, int]:
    """For a new dossier, in one statement: the version its procedure currently runs, whether the
    unit exists, and the dossier's id."""
    row = conn.execute(_new_dossier_lookup(conn.dialect.name), {"procedure": procedure_code, "unit": unit_code}).one()
    return row[0], bool(row[1]), row[2]


def colleague(conn: Connection, username: str) -> Colleague | None:
    u = User.__table__
    row = conn.execute(select(u.c.id, u.c.full_name).where(u.c.username == username)).first()
    return Colleague(*row) if row else None
