"""The office's figures, read from the projected tables (never from workflow state)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from engine.data.models import Dossier


@dataclass
class OnTime:
    finished: int = 0
    on_time: int = 0

    @property
    def late(self) -> int:
        return self.finished - self.on_time

    @property
    def share(self) -> float | None:
        """Share finished on or before the appointment; None when nothing finished."""
        return self.on_time / self.finished if self.finished else None


@dataclass
class OnTimeReport:
    overall: OnTime = field(default_factory=OnTime)
    by_procedure: dict[str, OnTime] = field(default_factory=lambda: defaultdict(OnTime))
    by_unit: dict[str, OnTime] = field(default_factory=lambda: defaultdict(OnTime))


def on_time_figures(session: Session, first: date, last: date, zone: ZoneInfo) -> OnTimeReport:
    """Dossiers whose processing finished between `first` and `last` (office days, inclusive):
    how many did so on or before their appointment, overall, by procedure and by unit."""
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(last + timedelta(days=1), time(0), zone)
    on_time = func.sum(case((Dossier.processed_at <= Dossier.appointment_at, 1), else_=0))
    rows = session.execute(
        select(Dossier.procedure_code, Dossier.unit_code, func.count(), on_time)
        .where(Dossier.processed_at >= start, Dossier.processed_at < end, Dossier.appointment_at.is_not(None))
        .group_by(Dossier.procedure_code, Dossier.unit_code)
    )
    report = OnTimeReport()
    for procedure, unit, finished, in_time in rows:
        for figures in (report.overall, report.by_procedure[procedure], report.by_unit[unit]):
            figures.finished += finished
            figures.on_time += int(in_time or 0)
    return report
