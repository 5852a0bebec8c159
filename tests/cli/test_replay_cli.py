"""`motcua replay` on a small run: every dossier accounted for, the shares measured in the database
those the generator put in, the statuses those the plan meant, on SQLite (one worker) and on
PostgreSQL (two worker processes); and its refusals."""

from __future__ import annotations

import os
import re
from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import create_engine, select

from engine.config import Settings
from engine.data.models import Dossier
from engine.replay.plan import counts, make_replay
from engine.sla.workdays import OfficeHours, WorkCalendar
from tests.cli.running import run_motcua

DOSSIERS = 60
SEED = 5


def motcua(*args: str):
    return run_motcua(args, dict(os.environ))


def dossiers(url: str) -> list[tuple[str, int, bool]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(Dossier.procedure_code, Dossier.status, Dossier.finished_at.is_not(None)))
            return [tuple(row) for row in rows]
    finally:
        engine.dispose()


def test_a_small_replay_accounts_for_every_dossier(database_url, catalogue):
    workers = "2" if database_url.startswith("postgresql") else "1"
    ran = motcua(
        "replay", "--database-url", database_url, "--dossiers", str(DOSSIERS), "--workers", workers, "--seed", str(SEED)
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    out = ran.stdout
    assert f"Replay: {DOSSIERS} dossiers" in out
    # into a log (not a terminal), progress comes as lines, the last one at the whole count
    progress = re.findall(r"^Dossiers: ([\d,]+) of ([\d,]+) \((\d+)%\), [\d.,]+/s, about [\d,]+ min left$", out, re.M)
    assert progress and progress[-1][:3] == (f"{DOSSIERS:,}", f"{DOSSIERS:,}", "100"), out
    assert "received = finished + open: yes" in out
    # the shares measured in the database are those generated, and near the office's figures
    shares = dict(re.findall(r"^  (online share|results by post|benefits paid cashless) +(\S+ +\S+)$", out, re.M))
    assert len(shares) == 3, out
    for name, pair in shares.items():
        generated, measured = pair.split()
        assert generated == measured, (name, pair)
    assert abs(float(shares["online share"].split()[1].rstrip("%")) - 88.2) < 12
    assert abs(float(shares["results by post"].split()[1].rstrip("%")) - 78) < 15
    assert re.search(r"on time: \d+\.\d% of \d+ dossiers processed", out)
    assert re.search(r"still in processing past their appointment at the end: \d+", out)

    rows = dossiers(database_url)
    received, finished = len(rows), sum(done for *_, done in rows)
    assert received == DOSSIERS
    assert f"received  {received:>9,}" in out and f"finished  {finished:>9,}" in out
    assert f"open      {received - finished:>9,}" in out
    assert Counter(code for code, *_ in rows) == +Counter(counts(DOSSIERS))
    # each dossier the plan took to its end ended as its path says (same seed, same plan)
    settings = Settings()
    calendar = WorkCalendar(ZoneInfo(settings.timezone), OfficeHours.parse(settings.office_hours))
    plan = make_replay(catalogue, calendar, DOSSIERS, SEED, date(2026, 1, 1))
    ended = Counter(p.expect_status for p in plan.plans if not p.cut)
    assert Counter(status for _code, status, done in rows if done) == ended


def test_a_replay_refuses_a_database_that_holds_dossiers(tmp_path):
    url = f"sqlite:///{tmp_path / 'motcua.db'}"
    assert motcua("replay", "--database-url", url, "--dossiers", "3", "--workers", "1").returncode == 0
    ran = motcua("replay", "--database-url", url, "--dossiers", "3", "--workers", "1")
    assert ran.returncode == 1
    assert ran.stderr.startswith("error: the database already holds 3 dossiers"), ran.stderr
    assert len(dossiers(url)) == 3


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--dossiers", "10", "--scale", "0.1"), "give --dossiers or --scale, not both"),
        (("--staff", "gardener=2"), "'gardener' is not a role"),
        (("--staff", "desk=0"), "'desk=0' is not ROLE=N with N at least 1"),
        (("--scale", "1.5"), "1.5 is not in the range"),
        (("--start", "2026-13-01"), "'2026-13-01' is not YYYY-MM-DD"),
    ],
)
def test_a_replay_refuses_bad_options_and_changes_nothing(tmp_path, args, message):
    url = f"sqlite:///{tmp_path / 'motcua.db'}"
    ran = motcua("replay", "--database-url", url, *args)
    assert ran.returncode == 2
    assert message in ran.stderr, ran.stderr
    assert not (tmp_path / "motcua.db").exists()
