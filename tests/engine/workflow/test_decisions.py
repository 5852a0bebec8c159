"""The office's decision tables (bpmn/dmn/*.dmn), run by real SpiffWorkflow.

Each table is called from a tiny diagram made here (start -> business rule task -> end), parsed
with the engine's parser together with the real .dmn file, and run under the engine's restricted
script engine, which evaluates every input expression, input entry and output entry. Nothing here
re-implements a table: the tests give inputs and read what lands in the task data.

For tables with hit policy UNIQUE, every case also checks that exactly one row matches
(SpiffWorkflow itself stops at the first match and never checks uniqueness).
"""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest
from lxml import etree
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine
from SpiffWorkflow.util.task import TaskState

from engine.config import PROJECT_ROOT
from engine.workflow.bpmn_specs import parse_sources
from engine.workflow.rules import RULES
from engine.workflow.scripting import RestrictedScriptEngine, ScriptError

DMN_DIR = PROJECT_ROOT / "bpmn" / "dmn"
DMN_NS = "https://www.omg.org/spec/DMN/20191111/MODEL/"
JULY_2025 = date(2025, 7, 1)
JUNE_2025 = date(2025, 6, 30)

DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
                  id="definitions" targetNamespace="http://motcua.test/bpmn">
  <bpmn:process id="decide" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="rule" name="Decide">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>{decision_id}</spiffworkflow:calledDecisionId>{pre_script}
      </bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="rule"/>
    <bpmn:sequenceFlow id="f2" sourceRef="rule" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>
"""


def run_decision(
    decision_id: str, data: dict, pre_script: str | None = None, functions: dict | None = None
) -> BpmnWorkflow:
    """Parse the tiny diagram with the real table, start it with `data`, run it to its end."""
    script = f"\n        <spiffworkflow:preScript>{pre_script}</spiffworkflow:preScript>" if pre_script else ""
    parsed = parse_sources(
        {
            "t.bpmn": DIAGRAM.format(decision_id=decision_id, pre_script=script),
            f"dmn/{decision_id}.dmn": (DMN_DIR / f"{decision_id}.dmn").read_text(encoding="utf-8"),
        },
        "decide",
    )
    assert parsed.dmn_files == {f"dmn/{decision_id}.dmn"}
    workflow = BpmnWorkflow(
        parsed.spec,
        parsed.subprocess_specs,
        script_engine=RestrictedScriptEngine(functions=functions or {"date": date}),
    )
    workflow.get_next_task(state=TaskState.READY).set_data(**data)
    workflow.do_engine_steps()
    assert workflow.is_completed()
    return workflow


def matching_rows(workflow: BpmnWorkflow) -> list[int]:
    """Every row of the table that matches the task's inputs (SpiffWorkflow's own rule check,
    asked to collect all matches instead of stopping at the first)."""
    [task] = workflow.get_tasks(spec_name="rule")
    table = copy.copy(task.task_spec.dmnEngine.decision_table)
    table.hit_policy = "COLLECT"
    return [rule.row_number for rule in DMNEngine(table).decide(task)]


def decide(decision_id: str, **inputs) -> dict:
    """The outputs the table adds to the data (inputs removed), checking UNIQUE tables match
    at most one row."""
    workflow = run_decision(decision_id, inputs)
    [task] = workflow.get_tasks(spec_name="rule")
    outputs = {k: v for k, v in task.data.items() if k not in inputs}
    assert workflow.data == task.data  # outputs travel on to the end of the process
    if task.task_spec.dmnEngine.decision_table.hit_policy == "UNIQUE":
        rows = matching_rows(workflow)
        assert len(rows) == (1 if outputs else 0), f"rows {rows} match {inputs}"
    return outputs


# --------------------------------------------------------------------------- the files

DMN_FILES = sorted(DMN_DIR.glob("*.dmn"))
EXPECTED = {
    "p02_state_support",
    "pension_eligibility",
    "one_time_withdrawal",
    "maternity_leave_days",
    "hi_reimbursement",
}


def test_every_expected_table_is_there():
    assert {path.stem for path in DMN_FILES} >= EXPECTED


@pytest.mark.parametrize("path", DMN_FILES, ids=lambda p: p.name)
def test_each_file_is_one_dmn13_decision_named_like_the_file(path: Path):
    root = etree.parse(str(path)).getroot()
    assert etree.QName(root).namespace == DMN_NS
    decisions = root.findall(f"{{{DMN_NS}}}decision")
    assert [d.get("id") for d in decisions] == [path.stem]
    tables = decisions[0].findall(f"{{{DMN_NS}}}decisionTable")
    assert len(tables) == 1
    assert tables[0].get("hitPolicy") in ("UNIQUE", "FIRST")
    # SpiffWorkflow's DMN parser reads each child of a table and of a rule by its tag, so an
    # XML comment there breaks it; notes belong in <description>.
    for element in tables[0].iter():
        assert isinstance(element.tag, str), f"{path.name}: no XML comments inside the table"


# --------------------------------------------------------------------------- p02_state_support

SUPPORT = [
    # category, submitted on, support percent
    ("poor", JUNE_2025, 30),
    ("poor", JULY_2025, 50),
    ("near_poor", JUNE_2025, 25),
    ("near_poor", JULY_2025, 40),
    ("ethnic_minority", JUNE_2025, 10),
    ("ethnic_minority", JULY_2025, 30),
    ("other", JUNE_2025, 10),
    ("other", JULY_2025, 20),
    ("poor", date(2016, 1, 1), 30),
    ("other", date(2026, 3, 2), 20),
]


@pytest.mark.parametrize("category, submitted_on, percent", SUPPORT)
def test_state_support_by_category_and_date(category, submitted_on, percent):
    assert decide("p02_state_support", household_category=category, submitted_on=submitted_on) == {
        "support_percent": percent
    }


def test_state_support_sets_nothing_for_an_unknown_category():
    assert decide("p02_state_support", household_category="rich", submitted_on=JULY_2025) == {}


# --------------------------------------------------------------------------- pension_eligibility


def pension(sex, age_months, contribution_years, retirement_date, pension_case="normal"):
    return decide(
        "pension_eligibility",
        pension_case=pension_case,
        sex=sex,
        age_months=age_months,
        contribution_years=contribution_years,
        retirement_year=retirement_date.year,
        retirement_date=retirement_date,
    )


ELIGIBLE = {"pension_eligible": True, "reason_code": "eligible"}
UNDER_AGE = {"pension_eligible": False, "reason_code": "under_retirement_age"}
TOO_FEW_YEARS = {"pension_eligible": False, "reason_code": "insufficient_contributions"}

# normal retirement age in months, by year of retirement (Decree 135/2020)
MEN = {2020: 720, 2021: 723, 2024: 732, 2025: 735, 2026: 738, 2027: 741, 2028: 744, 2040: 744}
WOMEN = {2020: 660, 2021: 664, 2024: 676, 2025: 680, 2026: 684, 2027: 688, 2028: 692, 2034: 716, 2035: 720, 2040: 720}
AGE_CASES = [(sex, year, months) for sex, table in (("male", MEN), ("female", WOMEN)) for year, months in table.items()]


@pytest.mark.parametrize("sex, year, age", AGE_CASES)
def test_pension_at_the_retirement_age_and_one_month_under(sex, year, age):
    retirement = date(year, 10, 1)
    assert pension(sex, age, 25, retirement) == ELIGIBLE
    assert pension(sex, age - 1, 25, retirement) == UNDER_AGE


@pytest.mark.parametrize(
    "sex, age, years, expected",
    [
        ("male", 738, 15, ELIGIBLE),
        ("male", 737, 15, UNDER_AGE),
        ("male", 738, 14, TOO_FEW_YEARS),
        ("female", 684, 15, ELIGIBLE),
        ("female", 683, 15, UNDER_AGE),
        ("female", 684, 14, TOO_FEW_YEARS),
        ("female", 684, 14.9, TOO_FEW_YEARS),
        ("male", 800, 35, ELIGIBLE),
        ("male", 737, 14, UNDER_AGE),  # under age decides first
    ],
)
def test_pension_in_2026(sex, age, years, expected):
    assert pension(sex, age, years, date(2026, 6, 1)) == expected


@pytest.mark.parametrize(
    "retirement, years, expected",
    [
        (JUNE_2025, 19, TOO_FEW_YEARS),
        (JUNE_2025, 20, ELIGIBLE),
        (JUNE_2025, 15, TOO_FEW_YEARS),
        (JULY_2025, 14, TOO_FEW_YEARS),
        (JULY_2025, 15, ELIGIBLE),
        (date(2024, 3, 1), 19, TOO_FEW_YEARS),
        (date(2024, 3, 1), 20, ELIGIBLE),
    ],
)
def test_pension_minimum_contributions_change_on_1_july_2025(retirement, years, expected):
    age = {2024: 732, 2025: 735}[retirement.year]
    assert pension("male", age, years, retirement) == expected


def test_pension_refuses_an_unknown_sex_and_a_year_that_disagrees_with_the_date():
    assert pension("x", 800, 30, date(2026, 1, 1)) == {"pension_eligible": False, "reason_code": "unknown_sex"}
    assert decide(
        "pension_eligibility",
        pension_case="normal",
        sex="male",
        age_months=800,
        contribution_years=30,
        retirement_year=2025,
        retirement_date=date(2026, 1, 1),
    ) == {"pension_eligible": False, "reason_code": "retirement_year_mismatch"}


def test_pension_without_a_retirement_date_fails_naming_it():
    with pytest.raises(ScriptError, match="retirement_date"):
        run_decision(
            "pension_eligibility",
            {"pension_case": "normal", "sex": "male", "age_months": 800, "contribution_years": 30}
            | {"retirement_year": 2026},
        )


def test_a_script_before_the_table_computes_the_age_with_the_engine_rules():
    """How a diagram feeds the table: a pre-script computes age_months with age_in_months."""
    workflow = run_decision(
        "pension_eligibility",
        {
            "pension_case": "normal",
            "sex": "female",
            "date_of_birth": date(1969, 3, 15),
            "contribution_years": 16,
            "retirement_date": date(2026, 3, 15),
        },
        pre_script="age_months = age_in_months(date_of_birth, retirement_date)\nretirement_year = retirement_date.year",
        functions={"date": date, **RULES},
    )
    assert workflow.data["age_months"] == 684  # 57 years: the women's age in 2026
    assert workflow.data["pension_eligible"] is True


# --------------------------------------------------------------------------- one_time_withdrawal

WITHDRAWAL = [
    # inputs, eligible, reason
    ({"grounds": "retirement_age_under_15_years"}, True, "eligible"),
    ({"grounds": "emigrating"}, True, "eligible"),
    ({"grounds": "serious_illness"}, True, "eligible"),
    ({"grounds": "serious_illness", "contributed_before_2025_07": False, "months_since_leaving": 0}, True, "eligible"),
    (
        {"grounds": "left_work_12_months", "contributed_before_2025_07": True, "months_since_leaving": 12},
        True,
        "eligible",
    ),
    (
        {"grounds": "left_work_12_months", "contributed_before_2025_07": True, "months_since_leaving": 40},
        True,
        "eligible",
    ),
    (
        {"grounds": "left_work_12_months", "contributed_before_2025_07": True, "months_since_leaving": 11},
        False,
        "under_12_months_since_leaving",
    ),
    (
        {"grounds": "left_work_12_months", "contributed_before_2025_07": False, "months_since_leaving": 24},
        False,
        "contributed_only_from_2025_07",
    ),
    ({"grounds": "bored"}, False, "unknown_grounds"),
]


@pytest.mark.parametrize("inputs, eligible, reason", WITHDRAWAL)
def test_one_time_withdrawal(inputs, eligible, reason):
    assert decide("one_time_withdrawal", **inputs) == {"withdrawal_eligible": eligible, "reason_code": reason}


# --------------------------------------------------------------------------- maternity_leave_days


def maternity_leave(event, children, weeks, on, months=6, rest=False):
    return decide(
        "maternity_leave_days",
        event=event,
        children=children,
        gestation_weeks=weeks,
        event_date=on,
        contribution_months_12=months,
        pregnancy_rest=rest,
    )


@pytest.mark.parametrize(
    "weeks, before, after",
    # Law 58/2014 art. 33(1) before 1 July 2025: 13 to under 25 weeks 40 days, 25 or more 50; Law
    # 41/2024 art. 52(1): 13 to under 22 weeks 40 days, 22 or more 50 (here with 2 months of
    # contributions, too few for the leave of a birth of art. 52(2))
    [
        (1, 10, 10),
        (4, 10, 10),
        (5, 20, 20),
        (12, 20, 20),
        (13, 40, 40),
        (21, 40, 40),
        (22, 40, 50),
        (24, 40, 50),
        (25, 50, 50),
        (30, 50, 50),
    ],
)
def test_maternity_leave_after_a_miscarriage_by_weeks_before_and_from_1_july_2025(weeks, before, after):
    assert maternity_leave("miscarriage", 0, weeks, JUNE_2025, months=2) == {"leave_days": before}
    assert maternity_leave("miscarriage", 0, weeks, JULY_2025, months=2) == {"leave_days": after}


@pytest.mark.parametrize(
    "months, rest, days",
    # Law 41/2024 art. 52(2): from 22 weeks, a woman meeting art. 50(2) (6 months in 12) or 50(3)
    # (3 months, after 12 in all, resting on a doctor's order) has the leave of a birth
    [(6, False, 180), (12, False, 180), (3, True, 180), (5, True, 180), (5, False, 50), (2, True, 50), (0, False, 50)],
)
def test_a_miscarriage_from_22_weeks_has_the_leave_of_a_birth_from_1_july_2025(months, rest, days):
    assert maternity_leave("miscarriage", 0, 30, JULY_2025, months=months, rest=rest) == {"leave_days": days}
    # before that day Law 58 gave 50 days whatever the months
    assert maternity_leave("miscarriage", 0, 30, JUNE_2025, months=months, rest=rest) == {"leave_days": 50}


@pytest.mark.parametrize("children, days", [(1, 180), (2, 210), (3, 240)])
@pytest.mark.parametrize("on", [JUNE_2025, JULY_2025])
def test_maternity_leave_after_a_birth_by_children(children, days, on):
    assert maternity_leave("birth", children, 39, on) == {"leave_days": days}


def test_maternity_leave_sets_nothing_for_an_unknown_event_or_no_child():
    assert maternity_leave("adoption", 1, 0, JULY_2025) == {}
    assert maternity_leave("birth", 0, 39, JULY_2025) == {}


# --------------------------------------------------------------------------- hi_reimbursement


@pytest.mark.parametrize("level, percent", [(1, 100), (2, 100), (3, 95), (4, 80), (5, 100)])
@pytest.mark.parametrize("in_network", [True, False])
def test_hi_reimbursement_by_benefit_level(level, percent, in_network):
    assert decide("hi_reimbursement", benefit_level=level, in_network=in_network) == {"reimbursement_percent": percent}


def test_hi_reimbursement_level_from_a_card_number_in_a_script():
    workflow = run_decision(
        "hi_reimbursement", {"card": "DN4797924123456", "in_network": True}, pre_script="benefit_level = int(card[2])"
    )
    assert workflow.data["reimbursement_percent"] == 80


@pytest.mark.parametrize("level", [0, 6])
def test_hi_reimbursement_sets_nothing_outside_levels_1_to_5(level):
    assert decide("hi_reimbursement", benefit_level=level, in_network=True) == {}
