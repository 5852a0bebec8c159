"""The public statistics and the managers' dashboard (and its 766 index) count the same dossiers
for the same month and procedure: a director comparing the two pages sees the same figures. The
office is the figures' small one, run through the real engine, with two dossiers that straddle a
month: one accepted after the 15:00 cutoff on the last day of March (received in April), one
received in February and resolved in March."""

from __future__ import annotations

from datetime import date

import pytest

from engine.design.simulation import apply_step
from engine.figures.dashboard import dashboard
from engine.figures.index766 import service_index
from engine.figures.period import Filters
from engine.figures.public import public_statistics
from engine.people.officers import Actor
from tests.figures_data import NOW, VN, at, make_office_figures

MONTHS = [
    (date(2026, 2, 1), date(2026, 2, 28)),
    (date(2026, 3, 1), date(2026, 3, 31)),
    (date(2026, 4, 1), date(2026, 4, 30)),
]


@pytest.fixture
def office(runtime, catalogue, clock):
    made = make_office_figures(runtime, catalogue, clock)
    happy = catalogue.procedures["P02"].meta.paths["happy"]

    def p02(submitted: str, approved: str) -> str:
        clock.set(at(submitted))
        code = runtime.dossiers.start("P02", happy.start, Actor.applicant("Người nộp"))
        for step in happy.steps[:2]:  # accepted at once, reviewed
            apply_step(runtime, None, code, step, made.officers)
        clock.set(at(approved))
        apply_step(runtime, None, code, happy.steps[2], made.officers)
        return code

    after_cutoff = p02("2026-03-31 16:00", "2026-04-03 10:00")
    before_march = p02("2026-02-27 09:00", "2026-03-04 10:00")
    clock.set(NOW)
    return made, after_cutoff, before_march


def _public(runtime, first: date, last: date) -> dict[str | None, tuple]:
    """The public page's figures for one month: per procedure and (None) in all."""
    with runtime.db.read() as session:
        [month] = public_statistics(session, first, last, VN).months
    figures = {code: f for code, _, f in month.rows} | {None: month.total}
    return {
        k: (f.received, f.online, f.resolved, f.late, f.ratings, f.very_satisfied + f.satisfied)
        for k, f in figures.items()
    }


def _dashboard(runtime, first: date, last: date, procedure: str | None) -> tuple:
    """The same figures as the managers' dashboard and 766 index show them for the month."""
    filters = Filters(first, last, procedure=procedure)
    with runtime.db.read() as session:
        d = dashboard(session, filters, NOW, VN)
        index = service_index(session, filters, NOW, VN)
    [month] = d.months
    assert month.received == d.cohort.received  # the trend and the cohort agree too
    satisfaction = {i.key: i for g in index.office.groups for i in g.indicators}["satisfaction"]
    rated, happy = (int(x.value) for x in satisfaction.inputs)
    assert index.office.received == d.cohort.received
    return (d.cohort.received, d.cohort.online, month.finished, month.late, rated, happy)


@pytest.mark.parametrize(("first", "last"), MONTHS)
def test_the_public_page_and_the_dashboard_show_the_same_month(runtime, office, first, last):
    public = _public(runtime, first, last)
    for procedure in (None, "P02", "P09"):
        empty = (0, 0, 0, 0, 0, 0)
        assert _dashboard(runtime, first, last, procedure) == public.get(procedure, empty), (first, procedure)


def test_the_month_a_dossier_counts_in_is_the_working_day_it_was_received(runtime, office):
    """Counted by hand, so the agreement above is not two pages agreeing on a wrong count."""
    _, after_cutoff, before_march = office
    assert runtime.dossiers.get(after_cutoff).received_on == date(2026, 4, 1)
    assert runtime.dossiers.get(before_march).received_on == date(2026, 2, 27)
    assert _public(runtime, *MONTHS[0])[None][:4] == (1, 1, 0, 0)  # February: received, not resolved yet
    # March: the six accepted in March (the refused one and two still at the desk are not
    # received); resolved: three early, the late one and February's
    assert _public(runtime, *MONTHS[1])[None] == (6, 4, 5, 1, 1, 1)
    # April: the one accepted after 15:00 on 31 March, and April's own dossier still at the desk
    assert _public(runtime, *MONTHS[2])[None][:4] == (1, 1, 1, 0)
