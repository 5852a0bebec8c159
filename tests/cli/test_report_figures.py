"""`motcua report figures` and `motcua report index` print the dashboard's and the index's figures,
as a table or CSV, for a period, a unit and a procedure; a bad input is an error that names it."""

from __future__ import annotations

import csv
import io
import os

import pytest

from engine.clock import SystemClock
from engine.figures.dashboard import dashboard
from engine.figures.export import dashboard_sheets, index_sheets, to_csv
from engine.figures.index766 import service_index
from engine.figures.period import Filters
from tests.cli.running import run_motcua
from tests.figures_data import MARCH, VN, make_office_figures

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def motcua(runtime, catalogue, clock):
    make_office_figures(runtime, catalogue, clock)
    env = {**os.environ, "MOTCUA_DATABASE_URL": runtime.settings.database_url}

    def run(*args):
        return run_motcua(("report", *args), env)

    return run


def _now_figures(runtime, procedure=None):
    """The engine's own sheets as the command (on the system clock) computes them now."""
    with runtime.db.read() as session:
        filters = Filters(*MARCH, procedure=procedure)
        now = SystemClock().now()
        return dashboard_sheets(dashboard(session, filters, now, VN)), index_sheets(
            service_index(session, filters, now, VN)
        )


def test_figures_as_csv_are_the_dashboard_s(runtime, motcua):
    ran = motcua("figures", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "csv")
    assert ran.returncode == 0, ran.stderr
    sheets, _ = _now_figures(runtime)
    assert ran.stdout == to_csv(sheets, "en")
    rows = {r[0]: r[1:] for r in csv.reader(io.StringIO(ran.stdout)) if len(r) == 3}
    assert rows["Dossiers received"] == ["6", "100.0"] and rows["Paid in cash"] == ["1", "50.0"]


def test_figures_as_a_table_in_vietnamese_for_one_procedure(runtime, motcua):
    ran = motcua("figures", "--from", "01/03/2026", "--to", "2026-03-31", "--procedure", "p09", "--lang", "vi")
    assert ran.returncode == 0, ran.stderr
    lines = ran.stdout.splitlines()
    assert lines[0] == "Tiếp nhận và kết quả giải quyết"
    assert lines[2].split() == ["Hồ", "sơ", "tiếp", "nhận", "2", "100.0"]
    assert "Theo tuần" in lines and "Theo tháng" in lines


def test_index_per_office_and_procedure(runtime, motcua):
    ran = motcua("index", "--from", "2026-03-01", "--to", "2026-03-31", "--format", "csv")
    assert ran.returncode == 0, ran.stderr
    _, sheets = _now_figures(runtime)
    assert ran.stdout == to_csv(sheets, "en")
    rows = list(csv.reader(io.StringIO(ran.stdout)))
    online = next(r for r in rows if r[0] == "Whole office" and r[2] == "Dossiers submitted online")
    assert online[3:6] == ["6", "6", "submitted online / received ≥ 50% → 6"]
    assert online[6] == "Online: 4; Dossiers received: 6; Share: 66.7%"
    assert {r[0] for r in rows[2:] if r and r[0]} == {"Whole office", "P02", "P09"}
    table = motcua("index", "--from", "2026-03-01", "--to", "2026-03-31")
    assert "not measured yet" in table.stdout and table.returncode == 0


@pytest.mark.parametrize(
    "args, message",
    [
        (("--from", "2026-03-31", "--to", "2026-03-01"), "error: The first day (31/03/2026) is after the last"),
        (("--from", "2026-02-30", "--to", "2026-03-01"), "error: First day (--from): expected a day such as"),
        (("--from", "2026-03-01", "--to", "2026-03-31", "--unit", "NOPE"), "error: No unit 'NOPE'"),
        (("--from", "2026-03-01", "--to", "2026-03-31", "--procedure", "P99"), "error: No procedure P99"),
    ],
)
def test_a_bad_input_is_an_error_naming_it(motcua, args, message):
    for command in ("figures", "index"):
        ran = motcua(command, *args)
        assert ran.returncode == 1 and ran.stdout == ""
        assert ran.stderr.startswith(message), ran.stderr


def test_on_time_still_answers(motcua):
    ran = motcua("on-time", "--from", "2026-03-01", "--to", "2026-03-31")
    assert ran.returncode == 0 and ran.stdout.startswith("overall           4 finished       3 on time       1 late")
