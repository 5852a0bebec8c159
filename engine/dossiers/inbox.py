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

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute, Session, aliased

from engine.data.models import Dossier, HumanTask, Role, TaskPurpose, TaskStatus, User
from engine.errors import NotAllowed, not_found
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
# rows counted at most per view: beyond it a tab says "1,000+" (as the search does), so a count never
# reads more than this many index entries however big the office
COUNT_CAP = 1000


class Count(int):
    """A view's row count, at most COUNT_CAP; `more`: there are more rows than that."""

    more: bool

    def __new__(cls, value: int, more: bool = False) -> Count:
        made = super().__new__(cls, value)
        made.more = more
        return made


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
    total: int  # at most COUNT_CAP (see more)
    page: int
    size: int
    more: bool = False  # more rows than total (the count stopped at COUNT_CAP)
    # where the next page starts (keyset paging, `after` of list_view); None: no next page, or an
    # order that pages by offset
    next_after: str | None = None

    @property
    def pages(self) -> int:
        return max((self.total + self.size - 1) // self.size, 1)

    @property
    def has_next(self) -> bool:
        return self.page < self.pages or (self.more and len(self.items) == self.size)


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

# The moments a view's conditions compare with, as parameters: a statement built once serves every
# request (see _cached), given these values at each execution (moments()).
_NOW = bindparam("inbox_now")
_DUE_SOON = bindparam("inbox_due_soon")  # due_soon_limit
_RECENT = bindparam("inbox_recent")  # the withdrawn view's oldest update


def moments(now: datetime, calendar: WorkCalendar) -> dict[str, datetime]:
    """The values of the views' moment parameters at `now`."""
    return {
        "inbox_now": now,
        "inbox_due_soon": due_soon_limit(now, calendar),
        "inbox_recent": now - timedelta(days=WITHDRAWN_RECENT_DAYS),
    }


def _pairs(officer: Officer, with_led_units: bool):
    """Tasks of the (role, unit) pairs held, OR'ed so each arm uses the inbox index."""
    arms = [and_(HumanTask.role_code == role, HumanTask.unit_code == unit) for role, unit in officer.roles]
    if with_led_units and officer.led_units:
        arms.append(HumanTask.unit_code.in_(sorted(officer.led_units)))
    return or_(*arms) if arms else false()


def _task_who(view: str, officer: Officer) -> list:
    """Whose tasks, in which states, a task view shows."""
    if view == "offered":
        return [_pairs(officer, False), HumanTask.status == TaskStatus.NEW]
    if view == "mine":
        return [
            _pairs(officer, False),
            HumanTask.status == TaskStatus.CLAIMED,
            HumanTask.assignee_id == officer.user_id,
        ]
    if view == "done":
        return [
            _pairs(officer, False),
            HumanTask.status == TaskStatus.DONE,
            HumanTask.completed_by_id == officer.user_id,
        ]
    return [_pairs(officer, True), HumanTask.status.in_(OPEN)]


def _task_rest(view: str, officer: Officer, filters: Filters, calendar: WorkCalendar, headed: bool = False) -> list:
    """A task view's conditions beyond whose tasks and their states. `headed`: for a read by heads,
    which hold the roles and units, and the purpose's tasks, already."""
    where = {
        "offered": [],
        "mine": [] if headed else [_pairs(officer, False)],
        "done": [] if headed else [_pairs(officer, False)],
        "intake": [] if headed else [HumanTask.element_id.in_(task_ids_for("intake"))],
        "due_soon": [HumanTask.due_at >= _NOW, HumanTask.due_at < _DUE_SOON],
        "overdue": [HumanTask.due_at < _NOW],
        "return": [] if headed else [HumanTask.element_id.in_(task_ids_for(*RETURN))],
    }[view]
    if view == "return" and filters.channel:  # on the task row: no dossier read (see HumanTask.result_channel)
        where.append(HumanTask.result_channel == filters.channel)
    if filters.procedure:
        where.append(Dossier.procedure_code == filters.procedure)
    if filters.status:
        where.append(Dossier.status == filters.status)
    if filters.due_before:
        where.append(HumanTask.due_at < _start_of(filters.due_before + timedelta(days=1), calendar))
    return where


def _task_conditions(view: str, officer: Officer, filters: Filters, calendar: WorkCalendar) -> list:
    return [*_task_who(view, officer), *_task_rest(view, officer, filters, calendar)]


def _dossier_conditions(view: str, officer: Officer, filters: Filters) -> list:
    units = sorted(officer.units)
    where = [Dossier.unit_code.in_(units) if units else false()]
    if view == "supplement":
        where.append(Dossier.status == DossierStatus.SUPPLEMENT_REQUESTED)
    else:
        where += [
            Dossier.status == DossierStatus.WITHDRAWN,
            Dossier.updated_at >= _RECENT,
        ]
    if filters.procedure:
        where.append(Dossier.procedure_code == filters.procedure)
    if filters.status:
        where.append(Dossier.status == filters.status)
    return where


# --- reading a view at scale ---------------------------------------------------------------------
#
# A view is read as the union of its "heads": equality conditions an index begins with (a role, a
# unit and a status; an assignee or completer and a status; a unit and a dossier status). Each head
# is read from its index in the view's order and cut at what is needed (a page, or COUNT_CAP + 1 for
# a count), so a page or a count reads a few index entries per head however big the office is: the
# database never sorts nor counts a whole view, and the dossier is joined only when a filter names
# one of its columns. The leader's overview of a unit is read as one head per role of that unit.


def _arms(session: Session, officer: Officer, with_led_units: bool) -> list[tuple[str, str]]:
    """The (role, unit) pairs whose tasks a view shows: as _pairs, with a led unit as all its roles
    (the system's roles have no tasks)."""
    pairs = {(role, unit) for role, unit in officer.roles if role not in SYSTEM_ROLES}
    if with_led_units and officer.led_units:
        roles = [role for role in _lookups(session).roles if role not in SYSTEM_ROLES]
        pairs |= {(role, unit) for role in roles for unit in officer.led_units}
    return sorted(pairs)


PURPOSES = {"intake": ("intake",), "return": RETURN}  # the views of tasks that serve a purpose


@dataclass(frozen=True)
class _Lookups:
    """What a view's heads are made of besides the officer: the roles (a led unit's), and the tasks
    of the shared steps serving each purpose view; part of a cached statement's key, so a deployed
    version's new task or a new role is seen at once."""

    roles: tuple[str, ...]
    tasks: tuple[tuple[str, tuple[str, ...]], ...]  # (view, element ids), sorted

    def tasks_of(self, view: str) -> tuple[str, ...]:
        return dict(self.tasks).get(view, ())


def _lookups(session: Session) -> _Lookups:
    """The roles and the purposes' tasks, in one round trip, once per session (a page asks for them
    in several views' heads)."""
    cache = session.info.setdefault("inbox", {})
    if "lookups" not in cache:
        purposes = [purpose for view in PURPOSES for purpose in PURPOSES[view]]
        rows = session.execute(
            union_all(
                select(literal("", TaskPurpose.purpose.type), Role.code),
                select(TaskPurpose.purpose, TaskPurpose.element_id).where(TaskPurpose.purpose.in_(purposes)),
            )
        ).all()
        tasks = {
            view: tuple(sorted({task for purpose, task in rows if purpose in PURPOSES[view]})) for view in PURPOSES
        }
        cache["lookups"] = _Lookups(
            tuple(sorted(code for purpose, code in rows if purpose == "")), tuple(sorted(tasks.items()))
        )
    return cache["lookups"]


_STATEMENTS: dict[tuple, Select] = {}
_STATEMENTS_KEPT = 1024  # about a statement per officer and view: cleared when full, built again


def _cached(key: tuple, build) -> Select:
    """A count statement built once per officer, view, filters and lookups: building one of a union
    of dozens of heads takes longer than the database needs to run it. Its moments are parameters."""
    found = _STATEMENTS.get(key)
    if found is None:
        if len(_STATEMENTS) >= _STATEMENTS_KEPT:
            _STATEMENTS.clear()
        found = _STATEMENTS[key] = build()
    return found


def _limit(n: int):
    """A LIMIT written into the statement: a bound one is rendered into the SQL text again for each
    of a union's many parts, at every execution."""
    return literal_column(str(int(n)))


def _task_heads(session: Session, view: str, officer: Officer) -> list[list[ColumnElement[bool]]]:
    """A task view's heads. A led unit is one head per status (and task), whatever the role."""
    if view in ("mine", "done"):  # ix_human_tasks_assignee_queue / ix_human_tasks_completer_queue
        column, status = (
            (HumanTask.assignee_id, TaskStatus.CLAIMED)
            if view == "mine"
            else (HumanTask.completed_by_id, TaskStatus.DONE)
        )
        return [
            [
                column == officer.user_id,
                HumanTask.status == status,
                HumanTask.role_code == role,
                HumanTask.unit_code == unit,
            ]
            for role, unit in _arms(session, officer, False)
        ]
    statuses = (TaskStatus.NEW,) if view == "offered" else OPEN
    arms = _arms(session, officer, view != "offered")
    if view in PURPOSES:  # ix_human_tasks_purpose_queue: the few tasks of the shared steps that serve it
        roles: dict[str, list[str]] = {}
        for role, unit in arms:
            roles.setdefault(unit, []).append(role)
        tasks = _lookups(session).tasks_of(view)
        return [
            [HumanTask.unit_code == unit, HumanTask.status == status, HumanTask.element_id == task]
            + ([] if unit in officer.led_units else [HumanTask.role_code.in_(roles[unit])])
            for unit in sorted(roles)
            for status in statuses
            for task in tasks
        ]
    # a led unit: one head per status whatever the role (ix_human_tasks_unit_queue, in the view's order)
    led = officer.led_units if view != "offered" else frozenset()
    heads = [  # ix_human_tasks_queue
        [HumanTask.unit_code == unit, HumanTask.status == status, HumanTask.role_code == role]
        for role, unit in arms
        if unit not in led
        for status in statuses
    ]
    return heads + [
        [HumanTask.unit_code == unit, HumanTask.status == status] for unit in sorted(led) for status in statuses
    ]


def _dossier_heads(view: str, officer: Officer) -> list[list[ColumnElement[bool]]]:
    status = DossierStatus.SUPPLEMENT_REQUESTED if view == "supplement" else DossierStatus.WITHDRAWN
    return [[Dossier.unit_code == unit, Dossier.status == status] for unit in sorted(officer.units)]


def _needs_dossier(filters: Filters) -> bool:
    return bool(filters.procedure or filters.status)


def _from(view: str, filters: Filters):
    if view not in TASK_VIEWS:
        return Dossier.__table__
    if _needs_dossier(filters):
        return HumanTask.__table__.join(Dossier.__table__, Dossier.id == HumanTask.dossier_id)
    return HumanTask.__table__


def _union(parts: list[Select]):
    """The parts' rows together (each part a subquery: SQLite takes no ORDER BY or LIMIT in a part)."""
    wrapped = [select(*part.subquery().c) for part in parts]
    return (wrapped[0] if len(wrapped) == 1 else union_all(*wrapped)).subquery()


def _capped_count(id_column, from_, heads: list, rest: list) -> Select:
    """How many rows the heads hold together, counting at most COUNT_CAP + 1 (0 without heads)."""
    if not heads:
        return select(func.count()).where(false())
    parts = [select(id_column).select_from(from_).where(*head, *rest).limit(_limit(COUNT_CAP + 1)) for head in heads]
    found = _union(parts)
    return select(func.count()).select_from(select(found.c[0]).limit(_limit(COUNT_CAP + 1)).subquery())


def _count_query(session: Session, officer: Officer, view: str, filters: Filters, calendar: WorkCalendar) -> Select:
    if view in TASK_VIEWS:
        heads = _task_heads(session, view, officer)
        rest = _task_rest(view, officer, filters, calendar, headed=True)
        return _capped_count(HumanTask.id, _from(view, filters), heads, rest)
    heads = _dossier_heads(view, officer)
    return _capped_count(Dossier.id, _from(view, filters), heads, _dossier_conditions(view, officer, filters))


def _capped(found: int | None) -> Count:
    return Count(min(found or 0, COUNT_CAP), more=(found or 0) > COUNT_CAP)


def _counted_together(
    session: Session, officer: Officer, wanted: dict[str, tuple[str, Filters]], now: datetime, calendar: WorkCalendar
) -> dict[str, Count]:
    """Several counts (name: view and filters) in one statement, one round trip; the statement is
    built once (_cached) and given the moments of `now`."""
    # the calendar's zone: a due-before filter's day ends at its midnight there
    key = ("counts", officer, tuple(wanted.items()), str(calendar.zone), _lookups(session))

    def build() -> Select:
        queries = {
            name: _count_query(session, officer, view, filters, calendar) for name, (view, filters) in wanted.items()
        }
        return select(*[query.scalar_subquery().label(name) for name, query in queries.items()])

    row = session.execute(_cached(key, build), moments(now, calendar)).one()
    return {name: _capped(found) for name, found in zip(wanted, row, strict=True)}


def count_view(
    session: Session, officer: Officer, view: str, filters: Filters, now: datetime, calendar: WorkCalendar
) -> Count:
    """How many rows the view has, counted up to COUNT_CAP."""
    return _counted_together(session, officer, {view: (view, filters)}, now, calendar)[view]


def counts(
    session: Session, officer: Officer, filters: Filters, now: datetime, calendar: WorkCalendar
) -> dict[str, Count]:
    """How many rows each view has with these filters, each counted up to COUNT_CAP."""
    common = Filters(filters.procedure, filters.status, filters.due_before, sort="due")
    return _counted_together(session, officer, {view: (view, common) for view in VIEWS}, now, calendar)


def channel_counts(
    session: Session, officer: Officer, filters: Filters, now: datetime, calendar: WorkCalendar
) -> dict[str, Count]:
    """Results waiting to go back, by the channel the applicant chose."""
    return _counted_together(
        session,
        officer,
        {
            channel: ("return", Filters(filters.procedure, filters.status, filters.due_before, channel, "due"))
            for channel in CHANNELS
        },
        now,
        calendar,
    )


# --- keyset paging -------------------------------------------------------------------------------
# In the default order (earliest due first, none last; then the oldest; then by id) a page can start
# after the last row of the one before: each head's index is entered at that row, instead of reading
# and dropping every row before it (OFFSET). The cursor is that row's three keys.

Cursor = tuple[datetime | None, datetime, int]


def cursor_text(keys: Cursor) -> str:
    first, second, ident = keys
    return f"{first.isoformat() if first else ''}~{second.isoformat()}~{ident}"


def parse_cursor(text: str | None) -> Cursor | None:
    """The cursor of a `next_after`; None for anything else (the view then starts at its top)."""
    try:
        first, second, ident = (text or "").split("~")
        keys = (datetime.fromisoformat(first) if first else None, datetime.fromisoformat(second), int(ident))
    except ValueError:
        return None
    if any(k is not None and k.tzinfo is None for k in keys[:2]):
        return None
    return keys


def _after(keys: tuple[InstrumentedAttribute, InstrumentedAttribute, InstrumentedAttribute], after: Cursor):
    """The conditions of the rows after the cursor, as two index ranges: rows with the first key set
    (None: none are after it), and rows without it."""
    first, second, ident = keys
    if after[0] is None:
        return None, [first.is_(None), tuple_(second, ident) > tuple_(*_typed(keys[1:], after[1:]))]
    return [first.is_not(None), tuple_(*keys) > tuple_(*_typed(keys, after))], [first.is_(None)]


def _typed(columns, values) -> list:
    return [literal(value, column.type) for column, value in zip(columns, values, strict=True)]


def _first_ids(session: Session, keys, from_, heads: list, rest: list, after: Cursor | None, skip: int, size: int):
    """The ids of the view's rows in key order after the cursor, `skip` of them skipped, at most size."""
    first, second, ident = keys
    wanted = skip + size
    if after is None:  # from the top: one range per head, in the index's own order (nulls last)
        ranges, order = [[]], [first.asc().nulls_last(), second, ident]
    else:
        ranges, order = [bounds for bounds in _after(keys, after) if bounds is not None], [first, second, ident]
    parts = [
        select(ident, first, second)
        .select_from(from_)
        .where(*head, *rest, *bounds)
        .order_by(*order)
        .limit(_limit(wanted))
        for head in heads
        for bounds in ranges
    ]
    found = _union(parts)
    return select(found.c[0]).order_by(found.c[1].asc().nulls_last(), found.c[2], found.c[0]).limit(size).offset(skip)


def list_view(
    session: Session,
    officer: Officer,
    view: str,
    filters: Filters,
    now: datetime,
    calendar: WorkCalendar,
    page: int = 1,
    size: int = 20,
    after: str | None = None,
    total: Count | None = None,
) -> Page:
    """One page of a view, and how many rows it has in all (up to COUNT_CAP; `total` when the
    caller has counted it already). In the default order, `after` (a page's `next_after`) starts
    the page after that page's last row instead of at `page`."""
    if view not in VIEWS:
        raise ValueError(f"unknown inbox view {view!r}")
    page = max(page, 1)
    if total is None:
        total = count_view(session, officer, view, filters, now, calendar)
    cursor = parse_cursor(after) if filters.sort == "due" else None
    skip = 0 if cursor else (page - 1) * size
    if view in TASK_VIEWS:
        where = _task_conditions(view, officer, filters, calendar)
        heads = _task_heads(session, view, officer)
        if filters.sort == "due" and heads:
            keys = (HumanTask.due_at, HumanTask.created_at, HumanTask.id)
            ids = _first_ids(
                session,
                keys,
                _from(view, filters),
                heads,
                _task_rest(view, officer, filters, calendar, headed=True),
                cursor,
                skip,
                size,
            )
            items = _task_page(session, [HumanTask.id.in_(ids)], view, filters, now, calendar, 1, size)
        else:
            items = _task_page(session, where, view, filters, now, calendar, page, size) if heads else []
        last = (items[-1].due_at, items[-1].created_at, items[-1].id) if items else None
    else:
        where = _dossier_conditions(view, officer, filters)
        heads = _dossier_heads(view, officer)
        if filters.sort == "due" and heads:
            keys = (Dossier.next_timer_at, Dossier.updated_at, Dossier.id)
            ids = _first_ids(session, keys, Dossier.__table__, heads, where, cursor, skip, size)
            found = _dossier_page(session, [Dossier.id.in_(ids)], filters, 1, size, now, calendar)
        else:
            found = _dossier_page(session, where, filters, page, size, now, calendar) if heads else []
        items = [item for _, item in found]
        last = (found[-1][1].waiting_until, found[-1][1].updated_at, found[-1][0]) if found else None
    more_after = filters.sort == "due" and len(items) == size and last is not None
    return Page(items, total, page, size, total.more, cursor_text(last) if more_after else None)


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
        .offset((page - 1) * size),
        moments(now, calendar),
    ).all()
    return [
        TaskItem(*row[:10], row[10].value, *row[11:], sla=sla(row.due_at, now, calendar) if row[10] in OPEN else None)
        for row in rows
    ]


def _dossier_page(session, where, filters, page, size, now, calendar) -> list[tuple[int, DossierItem]]:
    by_due = [Dossier.next_timer_at.asc().nulls_last(), Dossier.updated_at, Dossier.id]
    order = {
        "newest": [Dossier.updated_at.desc(), Dossier.id.desc()],
        "received": [Dossier.submitted_at, Dossier.id],
        "procedure": [Dossier.procedure_code, *by_due],
    }.get(filters.sort, by_due)
    rows = session.execute(
        select(
            Dossier.id,
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
        .offset((page - 1) * size),
        moments(now, calendar),
    ).all()
    return [(row[0], DossierItem(*row[1:])) for row in rows]


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
    where = [*_task_conditions(view, officer, filters, calendar), workable, HumanTask.id != after]
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


def task_for(session: Session, officer: Officer, task_id: int, work: bool = False) -> TaskInfo:
    """The task, if this officer may see it (work: may do it: holds its role in its unit); the
    pages and the API both ask here. A task of a dossier they may not see is NotFound like one that
    does not exist (nothing tells it exists); one they may see but not see or do, NotAllowed."""
    info = task_info(session, task_id)
    if info is None or not officer.may_see_dossier(info.unit_code):
        raise not_found("task", task_id)
    allowed = (
        officer.works_on(info.role_code, info.unit_code)
        if work
        else officer.may_see_task(info.role_code, info.unit_code)
    )
    if not allowed:
        raise NotAllowed("Bạn không được xem hay làm công việc này", "You may not see or do this task")
    return info


def dossier_tasks(session: Session, dossier_code: str) -> list[TaskInfo]:
    """Every task the dossier has had, oldest first."""
    return _task_infos(session, Dossier.code == dossier_code)


def dossier_ref(session: Session, dossier_code: str) -> tuple[int, str] | None:
    """A dossier's id and unit (to check who may see it before reading more)."""
    row = session.execute(select(Dossier.id, Dossier.unit_code).where(Dossier.code == dossier_code)).first()
    return (row[0], row[1]) if row else None


def state_version(session: Session, dossier_code: str) -> int | None:
    """How many times the dossier has been advanced: what a client's view of a task must still match
    (the API's ETag)."""
    return session.scalar(select(Dossier.state_version).where(Dossier.code == dossier_code))


def task_fields(meta: ProcedureMeta, element_id: str) -> tuple[Field, ...]:
    """The form of a task: from the procedure's metadata, or the office's own apology letter."""
    if element_id == APOLOGY:
        return APOLOGY_FIELDS
    return meta.tasks.get(element_id, ())
