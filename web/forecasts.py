"""The expected finish of a dossier for the pages that show it (tracking, the applicant's and the
officer's dossier pages), beside the appointment."""

from __future__ import annotations

from engine.sla.forecast import Forecast, forecast_by_code

from .context import runtime


def estimate(code: str) -> Forecast | None:
    rt = runtime()
    with rt.db.read() as session:
        return forecast_by_code(session, rt.settings, code, rt.clock.now())
