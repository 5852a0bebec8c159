"""What a new process designer runs into with a draft of P02 (issue 12): each mistake is reported
on its element with what to do, and what BPMN allows (comments, manual tasks, a draft's own called
processes and decision tables) works."""

from __future__ import annotations

import shutil
from pathlib import Path

from engine.workflow.catalogue import Catalogue, load_catalogue
from tests.draft_diagrams import BPMN_DIR, WORKFLOWS_DIR, Draft


def load_draft(path: Path) -> Catalogue:
    return load_catalogue(BPMN_DIR, WORKFLOWS_DIR, only=[path])


def problems_of(catalogue: Catalogue) -> list[tuple[str, str, str]]:
    return [(Path(p.file).name, p.element, p.reason) for p in catalogue.problems]


def test_comments_and_processing_instructions_in_a_process_are_legal(tmp_path):
    draft = Draft(tmp_path).replace(
        '<bpmn:startEvent id="start_p02"',
        '<!-- the applicant submits online --><?editor x?><bpmn:startEvent id="start_p02"',
    )

    catalogue = load_draft(draft.bpmn)

    assert problems_of(catalogue) == []
    assert "P02" in catalogue.procedures


def test_a_comment_inside_a_task_is_legal(tmp_path):
    draft = Draft(tmp_path).replace(
        "<bpmn:script>set_status(9)</bpmn:script>", "<!-- done --><bpmn:script>set_status(9)</bpmn:script>"
    )

    catalogue = load_draft(draft.bpmn)

    assert problems_of(catalogue) == []


def test_a_comment_in_a_subprocess_is_legal_too(tmp_path):
    draft = Draft(tmp_path).insert_before_review(
        "subProcess",
        "prepare",
        inner=(
            '<!-- inside --><bpmn:startEvent id="prepare_start"/><bpmn:endEvent id="prepare_end"/>'
            '<bpmn:sequenceFlow id="prepare_flow" sourceRef="prepare_start" targetRef="prepare_end"/>'
        ),
    )

    catalogue = load_draft(draft.bpmn)

    # (the subprocess's own elements have no shapes in this draft: only that is reported)
    assert {element for _f, element, _r in problems_of(catalogue)} == {"prepare_start", "prepare_end", "prepare_flow"}


def test_a_manual_task_outside_every_lane_is_reported_since_no_role_would_get_it(tmp_path):
    draft = Draft(tmp_path).insert_before_review("manualTask", "prepare_file")
    draft.replace("<bpmn:flowNodeRef>prepare_file</bpmn:flowNodeRef>", "")

    [(file, element, reason)] = problems_of(load_draft(draft.bpmn))

    assert (file, element) == ("P02.bpmn", "prepare_file")
    assert "manual task is not in a lane" in reason and "role" in reason


def test_a_manual_task_in_a_lane_may_be_named_by_paths_and_needs_no_form(tmp_path):
    draft = Draft(tmp_path).insert_before_review("manualTask", "prepare_file")
    draft.replace_in_metadata(
        "      - {task: collect_review", "      - {task: prepare_file}\n      - {task: collect_review"
    )

    catalogue = load_draft(draft.bpmn)

    assert problems_of(catalogue) == []


def test_a_process_calling_itself_is_reported_on_the_call_activity(tmp_path):
    draft = Draft(tmp_path).replace('calledElement="shared_approval"', 'calledElement="P02"')

    [(file, element, reason)] = problems_of(load_draft(draft.bpmn))

    assert (file, element) == ("P02.bpmn", "approval")
    assert "calls process 'P02'" in reason and "cycle P02 -> P02" in reason


def test_a_call_cycle_through_a_called_process_beside_the_draft_is_reported(tmp_path):
    draft = Draft(tmp_path)
    approval = (BPMN_DIR / "shared" / "approval.bpmn").read_text("utf-8")
    approval = approval.replace(
        '<bpmn:userTask id="leader_approval" name="Xem xét, ký duyệt kết quả">',
        '<bpmn:callActivity id="leader_approval" name="Thẩm định lại từ đầu" calledElement="P02">',
    ).replace("</bpmn:userTask>", "</bpmn:callActivity>")
    (tmp_path / "approval.bpmn").write_text(approval, encoding="utf-8")

    problems = problems_of(load_draft(draft.bpmn))

    assert [(f, e) for f, e, _r in problems] == [("approval.bpmn", "leader_approval")]
    assert "cycle P02 -> shared_approval -> P02" in problems[0][2]


def test_a_missing_called_process_is_named_with_the_processes_there_are(tmp_path):
    draft = Draft(tmp_path).replace('calledElement="shared_approval"', 'calledElement="shared_aproval"')

    [(file, element, reason)] = problems_of(load_draft(draft.bpmn))

    assert (file, element) == ("P02.bpmn", "approval")
    assert reason.startswith("call activity approval calls process 'shared_aproval', which no diagram defines")
    assert "shared_approval" in reason
    assert "not executable" not in reason


def test_a_user_task_without_the_withdrawal_boundary_event_is_reported(tmp_path):
    draft = Draft(tmp_path).insert_before_review("userTask", "second_review", withdrawal=False)
    draft.replace_in_metadata(
        "tasks:\n",
        "tasks:\n  second_review:\n    fields:\n"
        "      - {name: note, type: text, required: false, label: {vi: Ghi chú, en: Note}}\n",
    )

    [(file, element, reason)] = problems_of(load_draft(draft.bpmn))

    assert (file, element) == ("P02.bpmn", "second_review")
    assert "cannot be withdrawn" in reason and "boundary event" in reason and "'withdrawal_requested'" in reason


def test_every_waiting_step_before_the_result_needs_the_withdrawal_but_the_steps_after_do_not(tmp_path):
    draft = Draft(tmp_path).replace(
        '<bpmn:message id="message_withdrawal_requested" name="withdrawal_requested" />',
        '<bpmn:message id="message_withdrawal_requested" name="withdrawal_requested" />\n'
        '  <bpmn:message id="message_other" name="other" />',
    )
    # a boundary event for another message does not let the applicant withdraw
    for step in ("processing_supplement", "approval"):
        draft.replace(
            f'id="withdrawal_at_{step}_definition" messageRef="message_withdrawal_requested"',
            f'id="withdrawal_at_{step}_definition" messageRef="message_other"',
        )

    problems = problems_of(load_draft(draft.bpmn))

    # result_return comes after set_status(9): a dossier there has its result and is not withdrawn
    assert sorted((f, e) for f, e, _r in problems) == [("P02.bpmn", "approval"), ("P02.bpmn", "processing_supplement")]
    assert all("a dossier waiting in this call activity cannot be withdrawn" in r for _f, _e, r in problems)


def test_a_new_element_without_shapes_is_reported(tmp_path):
    draft = Draft(tmp_path).insert_before_review("manualTask", "prepare_file", shapes=False)

    problems = problems_of(load_draft(draft.bpmn))

    assert sorted((f, e) for f, e, _r in problems) == [
        ("P02.bpmn", "flow_prepare_file_to_review"),
        ("P02.bpmn", "flow_withdrawal_at_prepare_file"),
        ("P02.bpmn", "prepare_file"),
        ("P02.bpmn", "withdrawal_at_prepare_file"),
    ]
    assert all(
        r.startswith("has no shape in the diagram (") and r.endswith("an editor cannot show it") for *_, r in problems
    )


def test_a_draft_brings_its_own_called_process_with_its_forms(tmp_path):
    draft = Draft(tmp_path)
    for name, folder in (("approval.bpmn", BPMN_DIR / "shared"), ("approval.yaml", WORKFLOWS_DIR / "shared")):
        text = (folder / name).read_text("utf-8").replace("leader_approval", "leader_signing")
        (tmp_path / name).write_text(text, encoding="utf-8")
    text = draft.yaml.read_text("utf-8").replace("task: leader_approval", "task: leader_signing")
    draft.yaml.write_text(text, encoding="utf-8")

    catalogue = load_draft(draft.bpmn)

    assert problems_of(catalogue) == []
    loaded = catalogue.procedures["P02"]
    assert "leader_signing" in loaded.meta.tasks and "leader_approval" not in loaded.meta.tasks
    assert "approval.bpmn" in loaded.sources and "shared/approval.bpmn" not in loaded.sources


def test_other_drafts_of_the_same_procedure_beside_a_draft_are_left_alone(tmp_path):
    draft = Draft(tmp_path)
    shutil.copy(draft.bpmn, tmp_path / "P02_old.bpmn")
    (tmp_path / "notes.bpmn").write_text("not a diagram <", encoding="utf-8")

    catalogue = load_draft(draft.bpmn)

    assert problems_of(catalogue) == []


def test_a_broken_called_process_beside_a_draft_is_reported_on_its_own_file(tmp_path):
    draft = Draft(tmp_path)
    approval = (BPMN_DIR / "shared" / "approval.bpmn").read_text("utf-8")
    approval = approval.replace(
        '<bpmn:userTask id="leader_approval"', '<bpmn:task id="forgotten" />\n    <bpmn:userTask id="leader_approval"'
    )
    (tmp_path / "approval.bpmn").write_text(approval, encoding="utf-8")

    problems = problems_of(load_draft(draft.bpmn))

    assert ("approval.bpmn", "forgotten", "no path from the start event reaches this element") in problems
