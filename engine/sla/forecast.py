"""When an open dossier's processing is expected to finish: an estimate shown beside the legal
appointment, never instead of it.

How it is made (all times in office hours, `engine.sla.working_time`):
- Measurements (`measure`), per procedure, from the dossiers whose processing finished in the last
  WINDOW_DAYS (the latest DOSSIERS_PER_PROCEDURE of each): per step (user task element), the
  median time from the task's creation to its completion (queueing included), its place on the
  way (the median time from submission to the task's creation) and the share of dossiers that
  went through it; the steps at least half of them went through, in that order, are the
  procedure's typical path. And per queue (role and unit), the tasks finished per working hour.
- A forecast (`predict`): the dossier's open step takes what is left of its median, or the time
  the queue needs to clear the tasks in front of it (open tasks of the same role and unit created
  earlier, divided by the queue's measured pace), whichever is longer; every typical step after it
  not done yet takes its median.
- Not enough data: a step on the way measured fewer than MIN_SAMPLES times, or no typical path.

The measurements change slowly and read many rows, so pages use `current_measurements`, computed
at most every CACHE_SECONDS per database and by one request at a time (`engine.data.kept`).
`forecast_error` replays finished dossiers: what the forecast would have said at submission, with
measurements made before the period, against when processing really finished.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as day_time

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from engine.config import Settings
from engine.data.kept import Kept
from engine.data.models import Dossier, HumanTask, TaskStatus
from engine.sla.office_calendar import current_calendar, load_calendar
from engine.sla.workdays import WorkCalendar
from engine.sla.working_time import add_working_seconds, day_seconds, working_seconds
from engine.statuses import DossierStatus

WINDOW_DAYS = 90
DOSSIERS_PER_PROCEDURE = 300
MIN_SAMPLES = 3
TYPICAL_SHARE = 0.5
CACHE_SECONDS = 600.0
OPEN = (TaskStatus.NEW, TaskStatus.CLAIMED)


@dataclass(frozen=True)
class StepTime:
    element_id: str
    role_code: str
    median: float  # working seconds from the task's creation to its completion
    samples: int
    order: float  # median working seconds from submission to the task's creation
    share: float  # of the measured dossiers of the procedure, those that went through the step


@dataclass(frozen=True)
class Measurements:
    until: datetime
    steps: dict[tuple[str, str], StepTime]  # (procedure, element) -> its times
    throughput: dict[tuple[str, str], float]  # (role, unit) -> tasks finished per working second

    def path(self, procedure: str) -> list[StepTime]:
        """The procedure's typical path: the steps most dossiers go through, in their order."""
        steps = [s for (p, _e), s in self.steps.items() if p == procedure and s.share >= TYPICAL_SHARE]
        return sorted(steps, key=lambda s: s.order)


@dataclass(frozen=True)
class OpenStep:
    element_id: str
    role_code: str
    unit_code: str
    created_at: datetime
    ahead: int  # open tasks of the same role and unit created before it


@dataclass(frozen=True)
class Forecast:
    expected_at: datetime | None  # None: not enough data yet
    remaining_days: float | None = None  # working days left
    ahead: int = 0  # tasks in front of the dossier in its current queue
    steps: tuple[str, ...] = ()  # the steps still to go, the current one first


NOT_ENOUGH_DATA = Forecast(None)


# --- measuring -----------------------------------------------------------------------------------


def measure(session: Session, calendar: WorkCalendar, until: datetime, window_days: int = WINDOW_DAYS) -> Measurements:
    """Step times and queue paces from what finished in the `window_days` before `until`."""
    since = until - timedelta(days=window_days)
    ranked = (
        select(
            Dossier.id,
            Dossier.procedure_code,
            Dossier.submitted_at,
            Dossier.processed_at,
            func.row_number()
            .over(partition_by=Dossier.procedure_code, order_by=(Dossier.processed_at.desc(), Dossier.id.desc()))
            .label("n"),
        )
        .where(Dossier.processed_at >= since, Dossier.processed_at < until)
        .subquery()
    )
    rows = session.execute(
        select(
            ranked.c.procedure_code,
            ranked.c.id,
            ranked.c.submitted_at,
            HumanTask.element_id,
            HumanTask.role_code,
            HumanTask.created_at,
            HumanTask.finished_at,
        )
        .join(HumanTask, HumanTask.dossier_id == ranked.c.id)
        .where(
            ranked.c.n <= DOSSIERS_PER_PROCEDURE,
            HumanTask.status == TaskStatus.DONE,
            HumanTask.finished_at <= ranked.c.processed_at,
        )
    )
    durations: dict[tuple[str, str], list[float]] = defaultdict(list)
    places: dict[tuple[str, str], list[float]] = defaultdict(list)
    roles: dict[tuple[str, str], str] = {}
    went_through: dict[tuple[str, str], set[int]] = defaultdict(set)
    measured: dict[str, set[int]] = defaultdict(set)
    for procedure, dossier_id, submitted_at, element, role, created_at, finished_at in rows:
        key = (procedure, element)
        durations[key].append(working_seconds(calendar, created_at, finished_at))
        places[key].append(working_seconds(calendar, submitted_at, created_at))
        roles[key] = role
        went_through[key].add(dossier_id)
        measured[procedure].add(dossier_id)
    steps = {
        key: StepTime(
            element_id=key[1],
            role_code=roles[key],
            median=statistics.median(durations[key]),
            samples=len(durations[key]),
            order=statistics.median(places[key]),
            share=len(went_through[key]) / len(measured[key[0]]),
        )
        for key in durations
    }

    throughput = {}
    for role, unit, finished, first_created in session.execute(
        select(HumanTask.role_code, HumanTask.unit_code, func.count(), func.min(HumanTask.created_at))
        .where(HumanTask.status == TaskStatus.DONE, HumanTask.finished_at >= since, HumanTask.finished_at < until)
        .group_by(HumanTask.role_code, HumanTask.unit_code)
    ):
        observed = working_seconds(calendar, max(first_created, since), until)
        if observed > 0:
            throughput[(role, unit)] = finished / observed
    return Measurements(until, steps, throughput)


_kept: Kept[str, Measurements] = Kept(CACHE_SECONDS)


def current_measurements(session: Session, settings: Settings, now: datetime) -> Measurements:
    """The measurements, made again from the database at most every CACHE_SECONDS, by one request
    at a time: the others meanwhile forecast from the ones before (minutes old)."""
    return _kept.get(settings.database_url, lambda: measure(session, current_calendar(session, settings), now))


def forget_cached_measurements() -> None:
    """Measure afresh next time (tests that empty or script the database)."""
    _kept.forget()


def predict(
    measurements: Measurements,
    calendar: WorkCalendar,
    procedure: str,
    now: datetime,
    open_steps: list[OpenStep],
    done: set[str],
) -> Forecast:
    """When a dossier of `procedure` with these open steps, having done the steps `done`, is
    expected to finish processing, seen at `now`."""
    path = measurements.path(procedure)
    if not path:
        return NOT_ENOUGH_DATA
    known = [s for s in open_steps if (procedure, s.element_id) in measurements.steps]
    if known:
        position = max(measurements.steps[(procedure, s.element_id)].order for s in known)
    else:  # between steps (a timer, a message): after the last step done
        position = max((s.order for s in path if s.element_id in done), default=-1.0)
    current = 0.0
    for step in known:
        measured = measurements.steps[(procedure, step.element_id)]
        if measured.samples < MIN_SAMPLES:
            return NOT_ENOUGH_DATA
        left = measured.median - working_seconds(calendar, step.created_at, now)
        pace = measurements.throughput.get((step.role_code, step.unit_code))
        queue = step.ahead / pace if pace else 0.0
        current = max(current, left, queue)
    later = [s for s in path if s.order > position and s.element_id not in done]
    if any(s.samples < MIN_SAMPLES for s in later):
        return NOT_ENOUGH_DATA
    remaining = current + sum(s.median for s in later)
    return Forecast(
        expected_at=add_working_seconds(calendar, now, remaining),
        remaining_days=remaining / day_seconds(calendar),
        ahead=max((s.ahead for s in known), default=0),
        steps=tuple(s.element_id for s in known) + tuple(s.element_id for s in later),
    )


def _is_open(dossier: Dossier) -> bool:
    return dossier.processed_at is None and dossier.finished_at is None and dossier.paused_at is None


def forecast_for(session: Session, settings: Settings, dossier: Dossier, now: datetime) -> Forecast | None:
    """The forecast for a dossier still being processed; None when there is nothing to forecast
    (processing finished, the dossier ended, or it waits for the applicant's papers)."""
    if not _is_open(dossier):
        return None
    calendar = current_calendar(session, settings)
    tasks = session.execute(
        select(
            HumanTask.element_id, HumanTask.role_code, HumanTask.unit_code, HumanTask.created_at, HumanTask.status
        ).where(HumanTask.dossier_id == dossier.id)
    ).all()
    open_steps = []
    for element, role, unit, created_at, status in tasks:
        if status in OPEN:
            ahead = session.scalar(
                select(func.count())
                .select_from(HumanTask)
                .where(
                    HumanTask.unit_code == unit,
                    HumanTask.status.in_(OPEN),
                    HumanTask.role_code == role,
                    HumanTask.created_at < created_at,
                )
            )
            open_steps.append(OpenStep(element, role, unit, created_at, ahead or 0))
    if dossier.status == DossierStatus.SUPPLEMENT_REQUESTED and not open_steps:
        # waiting for the applicant's papers (at reception the clock has not even started, so
        # paused_at is not set): nothing moves until they come, so there is no finish to expect
        return None
    done = {element for element, _r, _u, _c, status in tasks if status == TaskStatus.DONE}
    measurements = current_measurements(session, settings, now)
    return predict(measurements, calendar, dossier.procedure_code, now, open_steps, done)


# --- replaying -----------------------------------------------------------------------------------


def _state_at_submission(session: Session, dossier: Dossier, window_days: int) -> list[OpenStep]:
    """The dossier's open steps as they stood when it was submitted, each with the tasks then open
    in front of it in its queue (from the tasks' own creation and finish times)."""
    at = dossier.submitted_at
    steps = []
    for element, role, unit, created_at in session.execute(
        select(HumanTask.element_id, HumanTask.role_code, HumanTask.unit_code, HumanTask.created_at).where(
            HumanTask.dossier_id == dossier.id,
            HumanTask.created_at <= at,
            or_(HumanTask.finished_at.is_(None), HumanTask.finished_at > at),
        )
    ):
        ahead = session.scalar(
            select(func.count())
            .select_from(HumanTask)
            .where(
                HumanTask.unit_code == unit,
                HumanTask.role_code == role,
                HumanTask.created_at < created_at,
                HumanTask.created_at >= at - timedelta(days=window_days),
                or_(HumanTask.finished_at.is_(None), HumanTask.finished_at > at),
            )
        )
        steps.append(OpenStep(element, role, unit, created_at, ahead or 0))
    return steps


@dataclass(frozen=True)
class ForecastError:
    dossiers: int  # finished dossiers of the period
    forecast: int  # of them, those the forecast had enough data for
    mean_absolute_days: float | None  # mean |forecast - real finish|, in working days
    mean_signed_days: float | None  # above 0: the forecast was late on average (too pessimistic)
    within_one_day: float | None  # share forecast within one working day


def forecast_error(
    session: Session,
    settings: Settings,
    first: date,
    last: date,
    window_days: int = WINDOW_DAYS,
) -> ForecastError:
    """For the dossiers submitted between `first` and `last` (office days, inclusive) whose
    processing finished: what the forecast would have said when each was submitted, against when
    it really finished. The measurements are made as of the start of `first`, from what finished
    before it, so no dossier's own outcome feeds its forecast."""
    calendar = load_calendar(session, settings)
    start = datetime.combine(first, day_time(0), calendar.zone)
    end = datetime.combine(last + timedelta(days=1), day_time(0), calendar.zone)
    measurements = measure(session, calendar, start, window_days)
    dossiers = session.scalars(
        select(Dossier)
        .where(and_(Dossier.submitted_at >= start, Dossier.submitted_at < end), Dossier.processed_at.is_not(None))
        .order_by(Dossier.submitted_at, Dossier.id)
    ).all()
    errors = []
    for dossier in dossiers:
        open_steps = _state_at_submission(session, dossier, window_days)
        said = predict(measurements, calendar, dossier.procedure_code, dossier.submitted_at, open_steps, set())
        if said.expected_at is not None:
            errors.append(working_seconds(calendar, dossier.processed_at, said.expected_at) / day_seconds(calendar))
    if not errors:
        return ForecastError(len(dossiers), 0, None, None, None)
    return ForecastError(
        dossiers=len(dossiers),
        forecast=len(errors),
        mean_absolute_days=sum(abs(e) for e in errors) / len(errors),
        mean_signed_days=sum(errors) / len(errors),
        within_one_day=sum(abs(e) <= 1 for e in errors) / len(errors),
    )


def forecast_by_code(session: Session, settings: Settings, code: str, now: datetime) -> Forecast | None:
    """`forecast_for` the dossier with this code (None too when there is no such dossier)."""
    dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one_or_none()
    return forecast_for(session, settings, dossier, now) if dossier is not None else None
