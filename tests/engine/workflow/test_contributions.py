"""Contribution arithmetic (engine/workflow/contributions.py) and the dated figures of workflows/rates.yaml."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from xml.sax.saxutils import escape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from engine.workflow import contributions
from engine.workflow.bpmn_specs import parse_sources
from engine.workflow.contributions import (
    RatesFileError,
    age_in_months,
    allowed_payment_periods,
    figure,
    health_insurance_contribution,
    round_half_up,
    voluntary_contribution,
)
from engine.workflow.rules import RULES
from engine.workflow.scripting import RestrictedScriptEngine, ScriptError

TODAY = date(2026, 3, 2)
FLOOR = 1_500_000
CEILING = 20 * 2_340_000  # 46,800,000 from 1 July 2024
OLD_CEILING = 20 * 1_800_000  # 36,000,000 before
NEW_CEILING = 20 * 2_530_000  # 50,600,000 from 1 July 2026 (Decree 161/2026/NĐ-CP)
PERIODS = [1, 3, 6, 12, 24, 36, 48, 60]


def oracle_22_percent(income: int) -> int:
    """22% of an income rounded half up, computed independently with Decimal."""
    return int((Decimal(income) * Decimal("0.22")).quantize(Decimal(1), rounding=ROUND_HALF_UP))


# --------------------------------------------------------------------------- figures


@pytest.mark.parametrize(
    "name, on, value",
    [
        ("reference_level", date(2023, 7, 1), 1_800_000),
        ("reference_level", date(2024, 6, 30), 1_800_000),
        ("reference_level", date(2024, 7, 1), 2_340_000),
        ("reference_level", TODAY, 2_340_000),
        ("reference_level", date(2026, 6, 30), 2_340_000),
        ("reference_level", date(2026, 7, 1), 2_530_000),
        ("reference_level", date(2019, 7, 1), 1_490_000),
        ("reference_level", date(2023, 6, 30), 1_490_000),
        ("rural_poverty_line", date(2022, 1, 1), 1_500_000),
        ("rural_poverty_line", TODAY, 1_500_000),
        ("voluntary_contribution_rate", TODAY, 22),
        ("voluntary_income_ceiling_multiple", TODAY, 20),
        ("reference_level", datetime(2024, 7, 1, 0, 0), 2_340_000),  # a datetime counts by its day
    ],
)
def test_the_figure_valid_on_a_day(name, on, value):
    assert figure(name, on) == value


@pytest.mark.parametrize(
    "name, on, first",
    [
        ("reference_level", date(2013, 6, 30), "2013-07-01"),
        ("rural_poverty_line", date(2021, 12, 31), "2022-01-01"),
    ],
)
def test_a_day_before_the_first_value_is_a_clear_error(name, on, first):
    with pytest.raises(ValueError, match=f"no value of {name} is known on {on.isoformat()}.*from {first}"):
        figure(name, on)


def test_an_unknown_figure_is_a_clear_error():
    with pytest.raises(ValueError, match=r"no figure named 'salary'.*known: .*reference_level"):
        figure("salary", TODAY)


def test_payment_periods_allowed():
    assert allowed_payment_periods(TODAY) == PERIODS


@pytest.mark.parametrize(
    "raw, message",
    [
        ([], "expected a mapping"),
        ({"x": {"from": date(2020, 1, 1), "value": 1}}, "x: expected a list"),
        ({"x": [{"from": date(2020, 1, 1)}]}, r"x\[0\]: expected exactly the keys"),
        ({"x": [{"from": "2020-01-01", "value": 1}]}, r"x\[0\]: 'from' must be a date"),
        (
            {"x": [{"from": date(2021, 1, 1), "value": 1}, {"from": date(2021, 1, 1), "value": 2}]},
            r"x\[1\]: dates must increase",
        ),
    ],
)
def test_a_malformed_rates_file_is_refused_with_the_place(raw, message):
    with pytest.raises(RatesFileError, match=message):
        contributions._parse_rates(raw, "rates.yaml")


# --------------------------------------------------------------------------- amounts


@pytest.mark.parametrize(
    "income, months, support, on, expected",
    [
        # the floor, poor household from July 2025: 22% x 1,500,000 = 330,000; support 50% of it
        (FLOOR, 1, 50, date(2025, 7, 1), (330_000, 165_000, 165_000, 165_000)),
        # near-poor before July 2025, every 6 months
        (2_000_000, 6, 25, date(2025, 3, 1), (440_000, 82_500, 357_500, 2_145_000)),
        # the ceiling, others, yearly
        (CEILING, 12, 20, TODAY, (10_296_000, 66_000, 10_230_000, 122_760_000)),
        # no support, five years in advance
        (3_000_000, 60, 0, TODAY, (660_000, 0, 660_000, 39_600_000)),
        # rounding of the monthly contribution, half up: 330,000.44 / 330,000.66 / 330,005.5
        (1_500_002, 1, 0, TODAY, (330_000, 0, 330_000, 330_000)),
        (1_500_003, 1, 0, TODAY, (330_001, 0, 330_001, 330_001)),
        (1_500_025, 3, 10, TODAY, (330_006, 33_000, 297_006, 891_018)),
    ],
)
def test_voluntary_contribution(income, months, support, on, expected):
    keys = ("monthly_contribution", "monthly_support", "monthly_payable", "period_payable")
    assert voluntary_contribution(income, months, support, on) == dict(zip(keys, expected, strict=True))


@pytest.mark.parametrize(
    "income, on, ok",
    [
        (FLOOR, TODAY, True),
        (FLOOR - 1, TODAY, False),
        (CEILING, TODAY, True),
        (CEILING + 1, TODAY, False),
        (OLD_CEILING, date(2024, 6, 30), True),
        (OLD_CEILING + 1, date(2024, 6, 30), False),
        (OLD_CEILING + 1, date(2024, 7, 1), True),
        (CEILING + 1, date(2026, 6, 30), False),
        (CEILING + 1, date(2026, 7, 1), True),
        (NEW_CEILING, date(2026, 7, 1), True),
        (NEW_CEILING + 1, date(2026, 7, 1), False),
    ],
)
def test_income_floor_and_ceiling(income, on, ok):
    if ok:
        assert voluntary_contribution(income, 1, 0, on)["monthly_contribution"] == oracle_22_percent(income)
    else:
        with pytest.raises(ValueError, match=r"below the rural poverty line|above the ceiling"):
            voluntary_contribution(income, 1, 0, on)


def test_refusals_say_what_is_wrong():
    with pytest.raises(ValueError, match=r"1,499,999 đồng is below the rural poverty line of 1,500,000"):
        voluntary_contribution(FLOOR - 1, 1, 0, TODAY)
    with pytest.raises(ValueError, match=r"46,800,001 đồng is above the ceiling of 46,800,000"):
        voluntary_contribution(CEILING + 1, 1, 0, TODAY)
    with pytest.raises(ValueError, match=r"period of 2 months is not allowed; allowed: 1, 3, 6, 12, 24"):
        voluntary_contribution(FLOOR, 2, 0, TODAY)
    with pytest.raises(ValueError, match="support percent must be between 0 and 100"):
        voluntary_contribution(FLOOR, 1, 101, TODAY)
    with pytest.raises(ValueError, match="no value of rural_poverty_line is known on 2021-12-31"):
        voluntary_contribution(FLOOR, 1, 0, date(2021, 12, 31))


@pytest.mark.parametrize(
    "months, ok", [(m, True) for m in PERIODS] + [(m, False) for m in (0, -1, 2, 4, 13, 18, 59, 72)]
)
def test_payment_periods(months, ok):
    if ok:
        amounts = voluntary_contribution(FLOOR, months, 0, TODAY)
        assert amounts["period_payable"] == months * 330_000
    else:
        with pytest.raises(ValueError, match="is not allowed"):
            voluntary_contribution(FLOOR, months, 0, TODAY)


@pytest.mark.parametrize(
    "args", [("2000000", 1, 0), (2_000_000.0, 1, 0), (True, 1, 0), (2_000_000, "6", 0), (2_000_000, 6, 25.5)]
)
def test_amounts_must_be_whole_numbers(args):
    with pytest.raises(TypeError, match="must be a whole number"):
        voluntary_contribution(*args, TODAY)


@pytest.mark.parametrize(
    "amount, rounded",
    [
        (Fraction(5, 2), 3),
        (Fraction(3, 2), 2),
        (Fraction(7, 3), 2),
        (Fraction(8, 3), 3),
        (Fraction(-5, 2), -3),
        (Fraction(-7, 3), -2),
        (10, 10),
        (0, 0),
        (Fraction(1, 2), 1),
        (Fraction(49, 100), 0),
    ],
)
def test_round_half_up(amount, rounded):
    assert round_half_up(amount) == rounded


# --------------------------------------------------------------------------- properties

days = st.dates(min_value=date(2024, 7, 1), max_value=date(2035, 12, 31))


@st.composite
def valid_requests(draw):
    on = draw(st.one_of(days, st.dates(min_value=date(2023, 7, 1), max_value=date(2024, 6, 30))))
    ceiling = 20 * figure("reference_level", on)
    return (draw(st.integers(FLOOR, ceiling)), draw(st.sampled_from(PERIODS)), draw(st.integers(0, 100)), on)


@settings(max_examples=300, deadline=None)
@given(valid_requests())
def test_property_amounts_add_up(request):
    income, months, support, on = request
    amounts = voluntary_contribution(income, months, support, on)
    assert amounts["monthly_contribution"] == oracle_22_percent(income)
    assert 0 <= amounts["monthly_support"] <= amounts["monthly_contribution"]
    assert amounts["monthly_payable"] == amounts["monthly_contribution"] - amounts["monthly_support"]
    assert amounts["period_payable"] == months * amounts["monthly_payable"]
    assert all(type(v) is int for v in amounts.values())


@settings(max_examples=200, deadline=None)
@given(valid_requests(), st.integers(1, 10_000_000))
def test_property_more_income_never_costs_less(request, extra):
    income, months, support, on = request
    more = min(income + extra, 20 * figure("reference_level", on))
    assert (
        voluntary_contribution(more, months, support, on)["monthly_contribution"]
        >= voluntary_contribution(income, months, support, on)["monthly_contribution"]
    )


@settings(max_examples=200, deadline=None)
@given(days, st.integers(1, 10**9), st.sampled_from(PERIODS))
def test_property_incomes_outside_the_range_are_refused(on, distance, months):
    ceiling = NEW_CEILING if on >= date(2026, 7, 1) else CEILING
    with pytest.raises(ValueError, match="below the rural poverty line"):
        voluntary_contribution(max(FLOOR - distance, 0), months, 0, on)
    with pytest.raises(ValueError, match="above the ceiling"):
        voluntary_contribution(ceiling + distance, months, 0, on)


@settings(max_examples=200, deadline=None)
@given(days, st.integers(-1000, 1000).filter(lambda m: m not in PERIODS))
def test_property_only_listed_periods_are_allowed(on, months):
    with pytest.raises(ValueError, match="is not allowed"):
        voluntary_contribution(FLOOR, months, 0, on)


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=date(2023, 7, 1), max_value=date(2035, 12, 31)))
def test_property_the_reference_level_changes_on_1_july_2024_and_1_july_2026(on):
    expected = 2_530_000 if on >= date(2026, 7, 1) else 2_340_000 if on >= date(2024, 7, 1) else 1_800_000
    assert figure("reference_level", on) == expected


# --------------------------------------------------------------------------- age in months


@pytest.mark.parametrize(
    "born, on, months",
    [
        (date(1969, 3, 15), date(2026, 3, 15), 684),
        (date(1969, 3, 15), date(2026, 3, 14), 683),
        (date(1964, 12, 1), date(2026, 6, 1), 738),
        (date(2001, 1, 31), date(2001, 2, 27), 0),
        (date(2001, 1, 31), date(2001, 2, 28), 1),  # no 31 February: the month ends on its last day
        (date(2000, 1, 31), date(2000, 2, 29), 1),
        (date(2000, 1, 31), date(2000, 3, 30), 1),
        (date(2000, 1, 31), date(2000, 3, 31), 2),
        (date(2000, 2, 29), date(2001, 2, 28), 12),
        (date(2000, 5, 5), date(2000, 5, 5), 0),
    ],
)
def test_age_in_months(born, on, months):
    assert age_in_months(born, on) == months


def test_age_in_months_refuses_a_day_before_birth():
    with pytest.raises(ValueError, match="before the birth date"):
        age_in_months(date(2000, 5, 5), date(2000, 5, 4))


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2030, 1, 1)), st.integers(0, 40_000))
def test_property_age_in_months_grows_by_at_most_one_a_day(born, offset):
    on = born + timedelta(days=offset)
    months = age_in_months(born, on)
    following = age_in_months(born, on + timedelta(days=1))
    assert following - months in (0, 1)
    assert months * 28 <= offset <= (months + 1) * 31


# --------------------------------------------------------------------------- from a diagram

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  id="definitions" targetNamespace="http://motcua.test/bpmn">
  <bpmn:process id="calc" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="compute" name="Tính số tiền phải đóng">
      <bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute"/>
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""

SCRIPT = """amounts = voluntary_contribution(monthly_income, int(payment_period), support_percent, submitted_on)
period_payable = amounts['period_payable']
reference_level = figure('reference_level', submitted_on)"""


def run_script(data):
    parsed = parse_sources({"t.bpmn": DIAGRAM.format(script=escape(SCRIPT))}, "calc")
    workflow = BpmnWorkflow(
        parsed.spec, parsed.subprocess_specs, script_engine=RestrictedScriptEngine(functions={"date": date, **RULES})
    )
    workflow.get_next_task(state=TaskState.READY).set_data(**data)
    workflow.do_engine_steps()
    return workflow


def test_rules_are_registered_for_diagrams():
    assert RULES["voluntary_contribution"] is voluntary_contribution
    assert RULES["figure"] is figure
    assert RULES["allowed_payment_periods"] is allowed_payment_periods
    assert RULES["age_in_months"] is age_in_months


def test_a_script_calls_the_rules_and_indexes_the_result():
    workflow = run_script(
        {"monthly_income": 2_000_000, "payment_period": "6", "support_percent": 40, "submitted_on": TODAY}
    )
    assert workflow.is_completed()
    assert workflow.data["amounts"] == {
        "monthly_contribution": 440_000,
        "monthly_support": 132_000,
        "monthly_payable": 308_000,
        "period_payable": 1_848_000,
    }
    assert workflow.data["period_payable"] == 1_848_000
    assert workflow.data["reference_level"] == 2_340_000


def test_a_refusal_in_a_script_names_the_element_and_the_reason():
    with pytest.raises(ScriptError, match=r"'compute'.*below the rural poverty line"):
        run_script({"monthly_income": 1_000_000, "payment_period": "1", "support_percent": 0, "submitted_on": TODAY})


def test_a_caller_changing_a_figure_does_not_change_the_rates():
    rule = figure("voluntary_payment_periods", TODAY)
    rule["periods"].append(2)
    assert allowed_payment_periods(TODAY) == PERIODS


@pytest.mark.parametrize(
    "group, order, months, on, expected",
    [
        # 4.5% x 2,340,000 = 105,300 a month for the first member of a household
        ("household", 1, 12, date(2025, 1, 1), 1_263_600),
        ("household", 2, 12, date(2025, 1, 1), 884_520),  # 70%
        ("household", 3, 12, date(2025, 1, 1), 758_160),  # 60%
        ("household", 4, 12, date(2025, 1, 1), 631_800),  # 50%
        ("household", 5, 12, date(2025, 1, 1), 505_440),  # 40%
        ("household", 9, 12, date(2025, 1, 1), 505_440),  # and 40% for every later member
        ("student", None, 12, date(2025, 1, 1), 884_520),  # students pay 70%
        # before the base salary rose on 2024-07-01: 4.5% x 1,800,000 = 81,000
        ("household", 1, 3, date(2024, 6, 30), 243_000),
        ("household", 1, 3, date(2024, 7, 1), 315_900),
    ],
)
def test_health_insurance_contribution(group, order, months, on, expected):
    assert health_insurance_contribution(group, order, months, on) == expected


@pytest.mark.parametrize("group, order, months", [("household", 0, 12), ("household", 1, 0), ("worker", 1, 12)])
def test_health_insurance_contribution_refuses_nonsense(group, order, months):
    with pytest.raises(ValueError):
        health_insurance_contribution(group, order, months, date(2025, 1, 1))
