"""Dossier codes: <office code>-<yymmdd>-<4-digit sequence of the day>, e.g. BHXH.QNI-251121-0042.

The sequence is one counter row per office and day, bumped with an atomic upsert inside the
transaction that creates the dossier, so codes stay unique across threads and processes, and a
submission that rolls back gives its number back (no gaps). The bump locks the row until that
transaction commits, so the submission takes its code as late as it can: after its papers are
stored (DossierService._start), never while they are.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, bindparam
from sqlalchemy.dialects import postgresql, sqlite

from engine.data.models import DossierCodeCounter


def _bump(dialect):
    counters = DossierCodeCounter.__table__
    return (
        dialect.insert(counters)
        .values(prefix=bindparam("prefix"), last=1)
        .on_conflict_do_update(index_elements=["prefix"], set_={"last": counters.c.last + 1})
        .returning(counters.c.last)
    )


_BUMP = {"postgresql": _bump(postgresql), "sqlite": _bump(sqlite)}


def next_dossier_code(conn: Connection, office_code: str, day: date) -> str:
    prefix = f"{office_code}-{day:%y%m%d}"
    sequence = conn.execute(_BUMP[conn.dialect.name], {"prefix": prefix}).scalar_one()
    return f"{prefix}-{sequence:04d}"
