"""Test-running a designer's draft of P02 (issue 12): a failing path says what it expected and what
was open, a script failing at the start fails the path on its element, the path taken is given for
the diagram, and a draft runs with its own called processes and decision tables, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import pytest

from engine.design.simulation import simulate
from engine.people.officers import Actor
from engine.workflow.catalogue import Catalogue, load_catalogue
from tests.draft_diagrams import BPMN_DIR, WORKFLOWS_DIR, Draft
from tests.helpers import P02_APPLICATION


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def scratch_server(request):
    """None: a scratch SQLite file; else the PostgreSQL server to create a scratch database on."""
    return None if request.param == "sqlite" else request.getfixturevalue("postgres_url")


def load_draft(draft: Draft) -> Catalogue:
    catalogue = load_catalogue(BPMN_DIR, WORKFLOWS_DIR, only=[draft.bpmn])
    assert catalogue.problems == [], "\n".join(map(str, catalogue.problems))
    return catalogue


def run(catalogue: Catalogue, paths: list[str], server):
    return {r.path: r for r in simulate(catalogue, ["P02"], paths, database_url=server)}


def test_a_path_expecting_another_task_names_it_and_the_open_ones_and_a_message_the_ones_waited_for(
    tmp_path, scratch_server
):
    draft = Draft(tmp_path).insert_before_review("manualTask", "prepare_file")
    draft.replace_in_metadata(
        "      - {message: withdrawal_requested",
        "      - {message: supplement_received}\n      - {message: withdrawal_requested",
    )

    results = run(load_draft(draft), ["happy", "withdrawal"], scratch_server)

    happy = results["happy"]
    assert not happy.ok
    assert happy.reason == (
        "step 2: the path expects the task collect_review (Thẩm định đăng ký, xác định mức hỗ trợ), but no such "
        "task is open; open tasks: prepare_file (Bước mới prepare_file) [collection]"
    )
    assert happy.lines[-1] == f"  FAILED: {happy.reason}"
    withdrawal = results["withdrawal"]
    assert withdrawal.reason == (
        "step 2: the path sends the message 'supplement_received', but the dossier does not wait for it; it waits "
        "for the messages: 'withdrawal_requested'; open tasks: prepare_file (Bước mới prepare_file)"
    )


def test_a_manual_task_in_a_lane_is_done_by_its_role_and_the_dossier_can_be_withdrawn_there(tmp_path, scratch_server):
    draft = Draft(tmp_path).insert_before_review("manualTask", "prepare_file")
    draft.replace_in_metadata(
        "      - {task: collect_review", "      - {task: prepare_file}\n      - {task: collect_review"
    )
    draft.add_to_metadata(
        "  withdrawn_while_preparing:\n"
        '    description: {vi: "Rút hồ sơ khi đang chuẩn bị", en: "Withdrawn while the file is prepared"}\n'
        '    start: {full_name: "Nguyễn Văn An", citizen_id: "051090001234", date_of_birth: "1990-05-14", sex: male,\n'
        '            phone: "0912345678", address: "12 Lê Lợi", household_category: other, monthly_income: 1500000,\n'
        '            payment_period: "3", result_channel: electronic}\n'
        "    steps:\n"
        "      - {task: reception_check, data: {decision: accept}}\n"
        "      - {message: withdrawal_requested, payload: {reason: changed my mind}}\n"
        "    expect_status: 7\n"
    )

    results = run(load_draft(draft), ["happy", "withdrawn_while_preparing"], scratch_server)

    assert results["happy"].ok, "\n".join(results["happy"].lines)
    assert "task    prepare_file by Cán bộ mô phỏng (collection)" in "\n".join(results["happy"].lines)
    assert results["withdrawn_while_preparing"].ok, "\n".join(results["withdrawn_while_preparing"].lines)


def test_the_path_taken_is_given_in_order(catalogue, scratch_server):
    [result] = simulate(catalogue, ["P02"], ["happy"], database_url=scratch_server)

    assert result.ok
    visited = result.visited
    order = ["start_p02", "set_submitted", "reception_check", "set_in_processing", "collect_review"]
    order += ["determine_support", "leader_approval", "set_finished", "end_returned"]
    assert [v for v in visited if v in order] == order, visited
    assert "end_withdrawn" not in visited and "withdrawal" not in visited


def test_a_script_failing_at_the_start_fails_the_path_on_its_element(tmp_path, scratch_server):
    draft = Draft(tmp_path).replace("<bpmn:script>set_status(1)", "<bpmn:script>x = 1/0\nset_status(1)")

    result = run(load_draft(draft), ["happy"], scratch_server)["happy"]

    assert not result.ok and result.final is None
    assert "'set_submitted' (Ghi nhận hồ sơ nộp trực tuyến)" in result.reason
    assert "ZeroDivisionError: division by zero" in result.reason
    assert "Traceback" not in "\n".join(result.lines)


def test_a_script_that_never_ends_fails_the_path_on_its_element(tmp_path, scratch_server):
    draft = Draft(tmp_path).replace(
        "<bpmn:script>set_status(4)</bpmn:script>", "<bpmn:script>while True:\n    pass</bpmn:script>"
    )

    result = run(load_draft(draft), ["happy"], scratch_server)["happy"]

    assert not result.ok
    assert "set_in_processing" in result.reason


def test_a_draft_runs_with_its_own_decision_table_and_called_process(tmp_path, scratch_server):
    draft = Draft(tmp_path)
    dmn = (BPMN_DIR / "dmn" / "p02_state_support.dmn").read_text("utf-8")
    dmn = dmn.replace(
        '<outputEntry id="p02_state_support_r05_o1"><text>50</text>',
        '<outputEntry id="p02_state_support_r05_o1"><text>77</text>',
    )
    (tmp_path / "p02_state_support.dmn").write_text(dmn, encoding="utf-8")
    for name, folder in (("approval.bpmn", BPMN_DIR / "shared"), ("approval.yaml", WORKFLOWS_DIR / "shared")):
        (tmp_path / name).write_text(
            (folder / name).read_text("utf-8").replace("leader_approval", "leader_signing"), "utf-8"
        )
    draft.yaml.write_text(
        draft.yaml.read_text("utf-8").replace("task: leader_approval", "task: leader_signing"), "utf-8"
    )
    draft.replace_in_metadata(
        "    expect_status: 10\n", "    expect_status: 10\n    expect_data: {support_percent: 77}\n"
    )

    result = run(load_draft(draft), ["happy"], scratch_server)["happy"]

    assert result.ok, "\n".join(result.lines)
    assert "leader_signing" in result.visited


def test_a_comment_in_a_catalogue_diagram_does_not_stop_deploying_or_starting_dossiers(tmp_path, runtime):
    import shutil

    bpmn, workflows = tmp_path / "bpmn", tmp_path / "workflows"
    shutil.copytree(BPMN_DIR, bpmn)
    shutil.copytree(WORKFLOWS_DIR, workflows)
    text = (bpmn / "P02.bpmn").read_text("utf-8")
    (bpmn / "P02.bpmn").write_text(
        text.replace("<bpmn:startEvent", "<!-- a note -->\n    <bpmn:startEvent", 1), "utf-8"
    )
    catalogue = load_catalogue(bpmn, workflows)
    assert catalogue.problems == [] and "P02" in catalogue.procedures

    [deployed] = [d for d in runtime.deploy(catalogue) if d.code == "P02"]
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("Nguyễn Văn An"))

    assert deployed.new
    assert [t.element_id for t in runtime.dossiers.open_tasks(code)] == ["reception_check"]
