"""Benefit arithmetic of P08-P16 (engine/workflow/benefits.py) against the laws' formulas.

Every expected amount here is worked out by hand from the law (the comment beside it says how), or,
in the property tests, by an oracle written in this file from the law's text with Decimal, never by
calling the function under test. The figures are those of workflows/rates.yaml: Law 41/2024/QH15
from 1 July 2025, Law 58/2014/QH13 before, Law 84/2015/QH13 for work accidents, and the reference
level (the base salary) of 2,340,000 đồng from 1 July 2024 and 2,530,000 from 1 July 2026.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.errors import EngineError, RuleRefused
from engine.workflow.benefits import (
    convalescence_allowance,
    convalescence_paid_days,
    device_payment,
    emigration_allowance,
    maternity_benefit,
    one_time_benefit,
    pension_benefit,
    reassessed_accident_benefit,
    sickness_benefit,
    sickness_paid_days,
    survivor_benefits,
    work_accident_benefit,
)
from engine.workflow.contributions import figure
from engine.workflow.rules import RULES

LAW_41 = date(2025, 7, 1)  # Law 41/2024/QH15 in force (art. 140)
REF_2024 = 2_340_000  # Decree 73/2024/NĐ-CP, from 1 July 2024
REF_2026 = 2_530_000  # Decree 161/2026/NĐ-CP, from 1 July 2026
NEW_REF = date(2026, 7, 1)


def whole(amount) -> int:
    """An exact amount rounded half up to the whole đồng, worked out with Decimal."""
    return int(Decimal(amount).quantize(Decimal(1), rounding=ROUND_HALF_UP))


BASE_SALARIES = [  # the base salary (reference level) by the day each took effect, by hand
    (date(2013, 7, 1), 1_150_000),
    (date(2016, 5, 1), 1_210_000),
    (date(2017, 7, 1), 1_300_000),
    (date(2018, 7, 1), 1_390_000),
    (date(2019, 7, 1), 1_490_000),
    (date(2023, 7, 1), 1_800_000),
    (date(2024, 7, 1), REF_2024),
    (NEW_REF, REF_2026),
]


def reference_on(day: date) -> int:
    return [level for start, level in BASE_SALARIES if start <= day][-1]


# --------------------------------------------------------------------------- figures


@pytest.mark.parametrize(
    "on, level",
    [(date(2026, 6, 30), REF_2024), (NEW_REF, REF_2026), (date(2027, 1, 1), REF_2026)],
)
def test_the_reference_level_rises_on_1_july_2026(on, level):
    assert figure("reference_level", on) == level


def test_the_benefit_functions_are_offered_to_diagrams():
    for function in (
        pension_benefit,
        one_time_benefit,
        sickness_paid_days,
        sickness_benefit,
        maternity_benefit,
        convalescence_paid_days,
        convalescence_allowance,
        work_accident_benefit,
        reassessed_accident_benefit,
        device_payment,
        survivor_benefits,
        emigration_allowance,
    ):
        assert RULES[function.__name__] is function


def test_a_day_before_the_first_figure_is_refused_in_both_languages():
    with pytest.raises(RuleRefused) as refused:
        maternity_benefit("birth", 1, 180, 9_000_000, date(2015, 12, 31))
    assert "maternity" in refused.value.message.en and "31/12/2015" in refused.value.message.vi


# --------------------------------------------------------------------------- P08 pension


@pytest.mark.parametrize(
    "sex, years, salary, on, percent, monthly, allowance",
    [
        # Law 41 art. 66(1)(b): a man, 45% for 20 years
        ("male", 20, 10_000_000, date(2026, 1, 1), 45, 4_500_000, 0),
        # a man with 15 to under 20 years: 40% for 15, +1% a year; from the first day of Law 41
        ("male", 15, 10_000_000, LAW_41, 40, 4_000_000, 0),
        ("male", 19, 10_000_000, LAW_41, 44, 4_400_000, 0),
        # 2% a year above 20: 45 + 2 x 12 = 69%
        ("male", 32, 9_850_000, date(2026, 10, 1), 69, 6_796_500, 0),
        # 75% at 35 years; art. 68: half a month of the average salary for each year above 35
        ("male", 35, 10_000_000, date(2026, 1, 1), 75, 7_500_000, 0),
        ("male", 36, 10_000_000, date(2026, 1, 1), 75, 7_500_000, 5_000_000),
        ("male", 40, 10_000_000, date(2026, 1, 1), 75, 7_500_000, 25_000_000),
        # a woman: 45% for 15 years (art. 66(1)(a)), 75% at 30, allowance above 30
        ("female", 15, 8_000_000, date(2026, 3, 1), 45, 3_600_000, 0),
        ("female", 25, 7_200_000, date(2026, 8, 1), 65, 4_680_000, 0),
        ("female", 30, 8_000_000, date(2026, 3, 1), 75, 6_000_000, 0),
        ("female", 31, 8_000_000, date(2026, 3, 1), 75, 6_000_000, 4_000_000),
        # Law 58 art. 56(2) before 1 July 2025: a man of 2025 needs 20 years for 45%
        ("male", 20, 10_000_000, date(2025, 6, 30), 45, 4_500_000, 0),
        ("male", 21, 10_000_000, date(2025, 6, 30), 47, 4_700_000, 0),
        # in 2021: 45% for 19 years; 25 years: 45 + 2 x 6 = 57%; 75% at 34, allowance above 34
        ("male", 25, 10_000_000, date(2021, 6, 1), 57, 5_700_000, 0),
        ("male", 35, 10_000_000, date(2021, 6, 1), 75, 7_500_000, 5_000_000),
        # in 2018: 16 years for a man
        ("male", 20, 10_000_000, date(2018, 6, 1), 53, 5_300_000, 0),
        # Law 58 art. 56(1) in 2016-2017: a woman gets 3% a year above 15: 45 + 3 x 5 = 60%
        ("female", 20, 10_000_000, date(2017, 6, 1), 60, 6_000_000, 0),
        ("female", 26, 10_000_000, date(2017, 6, 1), 75, 7_500_000, 5_000_000),
        # rounding, half up: 45% x 3,000,010 = 1,350,004.5; 47% x 3,333,333 = 1,566,666.51
        ("female", 15, 3_000_010, date(2026, 3, 1), 45, 1_350_005, 0),
        ("female", 16, 3_333_333, date(2026, 3, 1), 47, 1_566_667, 0),
        # art. 68 x 0.5: 0.5 x 3,333,333 = 1,666,666.5 for one year above 30
        ("female", 31, 3_333_333, date(2026, 3, 1), 75, 2_500_000, 1_666_667),
    ],
)
def test_pension(sex, years, salary, on, percent, monthly, allowance):
    assert pension_benefit(sex, years, salary, on) == {
        "pension_percent": percent,
        "monthly_pension": monthly,
        "retirement_allowance": allowance,
        "first_payment": monthly + allowance,
    }


@pytest.mark.parametrize(
    "sex, years, salary, on, monthly",
    [
        # Law 41 art. 141(11): insured before 1 July 2025 with 20 years: at least the reference level.
        # 45% x 4,000,000 = 1,800,000, raised to the reference level of the retirement date
        ("male", 20, 4_000_000, date(2026, 6, 30), REF_2024),
        ("male", 20, 4_000_000, NEW_REF, REF_2026),
        ("female", 22, 3_000_000, NEW_REF, REF_2026),  # 49% x 3,000,000 = 1,470,000
        # under 20 years no floor: 44% x 4,000,000
        ("male", 19, 4_000_000, NEW_REF, 1_760_000),
        # above the floor nothing changes: 45% x 6,000,000
        ("male", 20, 6_000_000, NEW_REF, 2_700_000),
        # Law 58 art. 56(6): at least the base salary: 45% x 3,000,000 = 1,350,000 < 1,800,000
        ("male", 20, 3_000_000, date(2024, 3, 1), 1_800_000),
    ],
)
def test_the_pension_floor(sex, years, salary, on, monthly):
    assert pension_benefit(sex, years, salary, on)["monthly_pension"] == monthly


def test_the_floor_covers_only_people_insured_before_1_july_2025():
    # retiring in July 2045 with exactly 20 years: contributions could have begun in July 2025
    assert pension_benefit("male", 20, 1_000_000, date(2045, 7, 1))["monthly_pension"] == 450_000
    # retiring in June 2045 with 20 years: they must have begun before July 2025
    assert pension_benefit("male", 20, 1_000_000, date(2045, 6, 30))["monthly_pension"] == REF_2026


@pytest.mark.parametrize(
    "sex, years, on, words",
    [
        ("male", 14, LAW_41, "fewer than the 15"),
        ("female", 14, LAW_41, "fewer than the 15"),
        # before Law 41 a man of 2025 had no 40% rate for 15 to 20 years
        ("male", 17, date(2025, 6, 30), "fewer than the 20"),
        ("other", 20, LAW_41, "'male' or 'female'"),
    ],
)
def test_a_pension_the_formula_does_not_give_is_refused_in_both_languages(sex, years, on, words):
    with pytest.raises(RuleRefused, match=words) as refused:
        pension_benefit(sex, years, 5_000_000, on)
    assert refused.value.message.vi and isinstance(refused.value, EngineError)


@pytest.mark.parametrize(
    "args", [("male", 20.0, 5_000_000), ("male", 20, "5000000"), ("male", True, 5_000_000), ("male", 20, 5e6)]
)
def test_pension_inputs_must_be_whole_numbers(args):
    with pytest.raises(TypeError, match="whole number"):
        pension_benefit(*args, LAW_41)


def law_pension_percent(sex: str, years: int, on: date) -> int | None:
    """The percent by Law 58 art. 56 and Law 41 art. 66, written out from their text."""
    if on >= LAW_41:
        if sex == "female":
            return min(75, 45 + 2 * (years - 15)) if years >= 15 else None
        if years >= 20:
            return min(75, 45 + 2 * (years - 20))
        return 40 + (years - 15) if years >= 15 else None
    if on.year >= 2018:
        base = {2018: 16, 2019: 17, 2020: 18, 2021: 19}.get(on.year, 20) if sex == "male" else 15
        return min(75, 45 + 2 * (years - base)) if years >= base else None
    return min(75, 45 + (2 if sex == "male" else 3) * (years - 15)) if years >= 15 else None


def law_allowance_years(sex: str, years: int, on: date) -> int:
    """Years above those that give 75% (Law 58 art. 58), or above 35 / 30 (Law 41 art. 68)."""
    for above in range(0, 61):
        if law_pension_percent(sex, above, on) == 75:
            return max(0, years - above)
    raise AssertionError("75% is always reached")


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(["male", "female"]),
    st.integers(15, 50),
    st.integers(0, 200_000_000),
    st.dates(min_value=date(2016, 1, 1), max_value=date(2040, 12, 31)),
)
def test_property_pension_follows_the_law_of_the_retirement_date(sex, years, salary, on):
    percent = law_pension_percent(sex, years, on)
    if percent is None:
        with pytest.raises(RuleRefused):
            pension_benefit(sex, years, salary, on)
        return
    got = pension_benefit(sex, years, salary, on)
    monthly = whole(Decimal(percent) / 100 * salary)
    if years >= 20:  # Law 58 art. 56(6), Law 41 art. 141(11): at least the reference level
        monthly = max(monthly, reference_on(on))
    allowance = whole(Decimal(law_allowance_years(sex, years, on)) / 2 * salary)
    assert got == {
        "pension_percent": percent,
        "monthly_pension": monthly,
        "retirement_allowance": allowance,
        "first_payment": monthly + allowance,
    }
    assert all(type(v) is int for v in got.values())


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(["male", "female"]),
    st.integers(15, 49),
    st.integers(0, 100_000_000),
    st.dates(min_value=LAW_41, max_value=date(2040, 12, 31)),
)
def test_property_one_more_year_never_lowers_a_pension(sex, years, salary, on):
    now, later = pension_benefit(sex, years, salary, on), pension_benefit(sex, years + 1, salary, on)
    assert later["pension_percent"] >= now["pension_percent"]
    assert later["first_payment"] >= now["first_payment"]
    assert now["pension_percent"] <= 75


# --------------------------------------------------------------------------- P09 one-time benefit


@pytest.mark.parametrize(
    "before, after, salary, half_before, half_after, amount",
    [
        # Law 41 art. 70(3)(b): 2 months a year from 2014
        (0, 12, 5_000_000, 0, 2, 10_000_000),
        # art. 5(6): 1-6 odd months are half a year, 7-11 a year
        (0, 13, 5_000_000, 0, 3, 15_000_000),
        (0, 18, 5_000_000, 0, 3, 15_000_000),
        (0, 19, 5_000_000, 0, 4, 20_000_000),
        # art. 70(3)(a): 1.5 months a year before 2014
        (12, 0, 5_000_000, 2, 0, 7_500_000),
        (18, 0, 5_000_000, 3, 0, 11_250_000),  # 1.5 years x 1.5 months
        # odd months before 2014 move to the later period: 13 + 11 = 12 before, 12 from 2014:
        # 1 x 1.5 + 1 x 2 = 3.5 months (4.25 months without the move)
        (13, 11, 4_000_000, 2, 2, 14_000_000),
        # 80 before (72 + 8 moved), 108 from 2014: 6 x 1.5 + 9 x 2 = 27 months
        (80, 100, 6_000_000, 12, 18, 162_000_000),
        # rounding: 1.5 months x 3,333,333 = 4,999,999.5
        (12, 0, 3_333_333, 2, 0, 5_000_000),
        # art. 70(3)(c), under a year: what was paid (22% a month), at most 2 months
        (0, 5, 6_000_000, 0, 0, 6_600_000),
        (3, 2, 6_000_000, 0, 0, 6_600_000),
        (0, 9, 6_000_000, 0, 0, 11_880_000),
        (0, 11, 6_000_000, 0, 0, 12_000_000),  # 22% x 11 = 2.42 months: the cap of 2
        (0, 1, 3_333_333, 0, 0, 733_333),  # 22% x 3,333,333 = 733,333.26
    ],
)
def test_one_time_benefit(before, after, salary, half_before, half_after, amount):
    assert one_time_benefit(before, after, salary, date(2026, 8, 1)) == {
        "half_years_before_2014": half_before,
        "half_years_from_2014": half_after,
        "amount": amount,
    }


def test_one_time_benefit_without_any_month_is_refused():
    with pytest.raises(RuleRefused, match="no month of contributions"):
        one_time_benefit(0, 0, 5_000_000, date(2026, 8, 1))


def half_years(months: int) -> int:
    years, odd = divmod(months, 12)
    return 2 * years + (0 if odd == 0 else 1 if odd <= 6 else 2)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 400), st.integers(0, 400), st.integers(0, 100_000_000))
def test_property_one_time_benefit(before, after, salary):
    if before + after == 0:
        return
    got = one_time_benefit(before, after, salary, date(2026, 8, 1))
    if before + after < 12:
        expected = whole(min(Decimal("0.22") * (before + after) * salary, 2 * salary))
        assert got["amount"] == expected
        return
    if after:
        before, after = before - before % 12, after + before % 12
    months = Decimal("1.5") * half_years(before) / 2 + 2 * Decimal(half_years(after)) / 2
    assert got["amount"] == whole(months * salary)


# --------------------------------------------------------------------------- P10 sickness


@pytest.mark.parametrize(
    "kind, years, heavy, child_age, most",
    [
        # Law 41 art. 43(1)(a): 30 days under 15 years, 40 from 15, 60 from 30
        ("own_sickness", 0, False, None, 30),
        ("own_sickness", 14, False, None, 30),
        ("own_sickness", 15, False, None, 40),
        ("own_sickness", 29, False, None, 40),
        ("own_sickness", 30, False, None, 60),
        # art. 43(1)(b): 40, 50, 70 for hard, hazardous or dangerous work
        ("own_sickness", 14, True, None, 40),
        ("own_sickness", 15, True, None, 50),
        ("own_sickness", 30, True, None, 70),
        # art. 44(1): a child under 3: 20 days; from 3 to under 7: 15; from 7 none
        ("child_sickness", 10, False, 0, 20),
        ("child_sickness", 10, False, 2, 20),
        ("child_sickness", 10, False, 3, 15),
        ("child_sickness", 10, True, 6, 15),
        ("child_sickness", 10, False, 7, 0),
    ],
)
def test_sickness_days_a_year(kind, years, heavy, child_age, most):
    assert sickness_paid_days(kind, years, heavy, child_age, 5, 0, date(2026, 8, 1)) == {
        "max_days": most,
        "paid_days": min(5, most),
    }


@pytest.mark.parametrize("leave, used, paid", [(10, 0, 10), (10, 25, 5), (10, 30, 0), (10, 45, 0), (0, 0, 0)])
def test_sickness_days_left_in_the_year(leave, used, paid):
    assert sickness_paid_days("own_sickness", 5, False, None, leave, used, date(2026, 8, 1))["paid_days"] == paid


@pytest.mark.parametrize(
    "salary, days, amount",
    [
        # Law 41 art. 45(2), (5): 75% of the salary, a day being 1/24 of the month
        (8_000_000, 5, 1_250_000),
        (8_000_000, 24, 6_000_000),
        (7_000_001, 1, 218_750),  # 218,750.03
        (6_400_000, 3, 600_000),
        (5_000_000, 1, 156_250),
        (5_000_020, 1, 156_251),  # 156,250.625
        (0, 10, 0),
    ],
)
def test_sickness_benefit(salary, days, amount):
    assert sickness_benefit(salary, days, date(2026, 8, 1)) == amount


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 200_000_000), st.integers(0, 70), st.dates(min_value=date(2016, 1, 1)))
def test_property_sickness_benefit(salary, days, on):
    assert sickness_benefit(salary, days, on) == whole(Decimal(salary) * 75 / 100 * days / 24)


def test_a_sick_child_needs_an_age():
    with pytest.raises(RuleRefused, match="child's age"):
        sickness_paid_days("child_sickness", 5, False, None, 5, 0, date(2026, 8, 1))


# --------------------------------------------------------------------------- P11 maternity


@pytest.mark.parametrize(
    "event, children, days, salary, on, leave_benefit, grant",
    [
        # Law 41 art. 59(1): 100% of the 6 months' average for six months (180 days);
        # art. 58(4): 2 x the reference level of the month of the birth for each child
        ("birth", 1, 180, 9_000_000, NEW_REF, 54_000_000, 2 * REF_2026),
        ("birth", 1, 180, 9_000_000, date(2026, 6, 30), 54_000_000, 2 * REF_2024),
        # twins: one more month; the grant for each child
        ("birth", 2, 210, 9_000_000, date(2026, 7, 3), 63_000_000, 4 * REF_2026),
        # art. 52(1), 59(3): a miscarriage of 20 days, a day being 1/30 of the month; no grant
        ("miscarriage", 0, 20, 6_000_000, date(2026, 9, 1), 4_000_000, 0),
        ("miscarriage", 0, 10, 6_000_001, date(2026, 9, 1), 2_000_000, 0),  # 2,000,000.33
        ("miscarriage", 0, 10, 6_000_002, date(2026, 9, 1), 2_000_001, 0),  # 2,000,000.67
    ],
)
def test_maternity_benefit(event, children, days, salary, on, leave_benefit, grant):
    assert maternity_benefit(event, children, days, salary, on) == {
        "leave_benefit": leave_benefit,
        "birth_grant": grant,
        "amount": leave_benefit + grant,
    }


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(0, 100_000_000),
    st.dates(min_value=date(2023, 7, 1), max_value=date(2035, 12, 31)),
)
def test_property_maternity_after_a_birth(children, salary, on):
    days = 180 + 30 * (children - 1)
    got = maternity_benefit("birth", children, days, salary, on)
    assert got["leave_benefit"] == whole(Decimal(salary) * days / 30)
    assert got["birth_grant"] == 2 * reference_on(on) * children


# --------------------------------------------------------------------------- P12 convalescence


@pytest.mark.parametrize(
    "tier, days, used, back, start, most, paid, after, within",
    [
        # Law 41 art. 46(2), 60(2): at most 10, 7 or 5 days by case; at most 10 days a year
        ("tier_10", 10, 0, date(2026, 11, 2), date(2026, 11, 9), 10, 10, 7, True),
        ("tier_7", 10, 0, date(2026, 11, 2), date(2026, 11, 9), 7, 7, 7, True),
        ("tier_5", 7, 0, date(2026, 11, 2), date(2026, 11, 9), 5, 5, 7, True),
        ("tier_7", 7, 8, date(2026, 11, 2), date(2026, 11, 9), 7, 2, 7, True),
        ("tier_7", 7, 10, date(2026, 11, 2), date(2026, 11, 9), 7, 0, 7, True),
        # within 30 days of returning to work (art. 46(1), 60(1))
        ("tier_5", 5, 0, date(2026, 10, 1), date(2026, 10, 30), 5, 5, 29, True),
        ("tier_5", 5, 0, date(2026, 10, 1), date(2026, 10, 31), 5, 5, 30, False),
        ("tier_5", 5, 0, date(2026, 10, 2), date(2026, 10, 1), 5, 5, -1, False),
    ],
)
def test_convalescence_days(tier, days, used, back, start, most, paid, after, within):
    assert convalescence_paid_days(tier, days, used, back, start) == {
        "max_days": most,
        "paid_days": paid,
        "days_after_return": after,
        "within_time": within,
        "enough_sickness_leave": True,
    }


@pytest.mark.parametrize(
    "regime, sick_days, start, enough",
    [
        # Law 41/2024 art. 46(1), from 1 July 2025: after sickness, 30 days or more of sickness
        # leave in the year
        ("sickness", 30, date(2025, 7, 1), True),
        ("sickness", 29, date(2025, 7, 1), False),
        ("sickness", None, date(2026, 11, 9), False),
        # no such condition after maternity or a work accident
        ("maternity", None, date(2026, 11, 9), True),
        ("work_accident", 0, date(2026, 11, 9), True),
        # Law 58/2014 art. 29 before 1 July 2025: any sickness leave
        ("sickness", 3, date(2025, 6, 30), True),
        ("sickness", None, date(2025, 6, 30), True),
    ],
)
def test_convalescence_after_sickness_needs_30_days_of_sickness_leave_from_1_july_2025(
    regime, sick_days, start, enough
):
    back = start - timedelta(days=3)
    result = convalescence_paid_days("tier_5", 5, 0, back, start, regime, sick_days)
    assert result["enough_sickness_leave"] is enough
    assert result["paid_days"] == 5  # the days stay; the condition decides eligibility


def test_a_negative_count_of_sickness_leave_days_is_refused():
    with pytest.raises(RuleRefused, match="sickness_leave_days_in_year cannot be negative"):
        convalescence_paid_days("tier_5", 5, 0, date(2026, 11, 2), date(2026, 11, 9), "sickness", -1)


@pytest.mark.parametrize(
    "days, start, amount",
    [
        # art. 46(3), 60(3): 30% of the reference level a day
        (7, NEW_REF, 7 * 759_000),  # 30% x 2,530,000 = 759,000
        (7, date(2026, 6, 30), 7 * 702_000),  # 30% x 2,340,000 = 702,000
        (10, date(2025, 1, 15), 10 * 702_000),  # Law 58 art. 29(3), the base salary
        (0, NEW_REF, 0),
    ],
)
def test_convalescence_allowance(days, start, amount):
    assert convalescence_allowance(days, start) == amount


def test_an_unknown_convalescence_case_is_refused():
    with pytest.raises(RuleRefused, match="tier_3"):
        convalescence_paid_days("tier_3", 5, 0, date(2026, 10, 1), date(2026, 10, 2))


# --------------------------------------------------------------------------- P13, P14 work accident


@pytest.mark.parametrize(
    "loss, years, salary, on, kind, amount",
    [
        # Law 84/2015 art. 48: 5 x the reference level at 5%, + 0.5 per further 1%;
        # + 0.5 month of the salary for a year or less, + 0.3 per further year
        (5, 1, 6_000_000, NEW_REF, "lump_sum", 5 * REF_2026 + 3_000_000),
        (5, 0, 6_000_000, NEW_REF, "lump_sum", 5 * REF_2026 + 3_000_000),
        # 30%, 10 years: 17.5 x 2,530,000 = 44,275,000; 3.2 x 6,000,000 = 19,200,000
        (30, 10, 6_000_000, NEW_REF, "lump_sum", 63_475_000),
        # 20%, 5 years, the day before the new reference level: 12.5 x 2,340,000 + 1.7 x 7,000,000
        (20, 5, 7_000_000, date(2026, 6, 30), "lump_sum", 29_250_000 + 11_900_000),
        # art. 49: 30% of the reference level at 31%, + 2% per further 1%; + 0.5% of the salary
        # for a year or less, + 0.3% per further year (one month)
        (31, 1, 6_000_000, date(2026, 6, 30), "monthly", 702_000 + 30_000),
        (31, 1, 6_000_000, NEW_REF, "monthly", 759_000 + 30_000),
        # 100%, 20 years: 168% x 2,530,000 = 4,250,400; 6.2% x 6,000,000 = 372,000
        (100, 20, 6_000_000, NEW_REF, "monthly", 4_622_400),
        # rounding: 45%, 2 years, 5,555,555: 58% x 2,530,000 = 1,467,400; 0.8% x 5,555,555 = 44,444.44
        (45, 2, 5_555_555, NEW_REF, "monthly", 1_511_844),
    ],
)
def test_work_accident_benefit(loss, years, salary, on, kind, amount):
    assert work_accident_benefit(loss, years, salary, on) == {"kind": kind, "amount": amount}


@pytest.mark.parametrize("loss", [0, 4, 101])
def test_a_capacity_loss_outside_5_to_100_percent_is_refused(loss):
    with pytest.raises(RuleRefused, match=f"{loss}%"):
        work_accident_benefit(loss, 5, 6_000_000, NEW_REF)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(5, 100),
    st.integers(0, 45),
    st.integers(0, 100_000_000),
    st.dates(min_value=date(2023, 7, 1), max_value=date(2035, 12, 31)),
)
def test_property_work_accident_benefit(loss, years, salary, on):
    reference, further_years = reference_on(on), max(0, years - 1)
    if loss <= 30:
        exact = (5 + Decimal("0.5") * (loss - 5)) * reference + (
            Decimal("0.5") + Decimal("0.3") * further_years
        ) * salary
        kind = "lump_sum"
    else:
        exact = (Decimal(30) + 2 * (loss - 31)) / 100 * reference + (
            Decimal("0.5") + Decimal("0.3") * further_years
        ) / 100 * salary
        kind = "monthly"
    assert work_accident_benefit(loss, years, salary, on) == {"kind": kind, "amount": whole(exact)}


@pytest.mark.parametrize(
    "previous, new, kind, amount",
    [
        # a loss still under 31%: the lump sum for the increase, 0.5 x the reference level per 1%
        (10, 25, "lump_sum_increase", 15 * REF_2026 // 2),
        (29, 30, "lump_sum_increase", REF_2026 // 2),
        # nothing was paid under 5%: the whole lump sum of a first claim at 8%
        (3, 8, "lump_sum_increase", whole(Decimal("6.5") * REF_2026) + 3_000_000),
        # 31% or more: the monthly allowance at the new loss
        (20, 40, "monthly", whole(Decimal("0.48") * REF_2026) + 30_000),
        (35, 36, "monthly", whole(Decimal("0.40") * REF_2026) + 30_000),
    ],
)
def test_reassessed_accident_benefit(previous, new, kind, amount):
    assert reassessed_accident_benefit(previous, new, 1, 6_000_000, NEW_REF) == {"kind": kind, "amount": amount}


@pytest.mark.parametrize("previous, new", [(20, 20), (25, 15)])
def test_a_reassessment_that_does_not_raise_the_loss_is_refused(previous, new):
    with pytest.raises(RuleRefused, match="not higher"):
        reassessed_accident_benefit(previous, new, 1, 6_000_000, NEW_REF)


# --------------------------------------------------------------------------- P15 devices


@pytest.mark.parametrize(
    "device, invoice, first, months, ceiling, replacement, due, amount",
    [
        ("wheelchair", 3_000_000, True, 0, 2_500_000, 36, True, 2_500_000),  # within the ceiling
        ("wheelchair", 2_000_000, True, 0, 2_500_000, 36, True, 2_000_000),
        ("wheelchair", 2_000_000, False, 36, 2_500_000, 36, True, 2_000_000),  # period passed
        ("wheelchair", 2_000_000, False, 35, 2_500_000, 36, False, 0),
        ("crutches", 300_000, False, 12, 250_000, 12, True, 250_000),
        ("jetpack", 300_000, True, 0, 0, 0, False, 0),  # not on the list
    ],
)
def test_device_payment(device, invoice, first, months, ceiling, replacement, due, amount):
    assert device_payment(device, invoice, first, months, date(2026, 8, 1)) == {
        "ceiling": ceiling,
        "replacement_months": replacement,
        "due": due,
        "amount": amount,
    }


# --------------------------------------------------------------------------- P16 survivors


@pytest.mark.parametrize(
    "funeral, kind, plain, alone, one_time, died, grant, monthly, now",
    [
        # Law 41 art. 85(2): 10 x the reference level of the month of the death; art. 87: 50% a
        # relative, 70% without a carer, from the month after the death (July 2026: 2,530,000)
        (True, "monthly", 2, 1, None, date(2026, 6, 15), 10 * REF_2024, 4_301_000, 4_301_000),
        (True, "monthly", 1, 0, None, NEW_REF, 10 * REF_2026, 1_265_000, 1_265_000),
        (True, "monthly", 1, 0, None, date(2026, 5, 31), 10 * REF_2024, 1_170_000, 1_170_000),
        (True, "monthly", 0, 4, None, date(2026, 10, 12), 10 * REF_2026, 7_084_000, 7_084_000),
        # the one-time allowance is the officer's, the funeral grant only when due
        (True, "one_time", 0, 0, 19_620_000, date(2026, 9, 14), 25_300_000, 0, 19_620_000),
        (False, "one_time", 0, 0, 46_800_000, date(2026, 10, 9), 0, 0, 46_800_000),
        # Law 58 art. 66, 68 before Law 41: the base salary of 2025-06
        (True, "monthly", 1, 0, None, date(2025, 6, 10), 10 * REF_2024, 1_170_000, 1_170_000),
    ],
)
def test_survivor_benefits(funeral, kind, plain, alone, one_time, died, grant, monthly, now):
    assert survivor_benefits(funeral, kind, plain, alone, one_time, died) == {
        "funeral_grant": grant,
        "monthly_allowance": monthly,
        "allowance_paid_now": now,
        "amount": grant + now,
    }


@pytest.mark.parametrize(
    "kind, plain, alone, one_time, en, vi",
    [
        ("monthly", 3, 2, None, "at most 4 relatives", "Tối đa 4 thân nhân"),
        ("monthly", 0, 0, None, "at least one relative", "ít nhất một thân nhân"),
        ("one_time", 0, 0, None, "one-time survivor allowance is needed", "tuất một lần"),
        ("pension", 1, 0, None, "unknown survivor allowance", "không rõ"),
    ],
)
def test_survivor_benefits_the_law_does_not_allow_are_refused_in_both_languages(kind, plain, alone, one_time, en, vi):
    with pytest.raises(RuleRefused) as refused:
        survivor_benefits(True, kind, plain, alone, one_time, date(2026, 10, 1))
    assert en in refused.value.message.en and vi in refused.value.message.vi


@settings(max_examples=200, deadline=None)
@given(
    st.integers(0, 4),
    st.integers(0, 4),
    st.dates(min_value=date(2023, 7, 1), max_value=date(2035, 12, 31)),
)
def test_property_survivor_allowance_is_paid_at_the_level_of_the_month_after_the_death(plain, alone, died):
    if not 0 < plain + alone <= 4:
        return
    got = survivor_benefits(True, "monthly", plain, alone, None, died)
    first_month = (died.replace(day=1) + timedelta(days=32)).replace(day=1)
    assert got["funeral_grant"] == 10 * reference_on(died)
    assert got["monthly_allowance"] == whole(Decimal(50 * plain + 70 * alone) / 100 * reference_on(first_month))


# --------------------------------------------------------------------------- P20 emigration


@pytest.mark.parametrize("on", [date(2025, 6, 30), date(2025, 7, 1), date(2026, 12, 6)])
@pytest.mark.parametrize(
    "before, after, pension, received, amount",
    [
        # Law 41/2024 art. 76(2) (Law 58/2014 art. 65(2) before 1 July 2025, the same figures):
        # 1.5 months of pension a year before 2014, 2 a year from 2014, less 0.5 month for each
        # month received: 20 years + 10.5 years - 30 months = 30 + 21 - 15 = 36 months
        (240, 126, 7_250_000, 30, 36 * 7_250_000),
        # odd months in half-years (art. 5(6)): 16 years 5 months count 16.5 years, 24.75 months;
        # + 22 - 10 = 36.75 months, rounded once to the đồng
        (197, 132, 5_436_907, 20, 199_806_332),
        # 7 odd months count a whole year: 1.5 + 2 x 1 = 3.5 months, nothing received
        (12, 7, 4_000_000, 0, 14_000_000),
        # at least 3 months of pension: 46.5 - 66 months
        (348, 18, 6_120_000, 132, 3 * 6_120_000),
    ],
)
def test_emigration_allowance(before, after, pension, received, amount, on):
    assert emigration_allowance(before, after, pension, received, on)["amount"] == amount


def test_an_emigration_allowance_without_contributions_or_pension_is_refused():
    with pytest.raises(RuleRefused, match="months of contributions"):
        emigration_allowance(0, 0, 5_000_000, 10, date(2026, 12, 6))
    with pytest.raises(RuleRefused, match="months of contributions"):
        emigration_allowance(120, 0, 0, 10, date(2026, 12, 6))
