"""`motcua report forecast-error`: the forecast's error on dossiers of a period, replayed at their
submission, printed for the office."""

from __future__ import annotations

import os

from tests.engine.sla.test_forecast import p02, train

from .running import run_motcua


def test_the_report_prints_the_error_in_working_days(runtime, office, clock):
    train(runtime, office, clock)
    p02(runtime, office, clock, "2026-03-05 08:00", "2026-03-05 09:00", "2026-03-05 11:00", "2026-03-05 16:00")
    env = {**os.environ, "MOTCUA_DATABASE_URL": runtime.settings.database_url}

    done = run_motcua(("report", "forecast-error", "--from", "2026-03-05", "--to", "2026-03-06"), env)

    assert done.returncode == 0, done.stderr
    assert "finished dossiers               1" in done.stdout
    assert "with a forecast                 1" in done.stdout
    assert "mean absolute error          0.20 working days" in done.stdout  # forecast 14:30, finished 16:00
    assert "mean signed error           -0.20 working days" in done.stdout

    nothing_before = run_motcua(("report", "forecast-error", "--from", "2026-03-02", "--to", "2026-03-02"), env)
    assert "not enough data before the period" in nothing_before.stdout

    wrong = run_motcua(("report", "forecast-error", "--from", "2026-13-01", "--to", "2026-03-02"), env)
    assert wrong.returncode != 0 and "2026-13-01" in wrong.stderr + wrong.stdout
