"""Dossier codes: <office code>-<yymmdd>-<4-digit sequence of the day>, e.g. BHXH.QNI-251121-0042.

The sequence is one counter row per office and day, bumped with an atomic upsert inside the
transaction that creates the dossier, so codes stay unique across threads and processes.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import DossierCodeCounter


def next_dossier_code(session: Session, office_code: str, day: date) -> str:
    prefix = f"{office_code}-{day:%y%m%d}"
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(DossierCodeCounter)
        .values(prefix=prefix, last=1)
        .on_conflict_do_update(index_elements=["prefix"], set_={"last": DossierCodeCounter.last + 1})
        .returning(DossierCodeCounter.last)
    )
    sequence = session.execute(statement).scalar_one()
    return f"{prefix}-{sequence:04d}"
