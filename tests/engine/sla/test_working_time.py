"""Time in office hours (07:30-11:30, 13:30-17:00 on working days): measured between two moments,
and added to one. Checked on examples and, for the rules that hold for every pair of moments, with
hypothesis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from engine.sla.workdays import WorkCalendar
from engine.sla.working_time import add_working_seconds, day_seconds, working_seconds

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CALENDAR = WorkCalendar(zone=VN)
HOUR = 3600


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VN)


def test_lunch_nights_weekends_and_holidays_do_not_count():
    assert day_seconds(CALENDAR) == 7.5 * HOUR
    assert working_seconds(CALENDAR, at("2026-03-02 11:00"), at("2026-03-02 14:00")) == 1 * HOUR
    assert working_seconds(CALENDAR, at("2026-03-06 16:00"), at("2026-03-09 08:30")) == 2 * HOUR  # Friday to Monday
    # 30 April and 1 May 2026 are public holidays (Thursday, Friday)
    assert working_seconds(CALENDAR, at("2026-04-29 17:00"), at("2026-05-04 07:30")) == 0
    assert working_seconds(CALENDAR, at("2026-03-02 14:00"), at("2026-03-02 11:00")) == -1 * HOUR


def test_adding_office_hours_lands_in_office_hours():
    assert add_working_seconds(CALENDAR, at("2026-03-02 11:00"), 1 * HOUR) == at("2026-03-02 14:00")
    assert add_working_seconds(CALENDAR, at("2026-03-06 16:00"), 2 * HOUR) == at("2026-03-09 08:30")
    assert add_working_seconds(CALENDAR, at("2026-03-02 19:00"), 0) == at("2026-03-03 07:30")  # next opening
    assert add_working_seconds(CALENDAR, at("2026-03-02 07:30"), 7.5 * HOUR) == at("2026-03-02 17:00")
    assert add_working_seconds(CALENDAR, at("2026-04-29 16:00"), 2 * HOUR) == at("2026-05-04 08:30")


moments = st.datetimes(min_value=datetime(2025, 12, 1), max_value=datetime(2026, 12, 31)).map(
    lambda d: d.replace(second=0, microsecond=0, tzinfo=UTC)
)


@given(moments, st.integers(min_value=0, max_value=30 * 7 * 60))
def test_adding_then_measuring_gives_back_the_office_hours_added(start, minutes):
    end = add_working_seconds(CALENDAR, start, minutes * 60)
    assert end >= start
    assert working_seconds(CALENDAR, start, end) == minutes * 60


@given(moments, moments, moments)
def test_office_hours_add_up_and_never_exceed_the_clock(a, b, c):
    a, b, c = sorted((a, b, c))
    assert working_seconds(CALENDAR, a, c) == working_seconds(CALENDAR, a, b) + working_seconds(CALENDAR, b, c)
    assert 0 <= working_seconds(CALENDAR, a, c) <= (c - a).total_seconds()
    assert working_seconds(CALENDAR, a, a + timedelta(days=7)) <= 6 * day_seconds(CALENDAR)  # make-up Saturdays
