"""Exactly one scheduler leads among those on one PostgreSQL database: the election's lock is held by
the first candidate, the others stand by, and one of them takes over when the leader resigns or its
process is killed outright (its connection closes, the lock frees), then fires the timers that come
due. Real processes (`motcua scheduler`), a real database, the real simulators."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from engine.background.leader import Election
from engine.statuses import DossierStatus
from tests.cli.running import MOTCUA, PROJECT
from tests.engine.integration.test_outbox import serve_simulators, start
from tests.helpers import do_task

POSTGRES = pytest.param("postgres", marks=pytest.mark.postgres)
on_postgres = pytest.mark.parametrize("database_url", [POSTGRES], indirect=True)

LEADS = re.compile(r"^scheduler (\d+) leads", re.M)
STANDS_BY = re.compile(r"^scheduler (\d+) stands by", re.M)
FIRED = "1 timer(s) fired"


@on_postgres
def test_one_of_two_candidates_leads_until_it_resigns(database_url):
    first, second = Election(database_url), Election(database_url)
    try:
        assert first.lead() is True
        assert second.lead() is False
        assert first.lead() is True and second.lead() is False  # asking again changes nothing
        first.resign()
        assert second.lead() is True
        assert first.lead() is False
    finally:
        first.close()
        second.close()


@on_postgres
def test_a_candidate_that_closes_hands_the_lead_over(database_url):
    first, second = Election(database_url), Election(database_url)
    try:
        assert first.lead()
        first.close()  # the process ends: its connection goes, the lock with it
        assert second.lead()
    finally:
        second.close()


def test_the_election_refuses_sqlite(tmp_path):
    with pytest.raises(ValueError, match="PostgreSQL"):
        Election(f"sqlite:///{tmp_path / 'x.db'}")


def wait_until(condition, logs: list[Path], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "\n---\n".join(log.read_text()[-2000:] for log in logs)
        time.sleep(0.2)


def waiting_for_papers(runtime, office) -> str:
    """A dossier whose 30 days for the papers ran from the test's clock (March 2026): by the real
    clock the scheduler processes run on, its timer is long due."""
    code = start(runtime)
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="TK1-TS")
    return code


@on_postgres
def test_when_the_leader_is_killed_the_one_standing_by_takes_over_and_fires_due_timers(runtime, office, tmp_path):
    logs = [tmp_path / "a.out", tmp_path / "b.out"]
    processes: list[subprocess.Popen] = []
    with serve_simulators() as base:
        env = {
            **os.environ,
            "MOTCUA_DATABASE_URL": runtime.settings.database_url,
            "PYTHONUNBUFFERED": "1",  # each line in its log as it is printed
            "MOTCUA_CELERY_BROKER": "",  # the outbox in the schedulers' own processes
            **{f"MOTCUA_{name.upper()}_URL": f"{base}/{name}" for name in ("portal", "notify", "post", "bank")},
        }
        try:
            for log in logs:
                with log.open("w") as out:
                    processes.append(
                        subprocess.Popen(
                            [str(MOTCUA), "scheduler", "--interval", "0.5"],
                            cwd=PROJECT,
                            env=env,
                            stdout=out,
                            stderr=subprocess.STDOUT,
                        )
                    )
            printed = lambda: "".join(log.read_text() for log in logs)  # noqa: E731  (both, as they are now)
            wait_until(lambda: LEADS.search(printed()) and STANDS_BY.search(printed()), logs)
            leader_pid = int(LEADS.search(printed()).group(1))
            leader = next(p for p in processes if p.pid == leader_pid)
            other = next(p for p in processes if p is not leader)
            other_log = logs[processes.index(other)]

            first = waiting_for_papers(runtime, office)
            wait_until(lambda: runtime.dossiers.get(first).status == DossierStatus.STOPPED, logs)
            # the leader prints its line after the commit the dossier's status shows
            leader_log = logs[processes.index(leader)]
            wait_until(lambda: FIRED in leader_log.read_text(), logs)

            leader.send_signal(signal.SIGKILL)
            leader.wait(10)
            wait_until(lambda: f"scheduler {other.pid} leads" in other_log.read_text(), logs)
            second = waiting_for_papers(runtime, office)
            wait_until(lambda: runtime.dossiers.get(second).status == DossierStatus.STOPPED, logs)
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)
            for process in processes:
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()

    other_printed = other_log.read_text()
    # the one standing by fired nothing while the other led, and the second timer only after taking over
    took_over = other_printed.index(f"scheduler {other.pid} leads")
    assert FIRED not in other_printed[:took_over]
    assert FIRED in other_printed[took_over:]
    assert f"scheduler {other.pid} stopped" in other_printed  # SIGTERM ends it cleanly
    events = [e.kind for e in runtime.dossiers.history(first)] + [e.kind for e in runtime.dossiers.history(second)]
    assert events.count("timer_fired") == 2  # each timer once, by one scheduler
