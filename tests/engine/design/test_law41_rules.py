"""Rules of P08-P20 that Law 41/2024/QH15 changed on 1 July 2025 (issue 13, item 4), kept dated so
that a dossier or a period before that day keeps the rules of Law 58/2014/QH13: the maternity leave
after a miscarriage (art. 52), the 3-months-in-12 case (art. 50(3)), convalescence after sickness
(art. 46(1)), the pensioner's allowance on settling abroad (art. 76(2)). Their declared paths end as
declared on SQLite and PostgreSQL; the dated tables pass the checks of the validity column."""

from __future__ import annotations

import pytest

from engine.config import PROJECT_ROOT
from engine.design.simulation import simulate
from engine.workflow.decision_tables import check_table, read_table, validity_columns

DMN = PROJECT_ROOT / "bpmn" / "dmn"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def scratch_server(request):
    return None if request.param == "sqlite" else request.getfixturevalue("postgres_url")


def test_the_declared_paths_of_p11_p12_and_p20_end_as_declared_with_the_rules_of_law_41(catalogue, scratch_server):
    results = simulate(catalogue, ["P11", "P12", "P20"], database_url=scratch_server)

    failed = ["\n".join(r.lines) for r in results if not r.ok]
    assert not failed, "\n\n".join(failed)
    lines = {(r.code, r.path): "\n".join(r.lines) for r in results}
    # art. 50(3): 4 months in the 12 before the birth are enough after a rest for the pregnancy
    assert "payout_amount: 38,060,000" in lines["P11", "rested_for_pregnancy"]
    # art. 52(2): a stillbirth at 24 weeks with 9 months has the 6 months of a birth
    assert "leave_days: 180" in lines["P11", "miscarriage_from_22_weeks"]
    # art. 46(1): 12 days of sickness leave in the year are too few for convalescence
    assert "not_eligible_reason: 'too_little_sickness_leave_in_year'" in lines["P12", "too_little_sickness_leave"]
    # art. 76(2): 30 + 21 - 15 = 36 months of pension; at least 3 months
    assert "payout_amount: 261,000,000" in lines["P20", "payout_atm"]
    assert "payout_amount: 18,360,000" in lines["P20", "happy"]


@pytest.mark.parametrize("name, column", [("maternity_leave_days", 3), ("pension_eligibility", 0)])
def test_the_dated_tables_have_a_checked_validity_column(name, column):
    text = (DMN / f"{name}.dmn").read_text("utf-8")
    assert check_table(text) == []
    assert validity_columns(read_table(text)) == [column]


def test_the_maternity_table_keeps_the_law_58_steps_before_1_july_2025():
    table = read_table((DMN / "maternity_leave_days.dmn").read_text("utf-8"))
    before = [r for r in table.rules if r.inputs[3].text == "< date(2025, 7, 1)"]
    after = [r for r in table.rules if r.inputs[3].text == ">= date(2025, 7, 1)"]
    assert [r.inputs[2].text for r in before] == ["13 <= ? < 25", ">= 25"]
    assert {r.inputs[2].text for r in after} == {"13 <= ? < 22", ">= 22"}
