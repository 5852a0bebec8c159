"""The managers' dashboard: what came in during a period and what became of it, the backlog and
the overdue work now, and trends by week and month. Each figure is one grouped SQL aggregate.

Definitions (shown on the page and in the README):
- received: dossiers received in the period, by how they came in (online, post, counter), as
  `measures` defines them for every page (accepted, on the working day they count as received);
- of those, as they stand now: finished early (processing finished at least 24 hours before the
  appointment), on time (otherwise by the appointment), late (after it); in progress within the
  limit (the clock stopped for the applicant, or the appointment not passed) or past it; withdrawn
  (status 7), stopped (8); beside them, the dossiers refused at reception in the period (status 3,
  by the day of the refusal: never received, so in no cohort);
- results: the finished dossiers by how the applicant chose to get the result;
- benefits paid in the period: cashless (the bank's confirmation of a transfer taken then) or in
  cash (the post's report of a cash payment taken then), from the messages in the history;
- backlog and overdue: dossiers still in progress now (whatever the period), by age since
  submission and by the step their open tasks wait at; overdue dossiers (past the appointment) by
  unit and procedure; overdue tasks (past the step's due time) by the officer holding them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, literal_column, not_, select
from sqlalchemy.orm import Session

from engine.data.models import Dossier, Event, HumanTask, Procedure, TaskStatus, User
from engine.statuses import DossierStatus

from . import measures
from .period import Filters, with_units

ENDED = (int(DossierStatus.REFUSED), int(DossierStatus.WITHDRAWN), int(DossierStatus.STOPPED))
RESULT_CHANNELS = ("electronic", "post", "counter")
BANK_CONFIRMED, CASH_PAID = "bank_confirmed", "cash_paid"  # the shared payout's two ways to end
EARLY_SECONDS = 24 * 3600
# backlog ages in calendar days since submission: (label key, up to this many days; None: beyond)
AGE_BUCKETS = (("0-5", 5), ("6-10", 10), ("11-20", 20), ("21-30", 30), ("30+", None))
OPEN_TASK = (TaskStatus.NEW, TaskStatus.CLAIMED)


@dataclass
class Cohort:
    """The dossiers received in the period and what became of them, as counts."""

    received: int = 0
    online: int = 0
    post: int = 0
    counter: int = 0
    early: int = 0
    on_time: int = 0  # finished by the appointment but not early
    late: int = 0
    in_progress_within: int = 0
    in_progress_past: int = 0
    withdrawn: int = 0
    refused: int = 0  # refused at reception in the period: never received, beside the cohort
    stopped: int = 0
    result_electronic: int = 0
    result_post: int = 0
    result_counter: int = 0

    @property
    def finished(self) -> int:
        return self.early + self.on_time + self.late

    @property
    def in_progress(self) -> int:
        return self.in_progress_within + self.in_progress_past

    @property
    def electronic_share(self) -> float | None:
        return share(self.online, self.received)

    @property
    def results(self) -> int:
        return self.result_electronic + self.result_post + self.result_counter

    def add(self, other: Cohort) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class Payouts:
    cashless: int
    cash: int

    @property
    def total(self) -> int:
        return self.cashless + self.cash

    @property
    def cashless_share(self) -> float | None:
        return share(self.cashless, self.total)


@dataclass(frozen=True)
class Count:
    """One row of a breakdown: a key (unit code, procedure code, step id, officer's username or
    None for tasks no one holds, age bucket) with a label to show and its count."""

    key: str | None
    label: str
    count: int


@dataclass(frozen=True)
class TrendPoint:
    start: date  # the first day of the week (Monday) or month
    received: int
    finished: int  # processing finished in that week or month
    late: int  # of those, after the appointment


@dataclass
class Dashboard:
    filters: Filters
    now: datetime
    cohort: Cohort
    payouts: Payouts
    backlog_by_age: list[Count] = field(default_factory=list)
    backlog_by_step: list[Count] = field(default_factory=list)
    overdue_by_unit: list[Count] = field(default_factory=list)
    overdue_by_procedure: list[Count] = field(default_factory=list)
    overdue_by_officer: list[Count] = field(default_factory=list)
    weeks: list[TrendPoint] = field(default_factory=list)
    months: list[TrendPoint] = field(default_factory=list)


def share(part: int, whole: int) -> float | None:
    """part / whole, None when there is nothing to divide by."""
    return part / whole if whole else None


def dashboard(session: Session, filters: Filters, now: datetime, zone: ZoneInfo) -> Dashboard:
    """Every figure of the managers' dashboard for these filters, as of `now`."""
    filters = with_units(session, filters)
    return Dashboard(
        filters=filters,
        now=now,
        cohort=cohorts(session, filters, now, zone).get(None, Cohort()),
        payouts=payouts(session, filters, zone),
        backlog_by_age=backlog_by_age(session, filters, now),
        backlog_by_step=backlog_by_step(session, filters),
        overdue_by_unit=overdue_dossiers(session, filters, now, Dossier.unit_code),
        overdue_by_procedure=overdue_dossiers(session, filters, now, Dossier.procedure_code),
        overdue_by_officer=overdue_by_officer(session, filters, now),
        weeks=trend(session, filters, zone, weeks=True),
        months=trend(session, filters, zone, weeks=False),
    )


def _seconds_before(session: Session, later, earlier) -> ColumnElement:
    """later - earlier in seconds, in the database's own arithmetic."""
    if session.get_bind().dialect.name == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 86400
    return func.extract("epoch", later - earlier)


_count = measures.count_of


def in_progress(now: datetime) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
    """(still in progress, and past the appointment): not finished, not ended; past means an
    appointment that has passed while the clock runs (a stopped clock is not overdue)."""
    running = and_(Dossier.processed_at.is_(None), Dossier.finished_at.is_(None), Dossier.status.not_in(ENDED))
    past = and_(running, Dossier.appointment_at.is_not(None), Dossier.appointment_at < now, Dossier.paused_at.is_(None))
    return running, past


def cohorts(
    session: Session, filters: Filters, now: datetime, zone: ZoneInfo, by_procedure: bool = False
) -> dict[str | None, Cohort]:
    """The cohort of the period, as one grouped scan of the dossiers received in it: under the
    key None for all of them, and per procedure code too when `by_procedure`."""
    filters = with_units(session, filters)
    processed = Dossier.processed_at.is_not(None)
    timed = and_(processed, Dossier.appointment_at.is_not(None))
    late = measures.late()
    early = and_(timed, _seconds_before(session, Dossier.appointment_at, Dossier.processed_at) >= EARLY_SECONDS)
    running, past = in_progress(now)
    # grouped by procedure, or one row for all (a constant key would be a bound parameter, which
    # PostgreSQL does not take as the same expression in GROUP BY)
    key = Dossier.procedure_code if by_procedure else literal_column("NULL")
    query = (
        select(
            key,
            func.count(),
            _count(measures.online()),
            _count(measures.by_post()),
            _count(early),
            _count(and_(processed, not_(late), not_(early))),
            _count(late),
            _count(and_(running, not_(past))),
            _count(past),
            _count(Dossier.status == int(DossierStatus.WITHDRAWN)),
            _count(Dossier.status == int(DossierStatus.STOPPED)),
            *(_count(and_(processed, Dossier.result_channel == c)) for c in RESULT_CHANNELS),
        )
        .where(measures.received_in(filters.first, filters.last))
        .where(filters.scope(Dossier.unit_code, Dossier.procedure_code))
    )
    if by_procedure:
        query = query.group_by(key)
    found: dict[str | None, Cohort] = {}
    total = Cohort()
    for row in session.execute(query):
        received, online, post = int(row[1]), int(row[2]), int(row[3])
        early_, on_time, late_, within, past_, withdrawn, stopped, *results = (int(v) for v in row[4:])
        cohort = Cohort(
            received, online, post, received - online - post, early_, on_time, late_, within, past_, withdrawn
        )
        cohort.stopped = stopped
        cohort.result_electronic, cohort.result_post, cohort.result_counter = results
        total.add(cohort)
        if by_procedure:
            found[row[0]] = cohort
    start, end = filters.window(zone)
    refused = select(Dossier.procedure_code, func.count()).where(
        measures.refused_at_reception_in(start, end), filters.scope(Dossier.unit_code, Dossier.procedure_code)
    )
    for procedure, count in session.execute(refused.group_by(Dossier.procedure_code)):
        total.refused += int(count)
        if by_procedure:
            found.setdefault(procedure, Cohort()).refused = int(count)
    found[None] = total
    return found


def payouts(session: Session, filters: Filters, zone: ZoneInfo) -> Payouts:
    """Benefits paid in the period, from the messages the dossiers took then: the bank's
    confirmation of a transfer (cashless) and the post's report of a cash payment."""
    filters = with_units(session, filters)
    start, end = filters.window(zone)
    message = Event.data["message"].as_string()
    taken = (
        select(message.label("message"), Event.dossier_id.label("dossier_id"))
        .join(Dossier, Dossier.id == Event.dossier_id)
        .where(Event.kind == "message_received", Event.at >= start, Event.at < end)
        .where(message.in_((BANK_CONFIRMED, CASH_PAID)))
        .where(filters.scope(Dossier.unit_code, Dossier.procedure_code))
        .subquery()
    )
    # grouped on the subquery's column: the JSON path is a bound parameter, which PostgreSQL does
    # not take as the same expression in SELECT and GROUP BY
    rows = session.execute(
        select(taken.c.message, func.count(func.distinct(taken.c.dossier_id))).group_by(taken.c.message)
    )
    paid = dict(rows.all())
    return Payouts(int(paid.get(BANK_CONFIRMED, 0)), int(paid.get(CASH_PAID, 0)))


def backlog_by_age(session: Session, filters: Filters, now: datetime) -> list[Count]:
    """Dossiers in progress now, by calendar days since they were submitted."""
    filters = with_units(session, filters)
    running, _ = in_progress(now)
    whens, index = [], 0
    for index, (_, days) in enumerate(AGE_BUCKETS):
        if days is not None:
            whens.append((Dossier.submitted_at >= now - timedelta(days=days + 1), index))
    bucket = case(*whens, else_=index).label("bucket")
    rows = _grouped(select(bucket).where(running, filters.scope(Dossier.unit_code, Dossier.procedure_code)))
    rows = dict(session.execute(rows).all())
    return [Count(label, label, int(rows.get(i, 0))) for i, (label, _) in enumerate(AGE_BUCKETS)]


def _tasks_in_scope(query, filters: Filters):
    """Tasks of the filters' units, and of its procedure (the only filter that needs the dossier:
    without it, the task indexes by unit and status answer alone)."""
    if filters.units is not None:
        query = query.where(HumanTask.unit_code.in_(filters.units))
    if filters.procedure:
        query = query.join(Dossier, Dossier.id == HumanTask.dossier_id).where(
            Dossier.procedure_code == filters.procedure
        )
    return query


def backlog_by_step(session: Session, filters: Filters) -> list[Count]:
    """Open tasks now, by the step (diagram element) they wait at, most first."""
    filters = with_units(session, filters)
    rows = session.execute(
        _tasks_in_scope(select(HumanTask.element_id, func.max(HumanTask.title), func.count()), filters)
        .where(HumanTask.status.in_(OPEN_TASK))
        .group_by(HumanTask.element_id)
    )
    return sorted((Count(e, t, int(n)) for e, t, n in rows), key=lambda c: (-c.count, c.key))


def overdue_dossiers(session: Session, filters: Filters, now: datetime, column) -> list[Count]:
    """Dossiers past their appointment now, by `column` (unit or procedure code), most first."""
    filters = with_units(session, filters)
    _, past = in_progress(now)
    rows = session.execute(
        select(column, func.count())
        .where(past, filters.scope(Dossier.unit_code, Dossier.procedure_code))
        .group_by(column)
    )
    return sorted((Count(k, k, int(n)) for k, n in rows), key=lambda c: (-c.count, c.key))


def overdue_by_officer(session: Session, filters: Filters, now: datetime) -> list[Count]:
    """Open tasks past their step's due time, by the officer holding them (key None: offered to
    the role, held by no one), most first."""
    filters = with_units(session, filters)
    query = select(User.username, User.full_name, func.count()).select_from(HumanTask)
    rows = session.execute(
        _tasks_in_scope(query, filters)
        .outerjoin(User, User.id == HumanTask.assignee_id)
        .where(HumanTask.status.in_(OPEN_TASK), HumanTask.due_at.is_not(None), HumanTask.due_at < now)
        .group_by(User.username, User.full_name)
    )
    return sorted((Count(u, name or "", int(n)) for u, name, n in rows), key=lambda c: (-c.count, c.key or ""))


def _starts(filters: Filters, weeks: bool) -> list[date]:
    """The first day of every week (Monday) or month the period touches."""
    if weeks:
        day = filters.first - timedelta(days=filters.first.weekday())
        out = []
        while day <= filters.last:
            out.append(day)
            day += timedelta(days=7)
        return out
    day, out = filters.first.replace(day=1), []
    while day <= filters.last:
        out.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return out


def _bucket(column, starts: list[date], zone: ZoneInfo | None) -> ColumnElement[int]:
    """The index of the week or month an instant (or, without a zone, a day) falls in, as a CASE
    the database evaluates."""
    bounds = [day if zone is None else datetime.combine(day, time(0), zone) for day in starts[1:]]
    if not bounds:
        return literal_column("0")
    return case(*((column < bound, i) for i, bound in enumerate(bounds)), else_=len(bounds))


def _grouped(inner, *sums):
    """Count the rows of `inner` by its `bucket` column (and sum its other columns named in
    `sums`): grouping on a subquery's column, since a CASE holding bound parameters is not the
    same expression in SELECT and GROUP BY to PostgreSQL."""
    rows = inner.subquery()
    return select(rows.c.bucket, func.count(), *(func.sum(rows.c[name]) for name in sums)).group_by(rows.c.bucket)


def trend(session: Session, filters: Filters, zone: ZoneInfo, weeks: bool) -> list[TrendPoint]:
    """Dossiers received, resolved and resolved late in each week or month of the period."""
    filters = with_units(session, filters)
    starts = _starts(filters, weeks)
    start, end = filters.window(zone)
    scope = filters.scope(Dossier.unit_code, Dossier.procedure_code)
    received = measures.received(
        session, filters.first, filters.last, scope, (_bucket(Dossier.received_on, starts, None),)
    )
    resolved = measures.resolved(session, start, end, scope, (_bucket(Dossier.processed_at, starts, zone),))
    points = []
    for i, day in enumerate(starts):
        done = resolved.get((i,), measures.Resolved())
        points.append(TrendPoint(day, received.get((i,), measures.Received()).received, done.resolved, done.late))
    return points


def procedure_codes(session: Session) -> list[str]:
    """The catalogue's procedure codes (the filter's choices)."""
    return sorted(session.scalars(select(Procedure.code)))


__all__ = [
    "AGE_BUCKETS",
    "Cohort",
    "Count",
    "Dashboard",
    "Payouts",
    "TrendPoint",
    "cohorts",
    "dashboard",
]
