"""Decision tables in the studio: dated rules checked, every problem named with its rule and
column, evaluation through the engine's own business rule task under the script limits, and
drafts stored with their author (SQLite and PostgreSQL)."""

from __future__ import annotations

import re
import time
from datetime import date

import pytest
from sqlalchemy import select

from engine.config import PROJECT_ROOT
from engine.data.models import Dossier, ProcedureVersion
from engine.design.decisions import DecisionRefused, Decisions
from engine.people.officers import Actor, add_user
from engine.workflow.decision_tables import (
    EvaluationFailed,
    check_table,
    evaluate_table,
    read_table,
    validity_columns,
)
from engine.workflow.rules import RULES
from engine.workflow.scripting import Limits, RestrictedScriptEngine
from tests.helpers import P02_APPLICATION, do_task

P02 = (PROJECT_ROOT / "bpmn" / "dmn" / "p02_state_support.dmn").read_text("utf-8")


def _engine(seconds: float = 2.0) -> RestrictedScriptEngine:
    return RestrictedScriptEngine(functions={**RULES, "date": date}, limits=Limits.of(seconds, 256))


def _cell(text: str, cell_id: str, new: str) -> str:
    """The table with one cell's text replaced (cells are written on one line in these files)."""
    start = text.index(f'id="{cell_id}"')
    begin = text.index("<text>", start) + len("<text>")
    end = text.index("</text>", begin)
    return text[:begin] + new + text[end:]


def _messages(text: str, expected=None) -> list[str]:
    return [str(p) for p in check_table(text, expected)]


def test_every_catalogue_table_checks_clean():
    for path in sorted((PROJECT_ROOT / "bpmn" / "dmn").glob("*.dmn")):
        assert check_table(path.read_text("utf-8")) == [], path.name


def test_the_submitted_on_column_dates_the_p02_rules():
    assert validity_columns(read_table(P02)) == [1]


def test_overlapping_validity_with_the_same_inputs_is_named_on_the_later_rule():
    text = _cell(P02, "p02_state_support_r05_i2", "&gt;= date(2025, 1, 1)")
    assert _messages(text) == [
        "rule 5, column 'Submitted on': its validity overlaps rule 1's (same inputs): both apply from 2025-01-01"
    ]


def test_a_gap_between_two_periods_is_named():
    text = _cell(P02, "p02_state_support_r06_i2", "&gt;= date(2025, 9, 1)")
    assert _messages(text) == [
        "rule 6, column 'Submitted on': gap in validity: rule 2 ends on 2025-07-01 (exclusive) but this rule "
        "starts on 2025-09-01; nothing applies in between"
    ]


def test_until_before_from_is_named():
    text = _cell(P02, "p02_state_support_r04_i2", "date(2025, 7, 1) &lt;= ? &lt; date(2024, 1, 1)")
    assert _messages(text) == [
        "rule 4, column 'Submitted on': valid until 2024-01-01 is not after valid from 2025-07-01: "
        "the rule never applies"
    ]


def test_a_bounded_period_fits_between_others():
    # r04 (others, before 2025-07-01) split in two periods that meet: no problem
    text = _cell(P02, "p02_state_support_r04_i2", "date(2020, 1, 1) &lt;= ? &lt; date(2025, 7, 1)")
    assert _messages(text) == []


def test_scripts_against_the_policy_hit_policy_and_missing_outputs_are_named():
    text = _cell(P02, "p02_state_support_r01_o1", "__import__('os')")
    text = _cell(text, "p02_state_support_r02_i1", "open('/etc/passwd')")
    text = text.replace('hitPolicy="UNIQUE"', 'hitPolicy="PRIORITY"')
    text = text.replace('name="support_percent"', 'name="support"')
    messages = _messages(text, {"support_percent": ["P02"]})
    assert "hit policy PRIORITY is not supported by the engine (use UNIQUE, FIRST, COLLECT)" in messages
    assert "no output 'support_percent', which P02 read(s) after the business rule task" in messages
    assert any(m.startswith("rule 1, column 'State support") and "'__import__'" in m for m in messages)
    assert any(m.startswith("rule 2, column 'Household category'") and "open" in m for m in messages)


def test_unsafe_or_foreign_xml_is_one_clear_problem():
    assert _messages('<!DOCTYPE x [<!ENTITY a "b">]><definitions/>')[0].startswith("line 1")
    assert _messages("<bpmn/>") == ["not a DMN file: its root must be <definitions> in the DMN namespace"]


def test_evaluation_finds_the_rule_valid_on_the_date():
    before = evaluate_table(P02, {"household_category": "poor", "submitted_on": date(2025, 6, 30)}, _engine())
    after = evaluate_table(P02, {"household_category": "poor", "submitted_on": date(2025, 7, 1)}, _engine())
    assert (before.matched, before.outputs) == ([1], {"support_percent": 30})
    assert (after.matched, after.matched_ids, after.outputs) == (
        [5],
        ["p02_state_support_r05"],
        {"support_percent": 50},
    )


def test_evaluation_without_a_match_sets_nothing():
    result = evaluate_table(P02, {"household_category": "rich", "submitted_on": date(2026, 1, 1)}, _engine())
    assert (result.matched, result.outputs) == ([], {})


def test_an_endless_output_is_stopped_within_the_limit_and_named():
    text = _cell(P02, "p02_state_support_r05_o1", "sum(range(10 ** 12))")
    started = time.monotonic()
    with pytest.raises(EvaluationFailed) as failed:
        evaluate_table(text, {"household_category": "poor", "submitted_on": date(2026, 1, 1)}, _engine(0.5))
    assert time.monotonic() - started < 5
    assert "sum(range(10 ** 12))" in str(failed.value)


def test_a_missing_input_is_named():
    with pytest.raises(EvaluationFailed, match="missing input\\(s\\): submitted_on"):
        evaluate_table(P02, {"household_category": "poor"}, _engine())


# --- the studio's service, with the database ------------------------------------------------------


@pytest.fixture
def author(runtime) -> int:
    with runtime.db.write() as session:
        return add_user(session, "an.thietke", "Nguyễn Văn An").id


def test_tables_are_listed_with_the_procedures_calling_them(runtime):
    rows = {row.file: row for row in Decisions(runtime).tables()}
    assert [(u.code, u.element_id) for u in rows["p02_state_support.dmn"].used_by] == [("P02", "determine_support")]
    assert rows["p02_state_support.dmn"].hit_policy == "UNIQUE"
    assert rows["pension_eligibility.dmn"].used_by[0].code == "P08"


def test_a_saved_draft_is_evaluated_and_checked_and_discarded(runtime, author):
    decisions = Decisions(runtime)
    edited = _cell(P02, "p02_state_support_r05_o1", "55")
    view = decisions.save("p02_state_support.dmn", edited, author)
    assert (view.is_draft, view.draft_author) == (True, "Nguyễn Văn An")
    assert decisions.tables()[3].draft_author == "Nguyễn Văn An"
    result = decisions.evaluate("p02_state_support.dmn", {"household_category": "poor", "submitted_on": "2026-01-01"})
    assert result.outputs == {"support_percent": 55}
    assert decisions.check("p02_state_support.dmn") == []
    assert decisions.discard("p02_state_support.dmn") is True
    assert decisions.get("p02_state_support.dmn").is_draft is False
    assert decisions.discard("p02_state_support.dmn") is False


def test_renaming_an_output_the_diagram_reads_is_named(runtime, author):
    decisions = Decisions(runtime)
    decisions.save("p02_state_support.dmn", P02.replace('name="support_percent"', 'name="support"'), author)
    assert [str(p) for p in decisions.check("p02_state_support.dmn")] == [
        "no output 'support_percent', which P02 read(s) after the business rule task"
    ]


def test_bad_saves_and_inputs_are_refused_and_change_nothing(runtime, author):
    decisions = Decisions(runtime)
    with pytest.raises(DecisionRefused, match="not a DMN file"):
        decisions.save("p02_state_support.dmn", "<x/>", author)
    with pytest.raises(DecisionRefused, match=re.escape("No decision table '../P02.bpmn'")):
        decisions.save("../P02.bpmn", P02, author)
    assert decisions.get("p02_state_support.dmn").is_draft is False
    with pytest.raises(DecisionRefused, match="'submitted_on' must be a date \\(YYYY-MM-DD\\): 'soon'"):
        decisions.evaluate("p02_state_support.dmn", {"household_category": "poor", "submitted_on": "soon"})
    with pytest.raises(DecisionRefused, match="Enter a value for 'household_category'"):
        decisions.evaluate("p02_state_support.dmn", {"submitted_on": "2026-01-01"})


# --- deploying a table with the procedures calling it ---------------------------------------------


def _versions(runtime, code: str = "P02") -> list[tuple[int, str]]:
    with runtime.db.read() as session:
        rows = session.scalars(select(ProcedureVersion).where(ProcedureVersion.code == code))
        return sorted((v.number, v.sources.get("dmn/p02_state_support.dmn", "")) for v in rows)


def _support_after_review(runtime, office, code: str) -> int:
    """The support percent P02's business rule task sets once the dossier is accepted and reviewed."""
    do_task(runtime, office, code, "reception_check", decision="accept")
    review = {"household_category": "poor", "monthly_income": "1500000", "support_checked": "true"}
    do_task(runtime, office, code, "collect_review", **review, decision="approve_request")
    return runtime.dossiers.workflow_data(code)["support_percent"]


def test_a_table_that_passes_every_path_becomes_part_of_a_new_version(runtime, office, author):
    decisions = Decisions(runtime)
    before = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]))
    old = _versions(runtime)
    decisions.save("p02_state_support.dmn", _cell(P02, "p02_state_support_r05_o1", "55"), author)
    result = decisions.deploy("p02_state_support.dmn", author)
    assert result.describe() == f"P02 v{old[-1][0] + 1}"
    numbers = _versions(runtime)
    assert len(numbers) == len(old) + 1 and "<text>55</text>" in numbers[-1][1]
    with runtime.db.read() as session:  # the dossier started before keeps its version
        version_id = session.scalars(select(Dossier.version_id).where(Dossier.code == before)).one()
        assert session.get(ProcedureVersion, version_id).number == old[-1][0]
    view = decisions.get("p02_state_support.dmn")
    assert (view.deployed, view.deployed_by) == (result.describe(), "Nguyễn Văn An")
    # a new dossier runs the deployed table; the one started before, its own version's
    after = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]))
    assert _support_after_review(runtime, office, after) == 55
    assert _support_after_review(runtime, office, before) == 50


def test_a_table_that_breaks_a_path_is_not_deployed(runtime, author):
    decisions = Decisions(runtime)
    old = _versions(runtime)
    # a text where the contribution needs a number: the table checks clean, P02's paths fail
    decisions.save("p02_state_support.dmn", P02.replace("<text>50</text>", "<text>'fifty'</text>"), author)
    assert decisions.check("p02_state_support.dmn") == []
    with pytest.raises(DecisionRefused, match=r"With this table, the procedures calling it no longer pass: .*paths"):
        decisions.deploy("p02_state_support.dmn", author)
    assert _versions(runtime) == old
    assert decisions.get("p02_state_support.dmn").deployed is None


def test_a_table_with_problems_or_no_draft_is_not_deployed(runtime, author):
    decisions = Decisions(runtime)
    with pytest.raises(DecisionRefused, match="This table has no draft"):
        decisions.deploy("p02_state_support.dmn", author)
    decisions.save("p02_state_support.dmn", P02.replace('hitPolicy="UNIQUE"', 'hitPolicy="PRIORITY"'), author)
    with pytest.raises(DecisionRefused, match=re.escape("The table has 1 problem(s)")):
        decisions.deploy("p02_state_support.dmn", author)
