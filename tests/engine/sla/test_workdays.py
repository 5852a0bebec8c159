"""The working-day calendar: receipt days, deadlines, and the office's own changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.sla.office_calendar import load_calendar, remove_day, set_day
from engine.sla.workdays import WorkCalendar

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CAL = WorkCalendar(VN)


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VN)


@pytest.mark.parametrize(
    "accepted, days, working, due",
    [
        # Tết 2026: 16-20 February (Mon-Fri) are holidays. Accepted Friday 13 Feb at 09:00 it counts
        # that day; the 5 working days are 23, 24, 25, 26, 27 February.
        ("2026-02-13 09:00", 5, True, "2026-02-27 17:00"),
        # The same Friday after the 15:00 cutoff: it counts from the next working day, Monday 23 Feb
        # (after Tết and the weekend); five more working days end on Monday 2 March.
        ("2026-02-13 15:00", 5, True, "2026-03-02 17:00"),
        # Submitted online during Tết (Wednesday 18 Feb): received Monday 23, due Monday 2 March.
        ("2026-02-18 10:00", 5, True, "2026-03-02 17:00"),
        # National Day 2026: 31 Aug (swap day) and 1-2 Sep are off; Saturday 22 Aug is the make-up
        # working day. Accepted Friday 21 Aug at 16:00 (after cutoff): received Saturday 22 Aug; one
        # working day later is Monday 24 Aug.
        ("2026-08-21 16:00", 1, True, "2026-08-24 17:00"),
        # Accepted on the make-up Saturday itself in the morning: it is a working day, received that
        # day; 3 working days: 24, 25, 26 Aug.
        ("2026-08-22 08:00", 3, True, "2026-08-26 17:00"),
        # Accepted Friday 28 Aug 09:00: 1 working day is Thursday 3 Sep (31 Aug, 1 and 2 Sep are off).
        ("2026-08-28 09:00", 1, True, "2026-09-03 17:00"),
        # Online at 06:00 on a working day, before the office opens: counts from that day's opening.
        ("2026-03-03 06:00", 1, True, "2026-03-04 17:00"),
        # Online at 12:00, over lunch: that same day too.
        ("2026-03-03 12:00", 1, True, "2026-03-04 17:00"),
        # Online at 22:00: after the cutoff, the next working day.
        ("2026-03-03 22:00", 1, True, "2026-03-05 17:00"),
        # Calendar days: 10 days from Friday 13 Feb is Monday 23 Feb, a working day.
        ("2026-02-13 09:00", 10, False, "2026-02-23 17:00"),
        # 5 calendar days from Friday 13 Feb is Wednesday 18 Feb, in Tết: moves to Monday 23 Feb.
        ("2026-02-13 09:00", 5, False, "2026-02-23 17:00"),
        # 40 calendar days (P21) from Monday 27 July 2026 is Sunday 6 September: moves to Monday 7.
        ("2026-07-27 09:00", 40, False, "2026-09-07 17:00"),
    ],
)
def test_deadlines_across_holidays_and_make_up_days(accepted, days, working, due):
    assert CAL.deadline(at(accepted), days, working=working) == at(due)


def test_make_up_saturday_works_and_swap_day_rests():
    assert CAL.is_working_day(date(2026, 8, 22))  # Saturday, official make-up working day
    assert not CAL.is_working_day(date(2026, 8, 31))  # Monday, swapped for it
    assert not CAL.is_working_day(date(2026, 8, 29))  # an ordinary Saturday


days_2026 = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))
moments = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31)).map(
    lambda d: d.replace(tzinfo=VN)
)


@given(moments, st.integers(min_value=0, max_value=60), st.booleans())
def test_a_deadline_never_falls_on_a_non_working_day(moment, days, working):
    due = CAL.deadline(moment, days, working=working)
    assert CAL.is_working_day(due.date()) and due.time().hour == 17


@given(days_2026, st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=40))
def test_adding_n_then_m_working_days_equals_adding_n_plus_m(day, n, m):
    assert CAL.add_working_days(CAL.add_working_days(day, n), m) == CAL.add_working_days(day, n + m)


@given(moments, st.integers(min_value=0, max_value=60 * 24 * 20), st.integers(min_value=0, max_value=40), st.booleans())
def test_a_later_receipt_never_gives_an_earlier_deadline(moment, minutes_later, days, working):
    later = moment + timedelta(minutes=minutes_later)
    assert CAL.deadline(later, days, working=working) >= CAL.deadline(moment, days, working=working)


def test_an_office_calendar_edit_counts_for_the_next_deadline_without_a_restart(runtime):
    accepted = at("2026-03-02 09:00")  # Monday
    with runtime.db.read() as session:
        assert load_calendar(session, runtime.settings).deadline(accepted, 1) == at("2026-03-03 17:00")

    with runtime.db.write() as session:
        set_day(session, date(2026, 3, 3), working=False, note="Nghỉ bầu cử")  # the office closes Tuesday
        set_day(session, date(2026, 3, 7), working=True, note="Làm bù")  # and works Saturday
    with runtime.db.read() as session:
        cal = load_calendar(session, runtime.settings)
    assert cal.deadline(accepted, 1) == at("2026-03-04 17:00")
    assert cal.deadline(accepted, 4) == at("2026-03-07 17:00")

    with runtime.db.write() as session:
        remove_day(session, date(2026, 3, 3))
    with runtime.db.read() as session:
        assert load_calendar(session, runtime.settings).deadline(accepted, 1) == at("2026-03-03 17:00")


@pytest.mark.parametrize(
    "accepted, received_on, appointment",
    [
        ("2026-02-13 09:00", date(2026, 2, 13), "2026-02-27 17:00"),  # 5 working days across Tết
        ("2026-02-13 15:30", date(2026, 2, 23), "2026-03-02 17:00"),  # after the cutoff
    ],
)
def test_acceptance_sets_the_received_day_and_the_appointment(
    runtime, office, clock, accepted, received_on, appointment
):
    from engine.people.officers import Actor
    from tests.helpers import P02_APPLICATION, do_task

    clock.set(at("2026-02-12 20:00"))  # submitted online the evening before
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
    assert runtime.dossiers.get(code).appointment_at is None  # not accepted yet

    clock.set(at(accepted))
    do_task(runtime, office, code, "reception_check", decision="accept")

    dossier = runtime.dossiers.get(code)
    assert dossier.received_on == received_on
    assert dossier.appointment_at == at(appointment)
    (event,) = [e for e in runtime.dossiers.history(code) if e.kind == "appointment_set"]
    assert event.data["appointment_at"] == at(appointment).isoformat()
