"""The office's working-day calendar and the time limits counted on it.

Working days are Monday to Friday, minus Vietnam's public holidays and the government's swap days,
plus official make-up Saturdays (all from the `holidays` package), with the office's own
additions and removals (table `calendar_days`, edited with `motcua calendar`) taking precedence.

The rules, in plain words (also in the README):
- A dossier counts as received on the day it is accepted if that is a working day and it is
  accepted before the cutoff (15:00). Accepted after the cutoff or on a day the office is closed, it
  counts as received on the next working day. A dossier that comes in online outside office hours
  counts from when the office next opens: before opening or over lunch, that same day; in the
  evening, at night or on a day off, the next working day. (So a later receipt never gets an
  earlier deadline.)
- A limit of N working days falls due at the end of office hours (17:00) of the Nth working day
  after the day the dossier counts as received.
- A limit of N calendar days falls due at the end of office hours of the Nth calendar day after
  that day; if that day is not a working day, on the next working day.
- A limit of N calendar days "not counting public holidays and Tết" (unit `calendar_no_holidays`,
  Law 41/2024 art. 79(3), 107(3)) counts weekends but skips the national holidays and the office's
  own days off that are not weekends; then as a calendar limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays


@dataclass(frozen=True)
class OfficeHours:
    opens: time = time(7, 30)
    lunch_from: time = time(11, 30)
    lunch_to: time = time(13, 30)
    closes: time = time(17, 0)
    cutoff: time = time(15, 0)  # accepted from then on: counts from the next working day

    @classmethod
    def parse(cls, text: str, cutoff: str = "15:00") -> OfficeHours:
        """From '07:30-11:30,13:30-17:00'."""
        morning, afternoon = (part.strip().split("-") for part in text.split(","))
        t = time.fromisoformat
        return cls(t(morning[0]), t(morning[1]), t(afternoon[0]), t(afternoon[1]), t(cutoff))


@lru_cache(maxsize=64)
def _national(year: int) -> holidays.HolidayBase:
    return holidays.Vietnam(years=year)


@dataclass(frozen=True)
class WorkCalendar:
    zone: ZoneInfo  # the office's (settings.timezone)
    hours: OfficeHours = OfficeHours()
    office_holidays: frozenset[date] = field(default_factory=frozenset)  # office's own days off
    office_workdays: frozenset[date] = field(default_factory=frozenset)  # office's own working days

    def is_working_day(self, day: date) -> bool:
        if day in self.office_workdays:
            return True
        if day in self.office_holidays:
            return False
        national = _national(day.year)
        if day in national.weekend_workdays:  # official make-up Saturdays
            return True
        return day.weekday() < 5 and day not in national

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        day += timedelta(days=1)
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day

    def add_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day after `day` (`day` itself when count is 0)."""
        if count < 0:
            raise ValueError("a number of working days cannot be negative")
        for _ in range(count):
            day = self.next_working_day(day)
        return day

    def subtract_working_days(self, day: date, count: int) -> date:
        """The `count`-th working day before `day` (`day` itself when count is 0)."""
        for _ in range(count):
            day -= timedelta(days=1)
            while not self.is_working_day(day):
                day -= timedelta(days=1)
        return day

    def received_day(self, moment: datetime) -> date:
        """The working day a dossier accepted (or submitted online) at `moment` counts as received."""
        local = moment.astimezone(self.zone)
        day, at = local.date(), local.time()
        if not self.is_working_day(day) or at >= self.hours.cutoff:
            return self.next_working_day(day)
        return day

    def is_holiday(self, day: date) -> bool:
        """A public holiday or Tết (or the office's own day off on a weekday): not counted by a
        `calendar_no_holidays` limit; an ordinary weekend is."""
        if day in self.office_workdays:
            return False
        if day in self.office_holidays:
            return day.weekday() < 5
        return day in _national(day.year)

    def add_days_not_holidays(self, day: date, count: int) -> date:
        """The `count`-th day after `day` that is not a holiday."""
        if count < 0:
            raise ValueError("a number of days cannot be negative")
        for _ in range(count):
            day += timedelta(days=1)
            while self.is_holiday(day):
                day += timedelta(days=1)
        return day

    def due(self, received: date, days: int, working: bool | str = True) -> datetime:
        """When a limit of `days` counted from the day a dossier counts as received falls due;
        `working` is True/False or a limit unit ('working', 'calendar', 'calendar_no_holidays')."""
        if days < 0:
            raise ValueError("a time limit cannot be negative")
        unit = working if isinstance(working, str) else ("working" if working else "calendar")
        if unit == "working":
            last = self.add_working_days(received, days)
        else:
            if unit == "calendar_no_holidays":
                last = self.add_days_not_holidays(received, days)
            else:
                last = received + timedelta(days=days)
            if not self.is_working_day(last):
                last = self.next_working_day(last)
        return datetime.combine(last, self.hours.closes, self.zone)

    def deadline(self, moment: datetime, days: int, working: bool | str = True) -> datetime:
        return self.due(self.received_day(moment), days, working)
