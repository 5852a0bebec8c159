"""Time measured in office hours: how much working time lies between two moments, and the moment
a given amount of working time after another. Steps are timed this way so that a task left over
a weekend or Tết does not look slow, and a forecast lands in office hours."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from engine.sla.workdays import WorkCalendar


def day_seconds(calendar: WorkCalendar) -> float:
    """The office hours of one working day, in seconds (7.5 hours by default)."""
    h = calendar.hours
    return _span(h.opens, h.lunch_from) + _span(h.lunch_to, h.closes)


def _span(a: time, b: time) -> float:
    return (datetime.combine(datetime.min, b) - datetime.combine(datetime.min, a)).total_seconds()


def _periods(calendar: WorkCalendar, day) -> list[tuple[datetime, datetime]]:
    h, zone = calendar.hours, calendar.zone
    return [
        (datetime.combine(day, h.opens, zone), datetime.combine(day, h.lunch_from, zone)),
        (datetime.combine(day, h.lunch_to, zone), datetime.combine(day, h.closes, zone)),
    ]


def working_seconds(calendar: WorkCalendar, start: datetime, end: datetime) -> float:
    """Office-hour seconds from `start` to `end` (negative when `end` comes first)."""
    if end < start:
        return -working_seconds(calendar, end, start)
    total = 0.0
    day, last = start.astimezone(calendar.zone).date(), end.astimezone(calendar.zone).date()
    while day <= last:
        if calendar.is_working_day(day):
            for opens, closes in _periods(calendar, day):
                total += max(0.0, (min(closes, end) - max(opens, start)).total_seconds())
        day += timedelta(days=1)
    return total


def add_working_seconds(calendar: WorkCalendar, start: datetime, seconds: float) -> datetime:
    """The moment `seconds` of office hours after `start` (`start` itself, or the next opening when
    it lies outside office hours, for 0)."""
    left = max(0.0, seconds)
    day = start.astimezone(calendar.zone).date()
    while True:
        if calendar.is_working_day(day):
            for opens, closes in _periods(calendar, day):
                begin = max(opens, start)
                if begin >= closes:
                    continue
                room = (closes - begin).total_seconds()
                if left <= room:
                    return begin + timedelta(seconds=left)
                left -= room
        day += timedelta(days=1)
