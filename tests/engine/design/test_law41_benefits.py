"""The two benefits new in Law 41/2024/QH15 (issue 13): P26, the monthly allowance at retirement age
without a pension (art. 23-24), and P27, the maternity allowance for voluntary contributors (art.
94-97). Their declared paths end as declared on SQLite and PostgreSQL, with the amounts the law
gives; their decision tables are dated: nothing before 1 July 2025, the figures from that day;
their limits are those of the law."""

from __future__ import annotations

from datetime import date

import pytest

from engine.config import PROJECT_ROOT
from engine.design.simulation import simulate
from engine.workflow.decision_tables import check_table, evaluate_table, read_table, validity_columns
from engine.workflow.rules import RULES
from engine.workflow.scripting import Limits, RestrictedScriptEngine

DMN = PROJECT_ROOT / "bpmn" / "dmn"
MATERNITY = (DMN / "voluntary_maternity_allowance.dmn").read_text("utf-8")
ALLOWANCE = (DMN / "retirement_age_allowance.dmn").read_text("utf-8")


def _engine() -> RestrictedScriptEngine:
    return RestrictedScriptEngine(functions={**RULES, "date": date}, limits=Limits.of(2.0, 256))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def scratch_server(request):
    return None if request.param == "sqlite" else request.getfixturevalue("postgres_url")


def test_the_declared_paths_of_p26_and_p27_end_as_declared_with_their_amounts(catalogue, scratch_server):
    results = simulate(catalogue, ["P26", "P27"], database_url=scratch_server)

    failed = ["\n".join(r.lines) for r in results if not r.ok]
    assert not failed, "\n\n".join(failed)
    names = {(r.code, r.path) for r in results}
    for code in ("P26", "P27"):
        # a refusal, a supplement at each stage, a withdrawal, both ways of paying, a written answer
        for path in ("happy", "payout_cash", "refusal", "supplement_at_reception", "supplement_during_processing"):
            assert (code, path) in names
        for path in ("withdrawal", "not_eligible", "bank_silent"):
            assert (code, path) in names
    lines = {(r.code, r.path): "\n".join(r.lines) for r in results}
    # art. 23(3): the contributions spread over the months until 75, never under the social pension
    assert "monthly_allowance: 961,538" in lines["P26", "happy"]
    assert "monthly_allowance: 500,000" in lines["P26", "payout_cash"]
    # art. 95(1): 2,000,000 đồng for each child
    assert "payout_amount: 4,000,000" in lines["P27", "payout_cash"]
    assert "reason_code: 'birth_before_law_41'" in lines["P27", "birth_before_law_41"]


@pytest.mark.parametrize(
    "birth, months, eligible, per_child, reason",
    [
        (date(2025, 6, 30), 12, False, 0, "birth_before_law_41"),
        (date(2025, 7, 1), 6, True, 2_000_000, "eligible"),
        (date(2026, 10, 20), 5, False, 0, "under_6_months"),
        (date(2026, 10, 20), 12, True, 2_000_000, "eligible"),
    ],
)
def test_the_voluntary_maternity_allowance_is_dated_by_the_birth(birth, months, eligible, per_child, reason):
    out = evaluate_table(MATERNITY, {"birth_date": birth, "months_contributed_12": months}, _engine()).outputs

    assert out == {"benefit_eligible": eligible, "reason_code": reason, "allowance_per_child": per_child}


@pytest.mark.parametrize(
    "submitted, retired, months, at_75, eligible, reason, floor",
    [
        (date(2025, 6, 30), True, 96, False, False, "before_law_41", 0),
        (date(2025, 7, 1), True, 96, False, True, "eligible", 500_000),
        (date(2026, 12, 6), False, 96, False, False, "under_retirement_age", 500_000),
        (date(2026, 12, 6), True, 180, False, False, "pension_eligible", 500_000),
        (date(2026, 12, 6), True, 179, False, True, "eligible", 500_000),
        (date(2026, 12, 6), True, 96, True, False, "social_pension_age", 500_000),
    ],
)
def test_the_retirement_age_allowance_is_dated_by_the_request(
    submitted, retired, months, at_75, eligible, reason, floor
):
    data = {
        "submitted_on": submitted,
        "reached_retirement_age": retired,
        "contribution_months": months,
        "social_pension_age_reached": at_75,
    }
    out = evaluate_table(ALLOWANCE, data, _engine()).outputs

    assert out == {"benefit_eligible": eligible, "reason_code": reason, "social_pension_floor": floor}


@pytest.mark.parametrize("text", [MATERNITY, ALLOWANCE], ids=["P27", "P26"])
def test_the_new_tables_have_a_checked_validity_column(text):
    assert check_table(text) == []
    assert validity_columns(read_table(text)) == [0]


@pytest.mark.parametrize("code", ["P26", "P27"])
def test_the_new_procedures_have_the_limit_of_the_law(catalogue, code):
    # art. 24(2) and art. 97(2): 5 working days from a complete file
    meta = catalogue.procedures[code].meta
    assert (meta.limit_days, meta.limit_unit) == (5, "working")
