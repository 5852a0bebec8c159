"""`motcua procedures validate` and `motcua simulate` on a designer's draft outside bpmn/ (issue
12): what used to crash or hang gets a message on its element, and a draft is test-run with its own
called processes and decision tables without touching the office's database."""

from __future__ import annotations

import pytest

from tests.cli.test_cli import Motcua
from tests.draft_diagrams import BPMN_DIR, Draft


@pytest.fixture
def motcua(tmp_path) -> Motcua:
    """`motcua` on a database file that does not exist: nothing here may create it."""
    return Motcua(tmp_path / "office.db")


def test_validate_accepts_a_draft_with_comments(motcua, tmp_path):
    draft = Draft(tmp_path / "draft").replace("<bpmn:startEvent", "<!-- a note -->\n    <?editor x?><bpmn:startEvent")

    output = motcua.ok("procedures", "validate", "--skip-paths", str(draft.bpmn))

    assert output == "1 procedure(s) valid, 0 problem(s)\n"


def test_validate_reports_a_process_calling_itself_instead_of_hanging(motcua, tmp_path):
    draft = Draft(tmp_path / "draft").replace('calledElement="shared_approval"', 'calledElement="P02"')

    message = motcua.fails("procedures", "validate", str(draft.bpmn))

    assert f"error: {draft.bpmn}: approval: call activity approval calls process 'P02'" in message
    assert "cycle P02 -> P02" in message


def test_validate_reports_each_new_mistake_on_its_element(motcua, tmp_path):
    draft = Draft(tmp_path / "draft").insert_before_review("manualTask", "prepare_file", shapes=False, withdrawal=False)
    draft.replace("<bpmn:flowNodeRef>prepare_file</bpmn:flowNodeRef>", "")

    message = motcua.fails("procedures", "validate", "--skip-paths", str(draft.bpmn))

    assert f"error: {draft.bpmn}: prepare_file: manual task is not in a lane" in message
    assert not motcua.database.exists()


def test_simulate_runs_a_draft_with_its_own_decision_table_and_leaves_the_office_database_alone(motcua, tmp_path):
    draft = Draft(tmp_path / "draft")
    dmn = (BPMN_DIR / "dmn" / "p02_state_support.dmn").read_text("utf-8")
    dmn = dmn.replace(
        '<outputEntry id="p02_state_support_r05_o1"><text>50</text>',
        '<outputEntry id="p02_state_support_r05_o1"><text>77</text>',
    )
    (draft.bpmn.parent / "p02_state_support.dmn").write_text(dmn, encoding="utf-8")
    draft.replace_in_metadata(
        "    expect_status: 10\n", "    expect_status: 10\n    expect_data: {support_percent: 77}\n"
    )

    output = motcua.ok("simulate", str(draft.bpmn), "--path", "happy")

    assert "  data    support_percent: 77" in output
    assert output.endswith("1 of 1 path(s) ended as expected\n")
    assert not motcua.database.exists()


def test_simulate_refuses_an_invalid_draft_naming_its_problems(motcua, tmp_path):
    draft = Draft(tmp_path / "draft").replace('calledElement="shared_approval"', 'calledElement="shared_aproval"')

    message = motcua.fails("simulate", str(draft.bpmn))

    assert f"error: {draft.bpmn}: approval: call activity approval calls process 'shared_aproval', which no" in message
    assert "is not valid; fix the problems above first" in message
