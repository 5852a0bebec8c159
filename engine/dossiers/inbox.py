"""Officers' inboxes: the tasks and dossiers an officer may see, by view, filtered, sorted, counted
and paged by the database.

Visibility: an officer works on the tasks of the roles they hold, in the units they hold them in;
a leader of a unit also sees (to reassign them) all that unit's tasks in the desk's overviews; any
working role in a unit lets an officer see that unit's dossiers (the system's own roles, administrator
and designer, do not).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, and_, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from engine.data.models import Dossier, HumanTask, TaskStatus, User
from engine.forms import Field
from engine.people.assignment import LEADER_ROLE
from engine.people.officers import SYSTEM_ROLES
from engine.sla.late import APOLOGY, APOLOGY_FIELDS
from engine.sla.workdays import WorkCalendar
from engine.statuses import DossierStatus
from engine.workflow.metadata import RETURN, ProcedureMeta
from engine.workflow.versions import task_ids_for

# tabs of the officer's own work, then the one-stop desk's overviews
TASK_VIEWS = ("offered", "mine", "done", "intake", "due_soon", "overdue", "return")
DOSSIER_VIEWS = ("supplement", "withdrawn")
VIEWS = TASK_VIEWS + DOSSIER_VIEWS
CHANNELS = ("electronic", "counter", "post")
SORTS = ("due", "received", "procedure", "newest")
WITHDRAWN_RECENT_DAYS = 30
OPEN = (TaskStatus.NEW, TaskStatus.CLAIMED)


@dataclass(frozen=True)
class Officer:
    """Who is looking: a user and the (role, unit) pairs they hold."""

    user_id: int
    roles: tuple[tuple[str, str], ...]

    @property
    def units(self) -> frozenset[str]:
        """The units whose dossiers the officer sees: where they hold a working role."""
        return frozenset(unit for role, unit in self.roles if role not in SYSTEM_ROLES)

    @property
    def led_units(self) -> frozenset[str]:
        return frozenset(unit for role, unit in self.roles if role == LEADER_ROLE)

    def works_on(self, role: str, unit: str) -> bool:
        """May do tasks of this role and unit."""
        return (role, unit) in self.roles

    def may_see_task(self, role: str, unit: str) -> bool:
        return self.works_on(role, unit) or unit in self.led_units

    def may_see_dossier(self, unit: str) -> bool:
        return unit in self.units


@dataclass(frozen=True)
class Filters:
    procedure: str | None = None
    status: int | None = None
    due_before: date | None = None  # due on that day or earlier
    channel: str | None = None  # for the result-return view
    # due: earliest due first, no due time last | received: the dossier received first |
    # procedure: by procedure code, then due | newest: newest first
    sort: str = "due"


@dataclass(frozen=True)
class TaskItem:
    id: int
    dossier_code: str
    procedure_code: str
    dossier_status: int
    applicant_name: str
    result_channel: str | None
    element_id: str
    title: str
    role_code: str
    unit_code: str
    status: str
    assignee_name: str | None
    created_at: datetime
    due_at: datetime | None
    finished_at: datetime | None
    sla: str | None  # on_time | due_today | due_next | late (open tasks with a due time)


@dataclass(frozen=True)
class DossierItem:
    code: str
    procedure_code: str
    status: int
    applicant_name: str
    unit_code: str
    result_channel: str | None
    submitted_at: datetime
    updated_at: datetime
    waiting_until: datetime | None  # the next timer: for a supplement, the applicant's deadline


@dataclass(frozen=True)
class Page:
    items: list
    total: int
    page: int
    size: int

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)


@dataclass(frozen=True)
class TaskInfo:
    """One task with the names of who has it and who did it."""

    id: int
    dossier_code: str
    unit_code: str
    role_code: str
    element_id: str
    title: str
    status: str
    assignee_id: int | None
    assignee_name: str | None
    completed_by_name: str | None
    created_at: datetime
    claimed_at: datetime | None
    finished_at: datetime | None
    due_at: datetime | None


# --- the SLA badge and the time windows ----------------------------------------------------------


def current_working_day(now: datetime, calendar: WorkCalendar) -> date:
    """Today if the office works today, otherwise the next day it does."""
    today = now.astimezone(calendar.zone).date()
    return today if calendar.is_working_day(today) else calendar.next_working_day(today)


def sla(due_at: datetime | None, now: datetime, calendar: WorkCalendar) -> str | None:
    """late: past its due time; due_today: due by the end of today, a working day; due_next: on a
    day off, due by the end of the next working day (never "today" on a Sunday for Monday's work);
    on_time."""
    if due_at is None:
        return None
    if due_at < now:
        return "late"
    today = now.astimezone(calendar.zone).date()
    if due_at.astimezone(calendar.zone).date() <= current_working_day(now, calendar):
        return "due_today" if calendar.is_working_day(today) else "due_next"
    return "on_time"


@dataclass(frozen=True)
class SlaClock:
    """An open task's clock as the task page shows it: the badge, the due day, and how many
    working days are left after today (0: due today) or have passed since the due day."""

    state: str  # as sla()
    due_day: date
    days_left: int
    days_late: int


def sla_clock(due_at: datetime | None, now: datetime, calendar: WorkCalendar) -> SlaClock | None:
    state = sla(due_at, now, calendar)
    if due_at is None or state is None:
        return None
    due_day = due_at.astimezone(calendar.zone).date()
    today = now.astimezone(calendar.zone).date()
    if state == "late":
        return SlaClock(state, due_day, 0, _working_days_between(due_day, today, calendar))
    return SlaClock(state, due_day, _working_days_between(current_working_day(now, calendar), due_day, calendar), 0)


def _working_days_between(first: date, last: date, calendar: WorkCalendar) -> int:
    """Working days after `first`, up to and including `last` (0 when last <= first)."""
    count, day = 0, first
    while day < last:
        day += timedelta(days=1)
        count += calendar.is_working_day(day)
    return count


def _start_of(day: date, calendar: WorkCalendar) -> datetime:
    return datetime.combine(day, time.min, calendar.zone)


def due_soon_limit(now: datetime, calendar: WorkCalendar) -> datetime:
    """The end of the next working day (exclusive bound)."""
    nxt = calendar.next_working_day(current_working_day(now, calendar))
    return _start_of(nxt + timedelta(days=1), calendar)


# --- queries -------------------------------------------------------------------------------------

_assignee = aliased(User)


def _pairs(officer: Officer, with_led_units: bool):
    """Tasks of the (role, unit) pairs held, OR'ed so each arm uses the inbox index."""
    arms = [and_(HumanTask.role_code == role, HumanTask.unit_code == unit) for role, unit in officer.roles]
    if with_led_units and officer.led_units:
        arms.append(HumanTask.unit_code.in_(sorted(officer.led_units)))
    return or_(*arms) if arms else false()


def _task_conditions(view: str, officer: Officer, filters: Filters, now: datetime, calendar: WorkCalendar) -> list:
    is_open = HumanTask.status.in_(OPEN)
    where = {
        "offered": [_pairs(officer, False), HumanTask.status == TaskStatus.NEW],
        "mine": [
            _pairs(officer, False),
            HumanTask.status == TaskStatus.CLAIMED,
            HumanTask.assignee_id == officer.user_id,
        ],
        "done": [
            _pairs(officer, False),
            HumanTask.status == TaskStatus.DONE,
            HumanTask.completed_by_id == officer.user_id,
        ],
        "intake": [_pairs(officer, True), is_open, HumanTask.element_id.in_(task_ids_for("intake"))],
        "due_soon": [
            _pairs(officer, True),
            is_open,
            HumanTask.due_at >= now,
            HumanTask.due_at < due_soon_limit(now, calendar),
        ],
        "overdue": [_pairs(officer, True), is_open, HumanTask.due_at < now],
        "return": [_pairs(officer, True), is_open, HumanTask.element_id.in_(task_ids_for(*RETURN))],
    }[view]
    if view == "return" and filters.channel:
        where.append(Dossier.result_channel == filters.channel)
    if filters.procedure:
        where.append(Dossier.procedure_code == filters.procedure)
    if filters.status:
        where.append(Dossier.status == filters.status)
    if filters.due_before:
        where.append(HumanTask.due_at < _start_of(filters.due_before + timedelta(days=1), calendar))
    return where


def _dossier_conditions(view: str, officer: Officer, filters: Filters, now: datetime) -> list:
    units = sorted(officer.units)
    where = [Dossier.unit_code.in_(units) if units else false()]
    if view == "supplement":
        where.append(Dossier.status == DossierStatus.SUPPLEMENT_REQUESTED)
    else:
        where += [
            Dossier.status == DossierStatus.WITHDRAWN,
            Dossier.updated_at >= now - timedelta(days=WITHDRAWN_RECENT_DAYS),
        ]
    if filters.procedure:
        where.append(Dossier.procedure_code == filters.procedure)
    if filters.status:
        where.append(Dossier.status == filters.status)
    return where


def _count(session: Session, query: Select) -> int:
    return session.scalar(select(func.count()).select_from(query.subquery())) or 0


def _task_query(where: list) -> Select:
    return select(HumanTask.id).join(Dossier, Dossier.id == HumanTask.dossier_id).where(*where)


def count_view(
    session: Session, officer: Officer, view: str, filters: Filters, now: datetime, calendar: WorkCalendar
) -> int:
    if view in TASK_VIEWS:
        return _count(session, _task_query(_task_conditions(view, officer, filters, now, calendar)))
    return _count(session, select(Dossier.id).where(*_dossier_conditions(view, officer, filters, now)))


def counts(
    session: Session, officer: Officer, filters: Filters, now: datetime, calendar: WorkCalendar
) -> dict[str, int]:
    """How many rows each view has with these filters (one COUNT each)."""
    common = Filters(filters.procedure, filters.status, filters.due_before, sort=filters.sort)
    return {view: count_view(session, officer, view, common, now, calendar) for view in VIEWS}


def channel_counts(
    session: Session, officer: Officer, filters: Filters, now: datetime, calendar: WorkCalendar
) -> dict[str, int]:
    """Results waiting to go back, by the channel the applicant chose."""
    return {
        channel: count_view(
            session,
            officer,
            "return",
            Filters(filters.procedure, filters.status, filters.due_before, channel),
            now,
            calendar,
        )
        for channel in CHANNELS
    }


def list_view(
    session: Session,
    officer: Officer,
    view: str,
    filters: Filters,
    now: datetime,
    calendar: WorkCalendar,
    page: int = 1,
    size: int = 20,
) -> Page:
    """One page of a view, and how many rows it has in all."""
    if view not in VIEWS:
        raise ValueError(f"unknown inbox view {view!r}")
    page = max(page, 1)
    total = count_view(session, officer, view, filters, now, calendar)
    if view in TASK_VIEWS:
        items = _task_page(
            session, _task_conditions(view, officer, filters, now, calendar), view, filters, now, calendar, page, size
        )
    else:
        items = _dossier_page(session, _dossier_conditions(view, officer, filters, now), filters, page, size)
    return Page(items, total, page, size)


def _task_order(view: str, filters: Filters) -> list:
    by_due = [HumanTask.due_at.asc().nulls_last(), HumanTask.created_at, HumanTask.id]
    if filters.sort == "newest":
        newest = HumanTask.finished_at if view == "done" else HumanTask.created_at
        return [newest.desc(), HumanTask.id.desc()]
    if filters.sort == "received":
        return [Dossier.submitted_at, HumanTask.id]
    if filters.sort == "procedure":
        return [Dossier.procedure_code, *by_due]
    return by_due


def _task_page(session, where, view, filters, now, calendar, page, size) -> list[TaskItem]:
    order = _task_order(view, filters)
    rows = session.execute(
        select(
            HumanTask.id,
            Dossier.code,
            Dossier.procedure_code,
            Dossier.status,
            Dossier.applicant_name,
            Dossier.result_channel,
            HumanTask.element_id,
            HumanTask.title,
            HumanTask.role_code,
            HumanTask.unit_code,
            HumanTask.status,
            _assignee.full_name,
            HumanTask.created_at,
            HumanTask.due_at,
            HumanTask.finished_at,
        )
        .join(Dossier, Dossier.id == HumanTask.dossier_id)
        .outerjoin(_assignee, _assignee.id == HumanTask.assignee_id)
        .where(*where)
        .order_by(*order)
        .limit(size)
        .offset((page - 1) * size)
    ).all()
    return [
        TaskItem(*row[:10], row[10].value, *row[11:], sla=sla(row.due_at, now, calendar) if row[10] in OPEN else None)
        for row in rows
    ]


def _dossier_page(session, where, filters, page, size) -> list[DossierItem]:
    by_due = [Dossier.next_timer_at.asc().nulls_last(), Dossier.updated_at, Dossier.id]
    order = {
        "newest": [Dossier.updated_at.desc(), Dossier.id.desc()],
        "received": [Dossier.submitted_at, Dossier.id],
        "procedure": [Dossier.procedure_code, *by_due],
    }.get(filters.sort, by_due)
    rows = session.execute(
        select(
            Dossier.code,
            Dossier.procedure_code,
            Dossier.status,
            Dossier.applicant_name,
            Dossier.unit_code,
            Dossier.result_channel,
            Dossier.submitted_at,
            Dossier.updated_at,
            Dossier.next_timer_at,
        )
        .where(*where)
        .order_by(*order)
        .limit(size)
        .offset((page - 1) * size)
    ).all()
    return [DossierItem(*row) for row in rows]


def next_task(
    session: Session,
    officer: Officer,
    view: str,
    filters: Filters,
    now: datetime,
    calendar: WorkCalendar,
    after: int,
) -> TaskItem | None:
    """The task to open after completing `after`: the first of the view, in its order, that the
    officer can work on (offered to a role they hold in its unit, or claimed by them). Views of
    dossiers and of done work have no next task: the officer's offered tasks are used instead."""
    if view not in TASK_VIEWS or view == "done":
        view = "offered"
    workable = or_(
        and_(HumanTask.status == TaskStatus.NEW, _pairs(officer, False)),
        and_(HumanTask.status == TaskStatus.CLAIMED, HumanTask.assignee_id == officer.user_id),
    )
    where = [*_task_conditions(view, officer, filters, now, calendar), workable, HumanTask.id != after]
    found = _task_page(session, where, view, filters, now, calendar, 1, 1)
    return found[0] if found else None


# --- one task, one dossier's tasks ---------------------------------------------------------------

_completer = aliased(User)


def _task_infos(session: Session, *where) -> list[TaskInfo]:
    rows = session.execute(
        select(
            HumanTask.id,
            Dossier.code,
            HumanTask.unit_code,
            HumanTask.role_code,
            HumanTask.element_id,
            HumanTask.title,
            HumanTask.status,
            HumanTask.assignee_id,
            _assignee.full_name,
            _completer.full_name,
            HumanTask.created_at,
            HumanTask.claimed_at,
            HumanTask.finished_at,
            HumanTask.due_at,
        )
        .join(Dossier, Dossier.id == HumanTask.dossier_id)
        .outerjoin(_assignee, _assignee.id == HumanTask.assignee_id)
        .outerjoin(_completer, _completer.id == HumanTask.completed_by_id)
        .where(*where)
        .order_by(HumanTask.id)
    ).all()
    return [TaskInfo(*row[:6], row[6].value, *row[7:]) for row in rows]


def task_info(session: Session, task_id: int) -> TaskInfo | None:
    found = _task_infos(session, HumanTask.id == task_id)
    return found[0] if found else None


def dossier_tasks(session: Session, dossier_code: str) -> list[TaskInfo]:
    """Every task the dossier has had, oldest first."""
    return _task_infos(session, Dossier.code == dossier_code)


def dossier_ref(session: Session, dossier_code: str) -> tuple[int, str] | None:
    """A dossier's id and unit (to check who may see it before reading more)."""
    row = session.execute(select(Dossier.id, Dossier.unit_code).where(Dossier.code == dossier_code)).first()
    return (row[0], row[1]) if row else None


def task_fields(meta: ProcedureMeta, element_id: str) -> tuple[Field, ...]:
    """The form of a task: from the procedure's metadata, or the office's own apology letter."""
    if element_id == APOLOGY:
        return APOLOGY_FIELDS
    return meta.tasks.get(element_id, ())
