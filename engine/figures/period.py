"""What a figure is asked for: a period of office days, and optionally units and a procedure."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, select, true
from sqlalchemy.orm import Session

from engine.data.models import Unit
from engine.errors import EngineError

# a longer period is refused rather than read: two years of weeks is already a long chart
MAX_DAYS = 731


class FiguresError(EngineError):
    """A period or filter that cannot be read; nothing is computed."""


@dataclass(frozen=True)
class Filters:
    """The dossiers a figure counts: received from `first` to `last` (office days, inclusive),
    in `units` (None: every unit) and of `procedure` (None: every procedure)."""

    first: date
    last: date
    units: tuple[str, ...] | None = None
    procedure: str | None = None

    def __post_init__(self) -> None:
        if self.first > self.last:
            raise FiguresError(
                f"Ngày bắt đầu ({self.first:%d/%m/%Y}) sau ngày kết thúc ({self.last:%d/%m/%Y}).",
                f"The first day ({self.first:%d/%m/%Y}) is after the last ({self.last:%d/%m/%Y}).",
            )
        if (self.last - self.first).days >= MAX_DAYS:
            raise FiguresError(
                f"Khoảng thời gian dài nhất là {MAX_DAYS} ngày.", f"A period is at most {MAX_DAYS} days."
            )

    def window(self, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as [start, end) instants: from midnight of the first day to midnight after
        the last, in office time."""
        return datetime.combine(self.first, time(0), zone), datetime.combine(
            self.last + timedelta(days=1), time(0), zone
        )

    def scope(self, unit_column, procedure_column) -> ColumnElement[bool]:
        """The unit and procedure conditions on the given columns."""
        conditions = []
        if self.units is not None:
            conditions.append(unit_column.in_(self.units))
        if self.procedure:
            conditions.append(procedure_column == self.procedure)
        return and_(true(), *conditions)


def with_units(session: Session, filters: Filters) -> Filters:
    """The filters with "every unit" spelled out as the list of units: the tasks' and dossiers'
    indexes lead with the unit, and PostgreSQL walks them for a list, not for no condition."""
    if filters.units is not None:
        return filters
    return replace(filters, units=tuple(session.scalars(select(Unit.code).order_by(Unit.code))))


def parse_day(raw: str | None, what_vi: str, what_en: str) -> date:
    """A day typed as YYYY-MM-DD (or DD/MM/YYYY), with a clear error naming the field."""
    text = (raw or "").strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise FiguresError(
        f"{what_vi}: cần một ngày dạng 2026-06-30 hoặc 30/06/2026 (nhận được {text!r}).",
        f"{what_en}: expected a day such as 2026-06-30 or 30/06/2026 (got {text!r}).",
    )
