"""The public statistics: per month and procedure, dossiers received, resolved on time and late,
the share received online, and the applicants' satisfaction, as one-stop portals publish them.

Aggregates only: the rows carry a month, a procedure and counts, never a dossier, a name or an ID
number, so the page built from them has nothing personal to leak. Each figure is one grouped
query over an indexed range (received_on, processed_at, rated_at), so a year of a million
dossiers is read in three statements (about a second for a year of 330,000 dossiers on a busy
two-core server), and a page asks `cached_statistics`, which reuses a period's figures for
CACHE_SECONDS and lets one request at a time count them again (`engine.data.kept`): figures a
month old do not change, and a public page must not let every visitor start a scan.

The figures are `measures`' (received on a working day of the month and how many online, resolved
in the month on time or late, the ratings given in the month), the same the managers' dashboard
and the Decision 766 index count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from engine.data.kept import Kept
from engine.data.models import Dossier, Procedure, Rating
from engine.forms import Message

from . import measures

MAX_MONTHS = 36  # a longer period is refused: the page stays a page
CACHE_SECONDS = 300.0


@dataclass
class Figures:
    received: int = 0
    online: int = 0
    resolved: int = 0
    on_time: int = 0
    very_satisfied: int = 0
    satisfied: int = 0
    not_satisfied: int = 0

    @property
    def late(self) -> int:
        return self.resolved - self.on_time

    @property
    def online_share(self) -> float | None:
        return self.online / self.received if self.received else None

    @property
    def on_time_share(self) -> float | None:
        return self.on_time / self.resolved if self.resolved else None

    @property
    def ratings(self) -> int:
        return self.very_satisfied + self.satisfied + self.not_satisfied

    @property
    def satisfied_share(self) -> float | None:
        """Very satisfied or satisfied, of all ratings; None when nobody rated."""
        return (self.very_satisfied + self.satisfied) / self.ratings if self.ratings else None

    def add(self, other: Figures) -> None:
        for name in ("received", "online", "resolved", "on_time", "very_satisfied", "satisfied", "not_satisfied"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class Month:
    month: date  # its first day
    rows: list[tuple[str, Message, Figures]] = field(default_factory=list)  # procedure code, name, figures
    total: Figures = field(default_factory=Figures)


@dataclass
class PublicStatistics:
    first: date  # first day of the first month
    last: date  # first day of the last month
    months: list[Month]
    total: Figures
    by_procedure: list[tuple[str, Message, Figures]]  # over the whole period


class PeriodError(ValueError):
    """A month range that cannot be shown (reversed, or longer than MAX_MONTHS)."""

    def __init__(self, message: Message):
        super().__init__(message.en)
        self.message = message


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def months_between(first: date, last: date) -> list[date]:
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def check_period(first: date, last: date) -> tuple[date, date]:
    """The period's first and last months (first days), or a PeriodError saying what is wrong."""
    first, last = month_start(first), month_start(last)
    if last < first:
        raise PeriodError(Message("Tháng cuối phải sau tháng đầu", "The last month must not come before the first"))
    if len(months_between(first, last)) > MAX_MONTHS:
        raise PeriodError(Message(f"Chọn tối đa {MAX_MONTHS} tháng", f"Choose at most {MAX_MONTHS} months"))
    return first, last


def _month_of_day(session: Session, column) -> ColumnElement:
    """The first day of the month of a date column, as 'YYYY-MM'."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(column, "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _month_of_time(session: Session, column, zone: ZoneInfo, at: date) -> ColumnElement:
    """The office-time month of a UTC timestamp column, as 'YYYY-MM'."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(zone.key, column), "YYYY-MM")
    # SQLite keeps UTC without a zone: shift by the office's offset (Vietnam keeps one all year)
    offset = datetime.combine(at, time(12), zone).utcoffset() or timedelta(0)
    return func.strftime("%Y-%m", column, f"{int(offset.total_seconds() // 60):+d} minutes")


def public_statistics(session: Session, first: date, last: date, zone: ZoneInfo) -> PublicStatistics:
    """The figures of the months from `first`'s to `last`'s (inclusive), per month and procedure."""
    first, last = check_period(first, last)
    end = next_month(last)
    start_at = datetime.combine(first, time(0), zone)
    end_at = datetime.combine(end, time(0), zone)
    cells: dict[tuple[str, str], Figures] = {}

    def cell(month: str, procedure: str) -> Figures:
        return cells.setdefault((month, procedure), Figures())

    # the same definitions as the managers' dashboard and the 766 index (measures)
    everything, procedure_of = true(), Dossier.procedure_code
    by_received = (_month_of_day(session, Dossier.received_on), procedure_of)
    for (m, code), r in measures.received(session, first, end - timedelta(days=1), everything, by_received).items():
        figures = cell(m, code)
        figures.received, figures.online = r.received, r.online
    by_resolved = (_month_of_time(session, Dossier.processed_at, zone, first), procedure_of)
    for (m, code), r in measures.resolved(session, start_at, end_at, everything, by_resolved).items():
        figures = cell(m, code)
        figures.resolved, figures.on_time = r.resolved, r.on_time
    by_rated = (_month_of_time(session, Rating.rated_at, zone, first), procedure_of)
    for (m, code), r in measures.ratings(session, start_at, end_at, everything, by_rated).items():
        figures = cell(m, code)
        for answer in measures.ANSWERS:
            setattr(figures, answer, getattr(r, answer))

    names = {
        code: Message(vi, en)
        for code, vi, en in session.execute(select(Procedure.code, Procedure.name_vi, Procedure.name_en))
    }
    months = [Month(m) for m in months_between(first, last)]
    by_key = {m.month.strftime("%Y-%m"): m for m in months}
    whole: dict[str, Figures] = {}
    total = Figures()
    for (key, procedure), figures in sorted(cells.items()):
        name = names.get(procedure, Message(procedure, procedure))
        by_key[key].rows.append((procedure, name, figures))
        by_key[key].total.add(figures)
        whole.setdefault(procedure, Figures()).add(figures)
        total.add(figures)
    by_procedure = [(code, names.get(code, Message(code, code)), f) for code, f in sorted(whole.items())]
    return PublicStatistics(first, last, months, total, by_procedure)


# periods are chosen by anyone: at most 1000 of them kept
_kept: Kept[tuple[str, date, date, str], PublicStatistics] = Kept(CACHE_SECONDS, most=1000)


def cached_statistics(session: Session, database: str, first: date, last: date, zone: ZoneInfo) -> PublicStatistics:
    """`public_statistics`, computed at most every CACHE_SECONDS per database and period, by one
    request at a time: the others meanwhile get the figures before (minutes old)."""
    first, last = check_period(first, last)
    return _kept.get((database, first, last, zone.key), lambda: public_statistics(session, first, last, zone))


def forget_cached_statistics() -> None:
    """Compute afresh next time (tests that empty or script the database)."""
    _kept.forget()
