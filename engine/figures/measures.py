"""The one definition of each figure the office shows, shared by the public statistics, the
managers' dashboard and the Decision 766 index: a director comparing two pages sees the same count
for the same period and procedure.

- received: dossiers accepted, counted on the working day they count as received (`received_on`:
  the day of acceptance, the next working day when accepted after the 15:00 cutoff). It is the
  day on the receipt slip and the one the legal time limit counts from. A dossier refused at
  reception, withdrawn before it or still waiting for it was never received, so it is not counted
  (nor does it have an appointment to be on time for); the refused ones are counted apart, on the
  day of the refusal;
- by channel: online (the portal), post (the post's paper intake and its collection points), at the
  counter (everything else: the desk, the command line);
- resolved: dossiers whose processing finished in the period (`processed_at`, office time), on time
  when by their appointment, late after it;
- satisfaction: the ratings given in the period (`rated_at`, office time), by answer.

Each figure is a condition (for a query that counts several at once) and a grouped count over any
keys (month and procedure, week, procedure), grouped on a subquery's columns: a key holding bound
parameters (a CASE of weeks, a month's format) is not the same expression to PostgreSQL in SELECT
and GROUP BY.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, func, literal_column, select
from sqlalchemy.orm import Session

from engine.data.models import Dossier, Rating
from engine.statuses import DossierStatus

ONLINE = ("online",)
POST = ("post", "post_agent")
ANSWERS = ("very_satisfied", "satisfied", "not_satisfied")
SATISFIED = ("very_satisfied", "satisfied")


def received_in(first: date, last: date) -> ColumnElement[bool]:
    """Received on a working day from `first` to `last` (inclusive)."""
    return and_(Dossier.received_on >= first, Dossier.received_on <= last)


def online() -> ColumnElement[bool]:
    return Dossier.channel.in_(ONLINE)


def by_post() -> ColumnElement[bool]:
    return Dossier.channel.in_(POST)


def refused_at_reception_in(start: datetime, end: datetime) -> ColumnElement[bool]:
    """Refused at the desk's reception check in [start, end): never received. The status is
    literal SQL, so the partial index of these refusals serves it (engine.data.models)."""
    return and_(
        Dossier.status == literal_column(str(int(DossierStatus.REFUSED))),
        Dossier.received_on.is_(None),
        Dossier.finished_at >= start,
        Dossier.finished_at < end,
    )


def resolved_in(start: datetime, end: datetime) -> ColumnElement[bool]:
    """Processing finished in [start, end), of a dossier that had an appointment."""
    return and_(Dossier.processed_at >= start, Dossier.processed_at < end, Dossier.appointment_at.is_not(None))


def late() -> ColumnElement[bool]:
    """Processing finished after the appointment."""
    return and_(
        Dossier.processed_at.is_not(None),
        Dossier.appointment_at.is_not(None),
        Dossier.processed_at > Dossier.appointment_at,
    )


def on_time() -> ColumnElement[bool]:
    """Processing finished by the appointment."""
    return and_(Dossier.processed_at.is_not(None), Dossier.processed_at <= Dossier.appointment_at)


def flag(condition) -> ColumnElement[int]:
    """1 where the condition holds, else 0 (to be summed)."""
    return case((condition, 1), else_=0)


def count_of(condition) -> ColumnElement[int]:
    return func.coalesce(func.sum(flag(condition)), 0)


@dataclass(frozen=True)
class Received:
    received: int = 0
    online: int = 0
    post: int = 0

    @property
    def counter(self) -> int:
        return self.received - self.online - self.post


@dataclass(frozen=True)
class Resolved:
    resolved: int = 0
    on_time: int = 0

    @property
    def late(self) -> int:
        return self.resolved - self.on_time


@dataclass(frozen=True)
class Ratings:
    very_satisfied: int = 0
    satisfied: int = 0
    not_satisfied: int = 0

    @property
    def rated(self) -> int:
        return self.very_satisfied + self.satisfied + self.not_satisfied

    @property
    def happy(self) -> int:
        """Very satisfied or satisfied."""
        return self.very_satisfied + self.satisfied


def _keys(keys: Sequence[ColumnElement]) -> list[ColumnElement]:
    return [k.label(f"k{i}") for i, k in enumerate(keys)] or [literal_column("0").label("k0")]


def _grouped(session: Session, inner, keys: int, sums: Sequence[str]) -> dict[tuple, list[int]]:
    rows = inner.subquery()
    columns = [rows.c[f"k{i}"] for i in range(max(keys, 1))]
    query = select(*columns, func.count(), *(func.sum(rows.c[s]) for s in sums)).group_by(*columns)
    return {
        tuple(row[: len(columns)])[:keys]: [int(v or 0) for v in row[len(columns) :]] for row in session.execute(query)
    }


def received(
    session: Session, first: date, last: date, scope: ColumnElement[bool], keys: Sequence[ColumnElement] = ()
) -> dict[tuple, Received]:
    """Dossiers received from `first` to `last` within `scope`, by `keys` (the key () for no keys)."""
    inner = select(*_keys(keys), flag(online()).label("online"), flag(by_post()).label("post")).where(
        received_in(first, last), scope
    )
    return {k: Received(*v) for k, v in _grouped(session, inner, len(keys), ("online", "post")).items()}


def resolved(
    session: Session, start: datetime, end: datetime, scope: ColumnElement[bool], keys: Sequence[ColumnElement] = ()
) -> dict[tuple, Resolved]:
    """Dossiers resolved in [start, end) within `scope`, and how many on time, by `keys`."""
    inner = select(*_keys(keys), flag(on_time()).label("on_time")).where(resolved_in(start, end), scope)
    return {k: Resolved(*v) for k, v in _grouped(session, inner, len(keys), ("on_time",)).items()}


def ratings(
    session: Session, start: datetime, end: datetime, scope: ColumnElement[bool], keys: Sequence[ColumnElement] = ()
) -> dict[tuple, Ratings]:
    """Ratings given in [start, end) on dossiers within `scope`, by answer and `keys` (which may
    name the dossier's columns: the ratings are joined to their dossiers)."""
    inner = (
        select(*_keys(keys), *(flag(Rating.rating == a).label(a) for a in ANSWERS))
        .select_from(Rating)
        .join(Dossier, Dossier.id == Rating.dossier_id)
        .where(Rating.rated_at >= start, Rating.rated_at < end, Rating.rating.in_(ANSWERS), scope)
    )
    return {k: Ratings(*v[1:]) for k, v in _grouped(session, inner, len(keys), ANSWERS).items()}
