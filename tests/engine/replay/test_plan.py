"""The replay's plan, before any engine: the half-year's mix, the same dossiers for the same seed,
officers' time on the office's calendar, and what fewer officers do to the backlog."""

from __future__ import annotations

from collections import Counter
from datetime import date, time
from zoneinfo import ZoneInfo

import pytest

from engine.config import Settings
from engine.replay import mix
from engine.replay.accounting import generated_shares
from engine.replay.plan import counts, make_replay, officer_names, scaled_staff
from engine.sla.workdays import OfficeHours, WorkCalendar

START = date(2026, 1, 1)


@pytest.fixture(scope="module")
def calendar():
    settings = Settings()
    return WorkCalendar(ZoneInfo(settings.timezone), OfficeHours.parse(settings.office_hours))


def signature(replay):
    return [
        (p.procedure, p.outcome, p.channel, p.result_channel, p.arrival, [(s.target, s.at, s.officer) for s in p.steps])
        for p in replay.plans
    ]


def test_the_half_year_is_the_offices_and_smaller_runs_keep_its_shares():
    assert sum(mix.PROCEDURE_COUNTS.values()) == mix.HALF_YEAR_DOSSIERS == 121_804
    assert counts(121_804) == mix.PROCEDURE_COUNTS
    small = counts(1000)
    assert sum(small.values()) == 1000
    assert small["P10"] == round(1000 * 17_900 / 121_804)  # the largest procedure keeps its share
    assert scaled_staff(121_804) == mix.STAFF
    assert set(scaled_staff(50).values()) == {1}  # at least one officer per role
    assert scaled_staff(50, {"desk": 3})["desk"] == 3


def test_the_same_seed_makes_the_same_dossiers(catalogue, calendar):
    first = make_replay(catalogue, calendar, 150, 11, START)
    again = make_replay(catalogue, calendar, 150, 11, START)
    other = make_replay(catalogue, calendar, 150, 12, START)
    assert signature(first) == signature(again)
    assert signature(first) != signature(other)


def test_the_mix_comes_out_at_the_offices_rates(catalogue, calendar):
    replay = make_replay(catalogue, calendar, 4000, 3, START)
    plans = replay.plans
    online, post, cashless = generated_shares(replay)
    assert online == pytest.approx(0.882, abs=0.02)
    assert post == pytest.approx(0.78, abs=0.025)
    assert cashless == pytest.approx(0.88, abs=0.04)
    outcomes = Counter(p.outcome for p in plans)
    assert outcomes["supplement_at_reception"] / len(plans) == pytest.approx(0.07, abs=0.015)
    assert outcomes["refused"] > 20 and outcomes["withdrawn"] > 10 and outcomes["supplement_timeout"] > 5
    assert sum(p.failed_delivery for p in plans) > 30 and sum(p.bank_rejected for p in plans) > 5
    # every kind of step the outcomes need is there
    targets = {s.target for p in plans for s in p.steps}
    assert {"postal_failed", "delivery_failed_followup", "bank_rejected", "payout_rejected_followup"} <= targets
    assert {"counter_handover", "cash_paid", "supplement_received", "withdrawal_requested"} <= targets


def test_officers_work_their_roles_in_office_hours_and_steps_follow_each_other(catalogue, calendar):
    replay = make_replay(catalogue, calendar, 300, 5, START)
    names = {name for names in replay.officers().values() for name in names}
    hours = calendar.hours
    for plan in replay.plans:
        assert replay.period_start <= plan.arrival < replay.period_end
        previous = plan.arrival
        for step in plan.steps:
            assert previous < step.at <= replay.period_end
            previous = step.at
            if step.kind == "task":
                assert step.officer in names
                local = step.at.astimezone(calendar.zone)
                assert calendar.is_working_day(local.date())
                assert hours.opens < local.time() <= hours.closes
                assert not (hours.lunch_from < local.time() < hours.lunch_to)
    assert officer_names("desk", 2) == ["replay.desk.01", "replay.desk.02"]


def test_fewer_officers_leave_a_larger_backlog(catalogue, calendar):
    # a month's dossiers in twenty days: one officer at the desk cannot keep up, four can
    staff = dict.fromkeys(mix.STAFF, 4)
    staffed = make_replay(catalogue, calendar, 1200, 9, START, days=20, staff=staff)
    short = make_replay(catalogue, calendar, 1200, 9, START, days=20, staff={**staff, "desk": 1})
    assert sum(p.cut for p in short.plans) > 2 * sum(p.cut for p in staffed.plans)
    assert short.busy_minutes["desk"] / short.office_minutes > 0.95  # the one desk officer never stops

    def last_reception(replay):
        return max(p.steps[0].at for p in replay.plans if p.steps)

    assert last_reception(short) >= last_reception(staffed)
    assert time(7, 30) <= last_reception(staffed).astimezone(calendar.zone).time() <= time(17, 0)
