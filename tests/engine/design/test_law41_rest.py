"""The last rules of P08-P20 that Law 41/2024/QH15 changed on 1 July 2025 (issue 13, item 4), each
kept dated so that a dossier or a period before that day keeps the rule of Law 58/2014/QH13: the
reduction of a pension retired early with reduced capacity (P08, art. 66(3)); half days of sickness
leave and the salary of the first month insured (P10, art. 45(1)(b), 45(5)); the father's leave when
his wife gives birth (P11, art. 53(2)-(3); Law 58/2014 art. 34(2) before); the relative who applies for
the monthly survivor allowance, deaths declared by a court and suspended pensions (P16, art. 85-87). The declared paths
show what the officer and the applicant see; the engine's functions show the edges of each rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from engine.config import PROJECT_ROOT
from engine.design.simulation import simulate
from engine.errors import RuleRefused
from engine.people.officers import Actor, add_user, grant
from engine.workflow import refusals
from engine.workflow.benefits import check_survivor_relative, paternity_benefit, pension_benefit, sickness_benefit
from engine.workflow.decision_tables import check_table, read_table
from engine.workflow.rules import RULES
from tests.helpers import do_task, open_task

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


def test_p11_the_father_claims_his_leave_within_60_days_and_not_within_30_before_1_july_2025(catalogue, scratch_server):
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
    early = refusals.refusals(
        meta, {**father, "paternity_leave_from": date(2026, 10, 19), "event_date": date(2026, 10, 20)}
    )
    assert "before the birth" in early["paternity_leave_from"].en
    mother = {**meta.paths["happy"].start}
    assert refusals.refusals(meta, mother) == {}


# --------------------------------------------------------------------------- P16


def test_p16_the_relatives_conditions_on_both_sides_of_1_july_2025(catalogue, scratch_server):
    lines = lines_of(catalogue, ["P16"], scratch_server)
    # Law 58 art. 67(2): a widow of 55 years 7 months in March 2025 is old enough
    assert "payout_amount: 24,570,000" in lines["P16", "spouse_at_55_before_law_41"]
    # art. 86(2)(c), 86(3): under the age with 85% lost, other income not asked
    assert "monthly_survivor_allowance: 1,170,000" in lines["P16", "spouse_with_capacity_loss"]
    # art. 85(3), 86(1): declared dead by a court
    assert "payout_amount: 24,570,000" in lines["P16", "declared_dead_by_court"]
    assert "payout_amount: 26,565,000" in lines["P16", "happy"]


WIDOW = date(1969, 8, 1)  # 55 years 7 months on 10 March 2025 and 56 years 7 months on 10 March 2026


@pytest.mark.parametrize(
    "relationship, sex, born, died, loss, kind, income, ok",
    [
        ("spouse", "female", WIDOW, date(2025, 3, 10), 0, "none", 0, True),  # Law 58: 55
        ("spouse", "female", WIDOW, date(2026, 3, 10), 0, "none", 0, False),  # 2026: 57 years
        ("spouse", "female", WIDOW, date(2026, 3, 10), 81, "none", 0, True),
        ("spouse", "female", WIDOW, date(2026, 3, 10), 80, "none", 0, False),
        ("spouse", "female", date(1969, 3, 1), date(2026, 3, 10), 0, "none", 0, True),  # 57 years
        ("spouse", "male", date(1965, 1, 1), date(2025, 6, 30), 0, "none", 0, True),  # Law 58: 60
        ("spouse", "male", date(1965, 1, 1), date(2025, 7, 1), 0, "none", 0, False),  # 2025: 61 years 3 months
        ("parent", "male", date(1950, 1, 1), date(2026, 3, 10), 0, "none", 0, True),
        # art. 86(3): a salary with compulsory insurance, whatever its amount; a pension from the
        # reference level (2,340,000 đồng until June 2026); other income is not asked
        ("spouse", "female", date(1960, 1, 1), date(2026, 3, 10), 0, "insured_salary", 1_000_000, False),
        ("spouse", "female", date(1960, 1, 1), date(2026, 3, 10), 0, "pension_or_allowance", 2_340_000, False),
        ("spouse", "female", date(1960, 1, 1), date(2026, 3, 10), 0, "pension_or_allowance", 2_339_999, True),
        ("spouse", "female", date(1960, 1, 1), date(2026, 3, 10), 0, "other", 9_000_000, True),
        # Law 58 art. 67(3): any monthly income of the base salary or more
        ("spouse", "female", date(1960, 1, 1), date(2025, 3, 10), 0, "other", 3_000_000, False),
        ("spouse", "female", date(1960, 1, 1), date(2025, 3, 10), 0, "insured_salary", 2_000_000, True),
        # a child under 18 has no income test; from 18 only with 81% lost
        ("child", "male", date(2010, 1, 1), date(2026, 3, 10), 0, "insured_salary", 5_000_000, True),
        ("child", "male", date(2007, 1, 1), date(2026, 3, 10), 0, "none", 0, False),
        ("child", "male", date(2007, 1, 1), date(2026, 3, 10), 90, "none", 0, True),
    ],
)
def test_p16_who_may_receive_the_monthly_allowance(relationship, sex, born, died, loss, kind, income, ok):
    if ok:
        check_survivor_relative(relationship, sex, born, died, loss, kind, income)
    else:
        with pytest.raises(RuleRefused) as refused:
            check_survivor_relative(relationship, sex, born, died, loss, kind, income)
        assert refused.value.message.vi and refused.value.message.en


def test_p16_the_age_asked_is_named_in_the_refusal():
    with pytest.raises(RuleRefused) as refused:
        check_survivor_relative("spouse", "female", WIDOW, date(2026, 3, 10), 0, "none", 0)
    assert "56 years 7 months old" in refused.value.message.en and "under 57 years," in refused.value.message.en
    assert "chưa đủ 57 tuổi và" in refused.value.message.vi
    assert RULES["check_survivor_relative"] is check_survivor_relative


def test_p16_a_widow_under_the_age_from_1_july_2025_is_refused_to_the_officer_and_nothing_changes(
    runtime, office, catalogue
):
    with runtime.db.write() as session:
        user = add_user(session, "dung.chedo", "Võ Thị Dung")
        grant(session, user, "benefits", office.unit)
        benefits = Actor.of(user)
    office.by_role["benefits"] = benefits
    start = {
        **catalogue.procedures["P16"].meta.paths["spouse_at_55_before_law_41"].start,
        "date_of_death": "2026-03-10",
    }
    code = runtime.dossiers.start("P16", start, Actor.applicant(start["full_name"]))

    do_task(runtime, office, code, "reception_check", decision="accept")
    task = open_task(runtime, code, "benefits_review")
    runtime.dossiers.claim(task.id, benefits)
    review = {
        "contribution_months": "384",
        "funeral_grant_eligible": "true",
        "survivor_allowance_kind": "monthly",
        "monthly_relatives": "1",
        "nurtured_relatives": "0",
        "applicant_counted_monthly": "true",
        "applicant_income_kind": "none",
        "decision": "approve_request",
    }
    with pytest.raises(RuleRefused) as refused:
        runtime.dossiers.complete_task(task.id, benefits, review)
    assert "chưa đủ 57 tuổi" in refused.value.message.vi
    assert open_task(runtime, code, "benefits_review").id == task.id
    # with 81% of capacity lost she qualifies: 10 x 2,340,000 and 50% of 2,340,000 for April
    runtime.dossiers.complete_task(task.id, benefits, {**review, "applicant_capacity_loss": "81"})
    assert runtime.dossiers.workflow_data(code)["payout_amount"] == 24_570_000


def test_p16_the_application_refuses_a_suspended_pension_before_1_july_2025_and_a_court_death_without_a_relative(
    catalogue,
):
    meta = catalogue.procedures["P16"].meta
    start = {**meta.paths["declared_dead_by_court"].start, "date_of_death": date(2026, 1, 20)}
    assert refusals.refusals(meta, start) == {}
    suspended = {**start, "deceased_status": "suspended"}
    assert refusals.refusals(meta, suspended) == {}
    early = refusals.refusals(meta, {**suspended, "date_of_death": date(2025, 6, 30)})
    assert "1 July 2025" in early["deceased_status"].en
    arranger = refusals.refusals(meta, {**start, "relationship": "other"})
    assert "art. 85(3)" in arranger["relationship"].en
    assert refusals.refusals(meta, {**start, "declared_dead_by_court": False, "relationship": "other"}) == {}
