"""The public statistics: per month and procedure, counted by the engine from the projected
tables, checked against counts the test makes by itself from the dossiers it scripted."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from engine.figures.public import PeriodError, public_statistics

from .office_month import VN, applicant_account, at, refuse_p02, run_p02


def test_figures_per_month_match_the_dossiers_scripted(runtime, office, clock):
    account = applicant_account(runtime)
    # (accepted, approved or None, channel, rating, rated, the appointment as the law counts it)
    script = [
        ("2026-03-02 09:00", "2026-03-06 10:00", "online", "very_satisfied", None, "2026-03-09 17:00"),
        ("2026-03-02 09:00", "2026-03-10 08:00", "counter", "not_satisfied", None, "2026-03-09 17:00"),
        # approved at 06:00 on 1 April office time (still 31 March in UTC): resolved in April
        ("2026-03-03 09:00", "2026-04-01 06:00", "online", "satisfied", None, "2026-03-10 17:00"),
        # accepted after the 15:00 cutoff on 31 March: counts as received on 1 April
        ("2026-03-31 16:00", "2026-04-02 10:00", "online", None, None, "2026-04-08 17:00"),
        # received in February (outside the period), resolved in March
        ("2026-02-27 09:00", "2026-03-05 09:00", "online", None, None, "2026-03-06 17:00"),
        # received in April, still open
        ("2026-04-06 09:00", None, "post", None, None, None),
    ]
    dossiers = [
        run_p02(
            runtime, office, clock, accepted, approved, channel=channel, rating=rating, rated=rated, account_id=account
        )
        for accepted, approved, channel, rating, rated, _due in script
    ]
    refuse_p02(runtime, office, clock, "2026-03-04 09:00")  # refused: neither received nor resolved

    # the test's own count, from the script and the working-day rules (cutoff 15:00)
    def month(moment):
        return moment.strftime("%Y-%m") if moment else None

    def received_month(accepted):
        moment = at(accepted)
        return "2026-04" if accepted == "2026-03-31 16:00" else month(moment)

    expected = {m: Counter() for m in ("2026-03", "2026-04")}
    for (accepted, approved, channel, rating, _rated, due), _d in zip(script, dossiers, strict=True):
        if received_month(accepted) in expected:
            expected[received_month(accepted)]["received"] += 1
            expected[received_month(accepted)]["online"] += channel == "online"
        if approved and month(at(approved)) in expected:
            counts = expected[month(at(approved))]
            counts["resolved"] += 1
            counts["on_time"] += at(approved) <= at(due)
            if rating:
                counts[rating] += 1

    with runtime.db.read() as session:
        figures = public_statistics(session, date(2026, 3, 1), date(2026, 4, 30), VN)

    assert [m.month for m in figures.months] == [date(2026, 3, 1), date(2026, 4, 1)]
    for m in figures.months:
        want = expected[m.month.strftime("%Y-%m")]
        [(code, name, got)] = m.rows  # one procedure
        assert (code, name.en) == ("P02", "Voluntary social-insurance registration")
        got_counts = {
            "received": got.received,
            "online": got.online,
            "resolved": got.resolved,
            "on_time": got.on_time,
            "very_satisfied": got.very_satisfied,
            "satisfied": got.satisfied,
            "not_satisfied": got.not_satisfied,
        }
        assert got_counts == {k: want[k] for k in got_counts}, m.month
        assert m.total == got
    march, april = figures.months
    # the same figures written out, as a reader of the page checks them
    assert (march.total.received, march.total.online, march.total.resolved, march.total.late) == (3, 2, 3, 1)
    assert (april.total.received, april.total.online, april.total.resolved, april.total.late) == (2, 1, 2, 1)
    assert march.total.satisfied_share == pytest.approx(1 / 2) and april.total.satisfied_share == 1
    assert (figures.total.received, figures.total.resolved, figures.total.on_time) == (5, 5, 3)
    assert figures.by_procedure[0][2].received == 5


def test_an_empty_month_is_shown_with_zeros(runtime):
    with runtime.db.read() as session:
        figures = public_statistics(session, date(2026, 1, 15), date(2026, 1, 20), VN)
    [january] = figures.months
    assert january.rows == [] and january.total.received == 0 and january.total.on_time_share is None


@pytest.mark.parametrize(
    ("first", "last", "problem"),
    [(date(2026, 4, 1), date(2026, 3, 1), "must not come before"), (date(2020, 1, 1), date(2026, 1, 1), "at most 36")],
)
def test_a_period_that_cannot_be_shown_is_refused(runtime, first, last, problem):
    with runtime.db.read() as session, pytest.raises(PeriodError, match=problem):
        public_statistics(session, first, last, VN)


def test_a_period_s_figures_are_reused_for_a_while_then_counted_again(runtime, office, clock):
    from engine.figures.public import cached_statistics, forget_cached_statistics

    url = runtime.settings.database_url
    run_p02(runtime, office, clock, "2026-03-02 09:00", "2026-03-06 10:00")
    with runtime.db.read() as session:
        first = cached_statistics(session, url, date(2026, 3, 1), date(2026, 3, 1), VN)
    run_p02(runtime, office, clock, "2026-03-03 09:00", "2026-03-06 10:00")
    with runtime.db.read() as session:
        again = cached_statistics(session, url, date(2026, 3, 1), date(2026, 3, 31), VN)  # the same months
        forget_cached_statistics()
        fresh = cached_statistics(session, url, date(2026, 3, 1), date(2026, 3, 1), VN)
    assert first.total.received == again.total.received == 1
    assert fresh.total.received == 2
