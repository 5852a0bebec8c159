"""The expected finish of an open dossier: measured step times, the queue in front of it, and the
forecast's error on replayed dossiers, all scripted through the real engine on a moved clock.

Office hours are 07:30-11:30 and 13:30-17:00 (7.5 hours a working day)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.data.models import Dossier
from engine.people.officers import Actor
from engine.sla.forecast import forecast_error, forecast_for, forget_cached_measurements
from tests.engine.figures.office_month import at
from tests.helpers import P02_APPLICATION, do_task

COLLECT = {
    "household_category": "poor",
    "monthly_income": "1500000",
    "support_checked": "true",
    "decision": "approve_request",
}


def p02(runtime, office, clock, submitted, reception=None, collect=None, leader=None) -> str:
    """A P02 dossier submitted at `submitted`, each step done at the time given (up to the first
    one not given, which stays open)."""
    clock.set(at(submitted))
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]))
    for when, element, data in [
        (reception, "reception_check", {"decision": "accept"}),
        (collect, "collect_review", COLLECT),
        (leader, "leader_approval", {"decision": "approve"}),
    ]:
        if when is None:
            break
        clock.set(at(when))
        do_task(runtime, office, code, element, **data)
    return code


def train(runtime, office, clock, days=("2026-03-02", "2026-03-03", "2026-03-04")) -> None:
    """Dossiers that took 1 hour at the desk, 2 at collection and 1.5 at the leader (11:00-11:30
    and 13:30-14:30: lunch is not counted)."""
    for day in days:
        p02(runtime, office, clock, f"{day} 08:00", f"{day} 09:00", f"{day} 11:00", f"{day} 14:30")


def forecast(runtime, code):
    forget_cached_measurements()
    with runtime.db.read() as session:
        dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one()
        return forecast_for(session, runtime.settings, dossier, runtime.clock.now())


def test_the_forecast_adds_what_is_left_of_the_open_step_and_the_steps_after_it(runtime, office, clock):
    train(runtime, office, clock)
    code = p02(runtime, office, clock, "2026-03-05 08:00", "2026-03-05 08:30")  # at collection since 08:30
    clock.set(at("2026-03-05 09:00"))

    estimate = forecast(runtime, code)

    # collection: 2 hours measured, half an hour spent: 1.5 left; then the leader's 1.5 hours;
    # 3 hours from 09:00 with the lunch break is 14:00
    assert estimate.expected_at == at("2026-03-05 14:00")
    assert estimate.steps == ("collect_review", "leader_approval")
    assert estimate.remaining_days == pytest.approx(3 / 7.5)
    assert estimate.ahead == 0


def test_a_queue_in_front_of_the_dossier_pushes_the_forecast_back(runtime, office, clock):
    train(runtime, office, clock)
    # two dossiers reached collection before ours and are still there
    p02(runtime, office, clock, "2026-03-05 07:40", "2026-03-05 07:45")
    p02(runtime, office, clock, "2026-03-05 07:50", "2026-03-05 07:55")
    code = p02(runtime, office, clock, "2026-03-05 08:00", "2026-03-05 08:30")
    clock.set(at("2026-03-05 09:00"))

    estimate = forecast(runtime, code)

    # collection finished 3 tasks from Monday 09:00 to Thursday 09:00 (3 working days, 22.5 hours):
    # two in front take 15 hours, more than the 1.5 left of its median; with the leader's 1.5
    # hours, 16.5 working hours from Thursday 09:00: 6 on Thursday, 7.5 on Friday, 3 on Monday
    assert estimate.ahead == 2
    assert estimate.expected_at == at("2026-03-09 10:30")


def test_a_step_measured_too_few_times_gives_no_forecast(runtime, office, clock):
    train(runtime, office, clock, days=("2026-03-02", "2026-03-03"))
    code = p02(runtime, office, clock, "2026-03-05 08:00", "2026-03-05 08:30")
    estimate = forecast(runtime, code)
    assert estimate is not None and estimate.expected_at is None


def test_nothing_is_forecast_once_processing_finished_or_while_the_clock_is_stopped(runtime, office, clock):
    train(runtime, office, clock)
    finished = p02(
        runtime, office, clock, "2026-03-05 08:00", "2026-03-05 08:30", "2026-03-05 09:00", "2026-03-05 10:00"
    )
    assert forecast(runtime, finished) is None
    waiting = p02(runtime, office, clock, "2026-03-05 08:00", "2026-03-05 08:30")
    do_task(runtime, office, waiting, "collect_review", **{**COLLECT, "decision": "supplement"})
    do_task(runtime, office, waiting, "processing_supplement_request", missing_documents="Giấy xác nhận", reason="x")
    assert runtime.dossiers.get(waiting).paused_at is not None
    assert forecast(runtime, waiting) is None


def test_the_error_of_the_forecast_replayed_at_submission(runtime, office, clock):
    train(runtime, office, clock)
    # measured before Thursday: 4.5 working hours from submission. Forecast at 08:00 Thursday:
    # 14:30; it finished at 16:00, 1.5 hours (0.2 working days) later than said
    p02(runtime, office, clock, "2026-03-05 08:00", "2026-03-05 09:00", "2026-03-05 11:00", "2026-03-05 16:00")
    # forecast Friday 14:30; finished Monday 08:30: 2.5 + 1 = 3.5 hours later than said
    p02(runtime, office, clock, "2026-03-06 08:00", "2026-03-06 09:00", "2026-03-06 10:00", "2026-03-09 08:30")
    p02(runtime, office, clock, "2026-03-06 09:00", "2026-03-06 09:30")  # still open: not counted

    with runtime.db.read() as session:
        error = forecast_error(session, runtime.settings, at("2026-03-05 00:00").date(), at("2026-03-06 00:00").date())
        before = forecast_error(session, runtime.settings, at("2026-03-02 00:00").date(), at("2026-03-02 00:00").date())

    assert (error.dossiers, error.forecast) == (2, 2)
    assert error.mean_absolute_days == pytest.approx((1.5 / 7.5 + 3.5 / 7.5) / 2)
    assert error.mean_signed_days == pytest.approx(-(1.5 / 7.5 + 3.5 / 7.5) / 2)
    assert error.within_one_day == 1
    # Monday's dossier had nothing measured before it: counted, but not forecast
    assert (before.dossiers, before.forecast, before.mean_absolute_days) == (1, 0, None)
