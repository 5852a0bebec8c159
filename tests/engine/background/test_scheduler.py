"""The scheduler of background work: one pass fires due timers, flags late dossiers, queues card
renewal reminders (at most once an hour of the runtime's clock) and delivers the outbox to the
outside systems (the real simulators); its loop goes on after a pass that failed."""

from __future__ import annotations

import dataclasses
import logging
import multiprocessing
import threading
from datetime import date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from engine.background.scheduler import Done, Scheduler
from engine.clock import ManualClock
from engine.config import Settings
from engine.data.models import Timer, TimerStatus
from engine.runtime import Runtime
from engine.statuses import DossierStatus
from tests.conftest import START
from tests.engine.integration.test_outbox import pointed_at, rows, serve_simulators, start
from tests.engine.integration.test_reminders import ZONE, issue_card, reminders
from tests.engine.sla.test_sla import at, running_late
from tests.helpers import do_task


@pytest.fixture(scope="module")
def simulators_url():
    with serve_simulators() as base:
        yield base


@pytest.fixture
def sim(simulators_url):
    client = httpx.Client(base_url=simulators_url)
    client.post("/_reset").raise_for_status()
    yield client
    client.close()


@pytest.fixture
def settings(database_url, simulators_url, sim) -> Settings:
    """The outside systems are the simulators, emptied for each test."""
    return pointed_at(Settings(database_url=database_url), simulators_url)


@pytest.fixture
def scheduler(runtime):
    s = Scheduler(runtime)
    yield s
    s.close()


def waiting_for_papers(runtime, office) -> str:
    """A P02 dossier the desk asked for papers at reception: its wait times out after 30 days."""
    code = start(runtime)
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="TK1-TS")
    return code


def test_one_pass_fires_a_due_timer(runtime, office, clock, scheduler):
    code = waiting_for_papers(runtime, office)
    assert scheduler.run_once().timers_fired == 0  # not due yet

    clock.advance(timedelta(days=31))
    done = scheduler.run_once()

    assert done.timers_fired == 1
    assert runtime.dossiers.get(code).status == DossierStatus.STOPPED
    assert [e.kind for e in runtime.dossiers.history(code)].count("timer_fired") == 1
    assert scheduler.run_once().timers_fired == 0


def test_one_pass_flags_a_dossier_about_to_be_late(runtime, office, clock, scheduler):
    code = running_late(runtime, office, clock)  # Friday: the appointment is Monday 17:00
    clock.set(at("2026-03-05 09:00"))  # Thursday: two working days left, not yet
    assert scheduler.run_once().late_flagged == 0

    clock.set(at("2026-03-06 09:00"))
    done = scheduler.run_once()

    assert done.late_flagged == 1
    assert [t.element_id for t in runtime.dossiers.open_tasks(code)].count("apology_letter") == 1
    assert scheduler.run_once().late_flagged == 0


def test_renewal_reminders_are_queued_at_most_once_an_hour_of_the_clock(runtime, catalogue, officers, clock):
    issue_card(runtime, catalogue, officers)  # valid to 21 December 2027: reminded from 21 November
    scheduler = Scheduler(runtime)
    try:
        clock.set(datetime(2027, 11, 20, 23, 30, tzinfo=ZONE))
        assert scheduler.run_once().reminders_queued == 0  # 31 days before: not yet

        clock.advance(timedelta(minutes=45))  # 21 November: due, but the last try was 45 minutes ago
        assert scheduler.run_once().reminders_queued == 0
        assert reminders(runtime) == []

        clock.advance(timedelta(minutes=15))  # an hour after the last try
        assert scheduler.run_once().reminders_queued == 1
        [message] = reminders(runtime)
        assert message.payload["valid_to"] == date(2027, 12, 21).isoformat()

        clock.advance(timedelta(hours=1))  # tried again: nothing new to remind about
        assert scheduler.run_once().reminders_queued == 0
        assert len(reminders(runtime)) == 1
    finally:
        scheduler.close()


def test_one_pass_delivers_the_outbox_to_the_outside_systems(runtime, scheduler, sim):
    code = start(runtime)  # queues portal.status 1 and notify.status 1

    done = scheduler.run_once()

    assert done.outbox == {"claimed": 2, "sent": 2, "retry": 0, "dead": 0, "lost": 0}
    assert [m.status for m in rows(runtime)] == ["sent", "sent"]
    assert [s["status"] for s in sim.get(f"/portal/dossiers/{code}").json()["statuses"]] == [1]
    assert scheduler.run_once().outbox["claimed"] == 0


def test_with_a_celery_broker_the_outbox_is_left_to_the_celery_workers(runtime, office, clock):
    with_broker = Runtime(
        dataclasses.replace(runtime.settings, celery_broker="redis://127.0.0.1:6379/5"), runtime.db, clock
    )
    scheduler = Scheduler(with_broker)
    code = waiting_for_papers(runtime, office)
    clock.advance(timedelta(days=31))

    done = scheduler.run_once()

    assert done == Done(timers_fired=1, outbox={})
    assert runtime.dossiers.get(code).status == DossierStatus.STOPPED
    assert {m.status for m in rows(runtime)} == {"pending"}
    delivering = Scheduler(with_broker, outbox=True)  # as in a Celery worker
    try:
        assert delivering.run_once().outbox["sent"] > 0
        while delivering.deliver_outbox()["claimed"]:  # status pushes go one after the other
            pass
        assert {m.status for m in rows(runtime)} == {"sent"}
    finally:
        delivering.close()


class FailsOnce(Scheduler):
    """A scheduler whose first pass finds the database away (the only thing this test fakes)."""

    def __init__(self, runtime):
        super().__init__(runtime)
        self.tries = 0

    def fire_timers(self) -> int:
        self.tries += 1
        if self.tries == 1:
            raise ConnectionError("the database is away")
        return super().fire_timers()


def test_the_loop_goes_on_after_a_pass_that_failed(runtime, office, clock, caplog):
    code = waiting_for_papers(runtime, office)  # also queues messages for the outbox
    clock.advance(timedelta(days=31))
    scheduler = FailsOnce(runtime)
    stop = threading.Event()
    reported: list[Done] = []

    def report(done: Done) -> None:
        reported.append(done)
        if any(d.timers_fired for d in reported) and sum(d.outbox.get("sent", 0) for d in reported) >= 2:
            stop.set()

    caplog.set_level(logging.ERROR, "motcua.scheduler")
    loop = threading.Thread(target=scheduler.run, kwargs={"stop": stop, "interval": 0.05, "report": report})
    loop.start()
    loop.join(60)
    stopped = not loop.is_alive()
    stop.set()
    loop.join(15)
    scheduler.close()

    assert stopped, f"the loop did not get past its first pass: {reported}"
    assert scheduler.tries >= 2
    assert "background work failed: the database is away" in caplog.text
    assert runtime.dossiers.get(code).status == DossierStatus.STOPPED
    assert sum(d.timers_fired for d in reported) == 1
    assert not loop.is_alive()  # the outbox's thread ended with it


# --- several schedulers at once (PostgreSQL, separate processes) ------------------------------------


def _one_pass_in_process(url: str, barrier, results) -> None:
    """Child process: a scheduler of its own (own runtime, own connections), a month after the
    papers were asked for; one pass once the other process is ready too."""
    runtime = Runtime.create(Settings(database_url=url), ManualClock(START + timedelta(days=31)))
    scheduler = Scheduler(runtime, outbox=False)
    try:
        barrier.wait()
        results.put(scheduler.run_jobs().timers_fired)
    finally:
        scheduler.close()
        runtime.close()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_schedulers_racing_over_the_same_due_timers_fire_each_once(runtime, office, database_url):
    codes = [waiting_for_papers(runtime, office) for _ in range(24)]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_one_pass_in_process, args=(database_url, barrier, results)) for _ in range(2)]
    for w in workers:
        w.start()
    fired = [results.get(timeout=120), results.get(timeout=120)]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0

    assert sum(fired) == len(codes)  # between them, every timer fired, none twice
    for code in codes:
        assert runtime.dossiers.get(code).status == DossierStatus.STOPPED
        assert [e.kind for e in runtime.dossiers.history(code)].count("timer_fired") == 1
    with runtime.db.read() as session:
        statuses = session.scalars(select(Timer.status)).all()
    assert statuses == [TimerStatus.FIRED] * len(codes)
