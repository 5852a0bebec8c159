"""The office's own changes to the working-day calendar, kept in the database, so an edit counts
for new deadlines without a restart: at once where the calendar is read fresh (`load_calendar`),
within CACHE_SECONDS on the engine's hot path (`current_calendar`), which would otherwise read
the table at every step of every dossier."""

from __future__ import annotations

import threading
import time
from datetime import date
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.config import Settings
from engine.data.models import CalendarDay
from engine.errors import NotFound
from engine.sla.workdays import OfficeHours, WorkCalendar


def load_calendar(session: Session, settings: Settings) -> WorkCalendar:
    days = session.execute(select(CalendarDay.day, CalendarDay.working)).all()
    return WorkCalendar(
        zone=ZoneInfo(settings.timezone),
        hours=OfficeHours.parse(settings.office_hours, settings.cutoff),
        office_holidays=frozenset(d for d, working in days if not working),
        office_workdays=frozenset(d for d, working in days if working),
    )


CACHE_SECONDS = 30.0
_cache: dict[tuple, tuple[float, WorkCalendar]] = {}
_cache_lock = threading.Lock()


def current_calendar(session: Session, settings: Settings) -> WorkCalendar:
    """The calendar, read again from the database at most every CACHE_SECONDS."""
    key = (settings.database_url, settings.timezone, settings.office_hours, settings.cutoff)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    calendar = load_calendar(session, settings)
    with _cache_lock:
        _cache[key] = (time.monotonic(), calendar)
    return calendar


def forget_cached_calendars() -> None:
    """Read the calendar afresh next time (after an edit; tests that empty the database)."""
    with _cache_lock:
        _cache.clear()


def set_day(session: Session, day: date, working: bool, note: str = "") -> None:
    """Make `day` a working day or a day off for the office, whatever the national calendar says."""
    row = session.get(CalendarDay, day) or CalendarDay(day=day)
    row.working, row.note = working, note
    session.add(row)
    forget_cached_calendars()


def remove_day(session: Session, day: date) -> None:
    """Drop the office's own change for `day`: the national calendar applies again."""
    row = session.get(CalendarDay, day)
    if row is None:
        raise NotFound(
            f"Ngày {day.isoformat()} không có điều chỉnh riêng của cơ quan",
            f"The office has no change of its own for {day.isoformat()}",
        )
    session.delete(row)
    forget_cached_calendars()


def list_days(session: Session, year: int | None = None) -> list[CalendarDay]:
    query = select(CalendarDay).order_by(CalendarDay.day)
    if year is not None:
        query = query.where(CalendarDay.day >= date(year, 1, 1), CalendarDay.day <= date(year, 12, 31))
    return list(session.scalars(query))
