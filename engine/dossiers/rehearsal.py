"""Rehearsing every open dossier: each advanced one step as the service does, and rolled back. After
the office's database was copied elsewhere (`motcua db copy`), this shows that every running
dossier can go on there: its state restores with its version's diagrams, the engine runs, and
what an advance writes is accepted by the new database."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from engine.data.models import Dossier
from engine.dossiers.service import DossierService


@dataclass
class Rehearsed:
    tried: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # dossier code, what went wrong


PROGRESS_EVERY = 100  # dossiers between two progress lines


def rehearse_open_dossiers(service: DossierService, progress: Callable[[str], None] | None = None) -> Rehearsed:
    """Rehearse (DossierService.rehearse) each dossier whose workflow has not ended; nothing is
    written. `progress` is told how far it got every PROGRESS_EVERY dossiers and at the end."""
    with service.db.read() as session:
        codes = session.scalars(select(Dossier.code).where(Dossier.finished_at.is_(None)).order_by(Dossier.id)).all()
    report = Rehearsed()
    for code in codes:
        report.tried += 1
        try:
            service.rehearse(code)
        except Exception as err:  # any failure is the finding: report it and go on with the others
            report.failed.append((code, f"{type(err).__name__}: {str(err).strip() or '(no message)'}"))
        if progress and (report.tried % PROGRESS_EVERY == 0 or report.tried == len(codes)):
            progress(f"rehearsed {report.tried} of {len(codes)} open dossier(s)")
    return report
