"""The last rules of P08-P20 that Law 41/2024/QH15 changed on 1 July 2025 (issue 13, item 4), each
kept dated so that a dossier or a period before that day keeps the rule of Law 58/2014/QH13: the
reduction of a pension retired early with reduced capacity (P08, art. 66(3)); half days of sickness
leave and the salary of the first month insured (P10, art. 45(1)(b), 45(5)); the father's leave when
his wife gives birth (P11, art. 53(2)-(3); Law 58/2014 art. 34(2) before). The declared paths
show what the officer and the applicant see; the engine's functions show the edges of each rule."""

from __future__ import annotations

from datetime import date

import pytest

from engine.config import PROJECT_ROOT
from engine.design.simulation import simulate
from engine.errors import RuleRefused
from engine.workflow import refusals
from engine.workflow.benefits import paternity_benefit, pension_benefit, sickness_benefit
from engine.workflow.rules import RULES
from engine.workflow.decision_tables import check_table, read_table

DMN = PROJECT_ROOT / "bpmn" / "dmn"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def scratch_server(request):
    return None if request.param == "sqlite" else request.getfixturevalue("postgres_url")


def lines_of(catalogue, codes, server):
    results = simulate(catalogue, codes, database_url=server)
    failed = ["\n".join(r.lines) for r in results if not r.ok]
    assert not failed, "\n\n".join(failed)
    return {(r.code, r.path): "\n".join(r.lines) for r in results}


# --------------------------------------------------------------------------- P08


def test_p08_retiring_early_with_reduced_capacity_lowers_the_pension_on_both_sides_of_1_july_2025(
    catalogue, scratch_server
):
    lines = lines_of(catalogue, ["P08"], scratch_server)
    # art. 65(1), 66(3): 57% less 2% for each of 2 years and 1% for 7 months left over
    after = lines["P08", "reduced_capacity"]
    assert "pension_percent: 52" in after and "payout_amount: 4,160,000" in after
    # Law 58 art. 56(3) on 1 March 2025: 8 months early, 1% less
    before = lines["P08", "reduced_capacity_before_law_41"]
    assert "pension_percent: 56" in before and "payout_amount: 3,360,000" in before
    # a normal retirement is not reduced
    assert "pension_percent: 69" in lines["P08", "happy"]


@pytest.mark.parametrize(
    "months, percent",
    [(0, 57), (5, 57), (6, 56), (11, 56), (12, 55), (17, 55), (18, 54), (31, 52), (120, 37)],
)
@pytest.mark.parametrize("on", [date(2025, 6, 1), date(2025, 7, 1)])
def test_p08_the_reduction_is_2_percent_a_year_and_1_percent_from_6_months_left_over(months, percent, on):
    # a woman with 21 years: 45% + 2% x 6 = 57% under both laws
    assert pension_benefit("female", 21, 10_000_000, on, months)["pension_percent"] == percent


def test_p08_a_negative_number_of_months_early_is_refused_in_both_languages():
    with pytest.raises(RuleRefused) as refused:
        pension_benefit("female", 21, 10_000_000, date(2026, 1, 1), -1)
    assert "Số tháng nghỉ hưu trước tuổi" in refused.value.message.vi and "months_early" in refused.value.message.en


def test_p08_the_table_asks_20_years_of_a_pension_with_reduced_capacity():
    text = (DMN / "pension_eligibility.dmn").read_text("utf-8")
    assert check_table(text) == []
    table = read_table(text)
    rows = [r for r in table.rules if r.inputs[5].text == '"reduced_capacity"']
    assert [(r.inputs[4].text, r.outputs[0].text) for r in rows] == [(">= 20", "True"), ("< 20", "False")]


# --------------------------------------------------------------------------- P10


def test_p10_half_days_are_paid_half_and_the_first_month_insured_is_recorded(catalogue, scratch_server):
    lines = lines_of(catalogue, ["P10"], scratch_server)
    # 7,200,000 x 75% / 24 = 225,000 a day; 3 days and 2 half days are 4 days
    assert "payout_amount: 900,000" in lines["P10", "half_days"]
    # art. 45(1)(b): 6,400,000 of the first month, 3 days
    first = lines["P10", "first_month_insured"]
    assert "payout_amount: 600,000" in first and "salary_month: 'first_month_insured'" in first
    assert "salary_month: 'month_before_leave'" in lines["P10", "half_days"]


def test_p10_a_half_day_is_half_a_day_from_1_july_2025():
    assert sickness_benefit(7_200_000, 5, date(2025, 7, 1), 2) == 900_000
    assert sickness_benefit(7_200_000, 5, date(2025, 7, 1)) == 1_125_000
    assert sickness_benefit(7_200_000, 1, date(2025, 7, 1), 1) == 112_500


def test_p10_half_days_before_1_july_2025_are_refused_in_both_languages():
    # Law 58/2014/QH13 had no half days: the days of the leave are whole
    with pytest.raises(RuleRefused) as refused:
        sickness_benefit(7_200_000, 5, date(2025, 6, 30), 1)
    assert "01/7/2025" in refused.value.message.vi and "1 July 2025" in refused.value.message.en
    assert sickness_benefit(7_200_000, 5, date(2025, 6, 30)) == 1_125_000


def test_p10_more_half_days_than_days_paid_are_refused():
    with pytest.raises(RuleRefused, match="3 half days are more than the 2 days paid"):
        sickness_benefit(7_200_000, 2, date(2026, 1, 5), 3)


# --------------------------------------------------------------------------- P11


def test_p11_the_father_claims_his_leave_within_60_days_and_not_within_30_before_1_july_2025(
    catalogue, scratch_server
):
    lines = lines_of(catalogue, ["P11"], scratch_server)
    # twins by caesarean: 14 working days x 9,600,000 / 24, starting 45 days after the birth
    father = lines["P11", "paternity"]
    assert "leave_days: 14" in father and "payout_amount: 5,600,000" in father
    # Law 58 art. 34(2): 45 days after a birth of May 2025 is too late
    late = lines["P11", "paternity_late_before_law_41"]
    assert "not_eligible_reason: 'paternity_leave_outside_window'" in late and "payout_amount: 0" in late
    # the mother's claim is unchanged
    assert "leave_days: 180" in lines["P11", "happy"]


LAW_41 = date(2025, 7, 1)
LAW_58 = date(2025, 6, 30)


@pytest.mark.parametrize(
    "children, surgery, on, days",
    [
        (1, False, LAW_41, 5),
        (1, True, LAW_41, 7),
        (2, False, LAW_41, 10),
        (2, True, LAW_41, 14),
        (3, False, LAW_41, 13),
        (3, True, LAW_41, 17),  # art. 53(2)(d): 3 more for a third child by caesarean
        (3, True, LAW_58, 14),  # Law 58 art. 34(2)(d): 14 days for twins or more by caesarean
        (3, False, LAW_58, 13),
        (1, True, LAW_58, 7),
    ],
)
def test_p11_the_fathers_days_by_case(children, surgery, on, days):
    got = paternity_benefit(children, surgery, 9_600_000, on, on)
    assert got["leave_days"] == days and got["leave_benefit"] == 400_000 * days


@pytest.mark.parametrize(
    "born, after, within",
    [(LAW_41, 60, True), (LAW_41, 61, False), (LAW_58, 30, True), (LAW_58, 31, False), (LAW_58, 45, False)],
)
def test_p11_the_fathers_leave_starts_within_60_days_of_the_birth_30_before_1_july_2025(born, after, within):
    from datetime import timedelta

    assert paternity_benefit(1, False, 4_800_000, born, born + timedelta(days=after))["within_window"] is within


def test_p11_the_father_is_offered_to_the_diagram_and_refused_before_the_birth():
    assert RULES["paternity_benefit"] is paternity_benefit
    with pytest.raises(RuleRefused, match="before the birth"):
        paternity_benefit(1, False, 4_800_000, date(2026, 3, 10), date(2026, 3, 9))


def test_p11_the_application_refuses_a_father_without_a_birth_or_a_leave_before_it(catalogue):
    meta = catalogue.procedures["P11"].meta
    father = {**meta.paths["paternity"].start}
    assert refusals.refusals(meta, father) == {}
    miscarriage = refusals.refusals(meta, {**father, "event": "miscarriage"})
    assert "22" in miscarriage["claimant"].en
    early = refusals.refusals(meta, {**father, "paternity_leave_from": date(2026, 10, 19), "event_date": date(2026, 10, 20)})
    assert "before the birth" in early["paternity_leave_from"].en
    mother = {**meta.paths["happy"].start}
    assert refusals.refusals(meta, mother) == {}
