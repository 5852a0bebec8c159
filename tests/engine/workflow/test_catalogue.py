"""The procedure catalogue: the real diagrams and metadata load cleanly, and a broken procedure is
rejected with the file, the element id and a reason a process designer can act on.

Broken procedures are kept in tests/fixtures/broken/ (a diagram and its metadata beside it). Each is
tests/fixtures/minimal/X01 with one thing wrong, and each is loaded the way `motcua procedures
validate <file>` loads a draft: against the real catalogue's roles and shared steps.
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest

from engine.config import Settings
from engine.workflow.catalogue import Catalogue, load_catalogue
from engine.workflow.metadata import RECEPTION, RETURN, read_procedure

BPMN_DIR = Settings().bpmn_dir
WORKFLOWS_DIR = Settings().workflows_dir
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
MINIMAL = FIXTURES / "minimal" / "X01.bpmn"
BROKEN = FIXTURES / "broken"

P02_TASKS = {
    "reception_check",
    "reception_recheck",  # shared/reception
    "collect_review",  # P02's own
    "leader_approval",  # shared/approval
    "counter_handover",
    "postal_dispatch",
    "delivery_failed_followup",  # shared/result_return
}


def load_draft(path: Path) -> Catalogue:
    return load_catalogue(BPMN_DIR, WORKFLOWS_DIR, only=[path])


def listed(catalogue: Catalogue) -> str:
    return "\n".join(str(p) for p in catalogue.problems) or "(no problems)"


def copy_catalogue(tmp_path: Path) -> tuple[Path, Path]:
    bpmn, workflows = tmp_path / "bpmn", tmp_path / "workflows"
    shutil.copytree(BPMN_DIR, bpmn)
    shutil.copytree(WORKFLOWS_DIR, workflows)
    return bpmn, workflows


# --- the real catalogue ------------------------------------------------------------------------


def test_the_real_catalogue_loads_without_problems():
    catalogue = load_catalogue(BPMN_DIR, WORKFLOWS_DIR)

    assert catalogue.problems == [], listed(catalogue)
    assert "P02" in catalogue.procedures
    assert {"desk", "collection", "leadership"} <= set(catalogue.roles)


def test_p02_has_its_limit_and_the_forms_of_its_shared_steps():
    p02 = load_catalogue(BPMN_DIR, WORKFLOWS_DIR).procedures["P02"]

    assert (p02.meta.limit_days, p02.meta.limit_unit) == (5, "working")
    assert p02.meta.name.vi == "Đăng ký đóng bảo hiểm xã hội tự nguyện"
    assert p02.meta.name.en == "Voluntary social-insurance registration"
    assert set(p02.meta.tasks) >= P02_TASKS

    reception_check = {f.name: f for f in p02.meta.tasks["reception_check"]}
    assert [c.value for c in reception_check["decision"].choices] == ["accept", "supplement", "refuse"]
    assert reception_check["missing_documents"].required_if == {"decision": "supplement"}
    leader_approval = {f.name: f for f in p02.meta.tasks["leader_approval"]}
    assert [c.value for c in leader_approval["decision"].choices] == ["approve", "send_back"]
    assert [f.name for f in p02.meta.tasks["collect_review"]][:3] == [
        "household_category",
        "monthly_income",
        "support_checked",
    ]

    # The deployed version keeps the merged forms too, and the diagrams of every step P02 calls.
    assert set(p02.raw_meta["tasks"]) >= P02_TASKS
    assert set(p02.sources) == {
        "P02.bpmn",
        "shared/reception.bpmn",
        "shared/approval.bpmn",
        "shared/result_return.bpmn",
        "shared/processing_supplement.bpmn",
        "shared/withdrawal.bpmn",
        "dmn/p02_state_support.dmn",
    }


def test_the_deployed_metadata_reads_back_to_the_forms_that_were_validated():
    p02 = load_catalogue(BPMN_DIR, WORKFLOWS_DIR).procedures["P02"]

    deployed, problems = read_procedure(p02.raw_meta, "deployed P02")  # as engine/workflow/versions.py reads it

    assert problems == []
    assert deployed.tasks == p02.meta.tasks


def test_a_procedure_form_for_a_shared_task_means_the_same_when_validated_and_when_deployed(tmp_path):
    shutil.copy(MINIMAL, tmp_path / "X01.bpmn")
    own_form = (
        "  leader_approval:\n    fields:\n"
        "      - {name: decision, type: choice, required: true, choices: [approve, send_back, escalate],\n"
        '         label: {vi: "Ý kiến", en: "Decision"}}\n'
    )
    text = MINIMAL.with_suffix(".yaml").read_text("utf-8").replace("paths:\n", own_form + "paths:\n")
    (tmp_path / "X01.yaml").write_text(text, encoding="utf-8")

    catalogue = load_draft(tmp_path / "X01.bpmn")
    assert catalogue.problems == [], listed(catalogue)
    x01 = catalogue.procedures["X01"]
    deployed, _ = read_procedure(x01.raw_meta, "deployed X01")

    assert deployed.tasks["leader_approval"] == x01.meta.tasks["leader_approval"]


def test_the_version_hash_depends_on_the_content_only(tmp_path):
    first = load_catalogue(BPMN_DIR, WORKFLOWS_DIR).procedures["P02"].content_hash
    second = load_catalogue(BPMN_DIR, WORKFLOWS_DIR).procedures["P02"].content_hash
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert first == second

    bpmn, workflows = copy_catalogue(tmp_path)
    assert load_catalogue(bpmn, workflows).procedures["P02"].content_hash == first  # same text elsewhere


def test_editing_a_shared_diagram_gives_a_new_version_hash(tmp_path):
    bpmn, workflows = copy_catalogue(tmp_path)
    before = load_catalogue(bpmn, workflows).procedures["P02"].content_hash

    approval = bpmn / "shared" / "approval.bpmn"
    text, renamed = re.subn(
        r'(<bpmn:userTask id="leader_approval" name=")[^"]*"', r'\1Lãnh đạo ký duyệt"', approval.read_text("utf-8")
    )
    assert renamed == 1
    approval.write_text(text, encoding="utf-8")

    after = load_catalogue(bpmn, workflows)
    assert after.problems == [], listed(after)
    assert after.procedures["P02"].content_hash != before


def test_a_catalogue_loaded_again_reads_the_changed_files_anew_and_each_load_is_its_own(tmp_path):
    """Parsed diagrams and checked metadata are kept per process by their text: an edited file
    must still be read afresh, and what one caller changes must not show in the next load."""
    bpmn, workflows = copy_catalogue(tmp_path)
    first = load_catalogue(bpmn, workflows).procedures["P02"]
    assert first.parsed.spec.task_specs["collect_review"].bpmn_name == "Thẩm định đăng ký, xác định mức hỗ trợ"

    diagram = bpmn / "P02.bpmn"
    diagram.write_text(
        diagram.read_text("utf-8").replace('name="Thẩm định đăng ký, xác định mức hỗ trợ"', 'name="Xem xét"'), "utf-8"
    )
    metadata = workflows / "P02.yaml"
    metadata.write_text(
        metadata.read_text("utf-8").replace('en: "Voluntary social-insurance registration"', 'en: "Voluntary"'), "utf-8"
    )
    again = load_catalogue(bpmn, workflows)

    assert again.problems == [], listed(again)
    p02 = again.procedures["P02"]
    assert p02.parsed.spec.task_specs["collect_review"].bpmn_name == "Xem xét"
    assert (p02.meta.name.en, p02.raw_meta["name"]["en"]) == ("Voluntary", "Voluntary")
    assert p02.content_hash != first.content_hash

    load_catalogue(BPMN_DIR, WORKFLOWS_DIR).procedures["P02"].raw_meta["name"]["en"] = "changed by a caller"
    unchanged = load_catalogue(BPMN_DIR, WORKFLOWS_DIR).procedures["P02"]
    assert unchanged.raw_meta["name"]["en"] == "Voluntary social-insurance registration"


# --- broken procedures -------------------------------------------------------------------------


def test_the_minimal_procedure_the_broken_ones_are_made_from_is_valid():
    catalogue = load_draft(MINIMAL)

    assert catalogue.problems == [], listed(catalogue)
    assert list(catalogue.procedures) == ["X01"]
    # leader_approval is the real shared approval step, with its form from workflows/shared/
    assert set(catalogue.procedures["X01"].meta.tasks) == {"desk_check", "leader_approval"}


REJECTED = [
    # fixture, file reported, element reported, words in the reason
    pytest.param(
        "user_task_without_lane",
        "user_task_without_lane.bpmn",
        "desk_check",
        ["not in a lane"],
        id="user task with no lane",
    ),
    pytest.param(
        "lane_unknown_role",
        "lane_unknown_role.bpmn",
        "desk_check",
        ["'reception'", "not a known role"],
        id="lane naming an unknown role",
    ),
    pytest.param("unreachable_end", "unreachable_end.bpmn", "end_forgotten", ["reach"], id="unreachable end event"),
    pytest.param(
        "flow_to_nothing",
        "flow_to_nothing.bpmn",
        "flow_refuse",
        ["set_rejected", "not in the diagram"],
        id="flow to nothing",
    ),
    pytest.param(
        "gateway_without_default",
        "gateway_without_default.bpmn",
        "check_gateway",
        ["no default flow"],
        id="exclusive gateway with no default flow",
    ),
    pytest.param(
        "gateway_default_not_marked",
        "gateway_default_not_marked.bpmn",
        "flow_refuse",
        ["without condition"],
        id="unconditioned flow not marked as the default",
    ),
    pytest.param(
        "script_imports_os",
        "script_imports_os.bpmn",
        "set_submitted",
        ["script refused", "import"],
        id="script task importing os",
    ),
    pytest.param(
        "condition_uses_class",
        "condition_uses_class.bpmn",
        "check_gateway",
        ["condition refused", "__class__"],
        id="condition using __class__",
    ),
    pytest.param(
        "user_task_without_fields",
        "user_task_without_fields.bpmn",
        "desk_check",
        ["no form fields"],
        id="user task with no fields in the metadata",
    ),
    pytest.param(
        "metadata_unknown_task",
        "metadata_unknown_task.yaml",
        "tasks.desk_review",
        ["no user task"],
        id="metadata naming a task not in the diagram",
    ),
    pytest.param(
        "path_unknown_task",
        "path_unknown_task.yaml",
        "paths.approved.steps[0]",
        ["no user task", "'desk_checking'"],
        id="path step naming an unknown task",
    ),
    pytest.param(
        "path_unknown_message",
        "path_unknown_message.yaml",
        "paths.approved.steps[1]",
        ["waits for no message", "'supplement_received'"],
        id="path step naming a message never waited for",
    ),
    pytest.param(
        "bad_limit_and_field_type",
        "bad_limit_and_field_type.yaml",
        "limit.days",
        ["positive", "not 0"],
        id="limit of 0 days",
    ),
    pytest.param(
        "bad_limit_and_field_type",
        "bad_limit_and_field_type.yaml",
        "tasks.desk_check.fields[1] (note)",
        ["unknown field type 'textarea'"],
        id="unknown field type",
    ),
    pytest.param(
        "no_metadata", "no_metadata.bpmn", "", ["no metadata", "no_metadata.yaml"], id="diagram without metadata"
    ),
]


@pytest.mark.parametrize("fixture, file, element, words", REJECTED)
def test_a_broken_procedure_is_rejected_with_file_element_and_reason(fixture, file, element, words):
    catalogue = load_draft(BROKEN / f"{fixture}.bpmn")

    assert "X01" not in catalogue.procedures, f"{fixture} was accepted"
    found = [p for p in catalogue.problems if Path(p.file).name == file and p.element == element]
    assert found, f"expected a problem at {file}: {element!r}, got:\n{listed(catalogue)}"
    for word in words:
        assert word in found[0].reason, found[0]
    # Nothing is blamed on the real catalogue's files.
    assert all(Path(p.file).stem == fixture for p in catalogue.problems), listed(catalogue)


def test_malformed_xml_is_rejected_with_the_line():
    catalogue = load_draft(BROKEN / "malformed_xml.bpmn")

    assert catalogue.procedures == {}
    [problem] = catalogue.problems
    assert Path(problem.file).name == "malformed_xml.bpmn"
    assert re.fullmatch(r"line \d+", problem.element), problem
    assert "not well-formed XML" in problem.reason
    assert "userTask line 28" in problem.reason  # the tag left open


def test_every_broken_fixture_is_tested():
    tested = {param.values[0] for param in REJECTED} | {"malformed_xml"}
    assert {p.stem for p in BROKEN.glob("*.bpmn")} == tested


def test_one_broken_procedure_does_not_stop_the_others_loading(tmp_path):
    bpmn, workflows = copy_catalogue(tmp_path)
    shutil.copy(BROKEN / "user_task_without_lane.bpmn", bpmn / "X01.bpmn")
    shutil.copy(BROKEN / "user_task_without_lane.yaml", workflows / "X01.yaml")
    shutil.copy(BROKEN / "malformed_xml.bpmn", bpmn / "X02.bpmn")
    x02 = (BROKEN / "malformed_xml.yaml").read_text("utf-8").replace("code: X01", "code: X02")
    (workflows / "X02.yaml").write_text(x02, encoding="utf-8")

    catalogue = load_catalogue(bpmn, workflows)

    assert "X01" not in catalogue.procedures and "X02" not in catalogue.procedures
    assert set(catalogue.procedures) == set(load_catalogue(BPMN_DIR, WORKFLOWS_DIR).procedures)
    assert catalogue.procedures["P02"].content_hash == (
        load_catalogue(BPMN_DIR, WORKFLOWS_DIR).procedures["P02"].content_hash
    )
    assert sorted((Path(p.file).name, p.element) for p in catalogue.problems) == [
        ("X01.bpmn", "desk_check"),
        ("X02.bpmn", "line 66"),
    ], listed(catalogue)


def test_declared_paths_are_run_to_their_end_and_a_wrong_one_is_reported(tmp_path):
    from engine.design.simulation import check_paths

    shutil.copy(MINIMAL, tmp_path / "X01.bpmn")
    text = MINIMAL.with_suffix(".yaml").read_text("utf-8")
    text = text.replace("    expect_status: 10", "    expect_status: 3", 1)
    text += (
        "  stuck:\n"
        '    description: {vi: "Thiếu bước", en: "A step that never comes"}\n'
        '    start: {full_name: "Nguyễn Văn An"}\n'
        "    steps:\n"
        "      - {task: leader_approval, data: {decision: approve}}\n"
        "    expect_status: 10\n"
    )
    (tmp_path / "X01.yaml").write_text(text, encoding="utf-8")
    catalogue = load_draft(tmp_path / "X01.bpmn")
    assert catalogue.problems == [], listed(catalogue)

    problems = {p.element: p for p in check_paths(catalogue)}

    assert set(problems) == {"paths.approved", "paths.stuck"}
    assert "ended in status 10 Result returned, expected 3 Refused" in problems["paths.approved"].reason
    assert (
        "step 1: the path expects the task leader_approval (Xem xét, ký duyệt kết quả), but no such task is open; "
        "open tasks: desk_check (Kiểm tra hồ sơ) [desk]"
    ) in problems["paths.stuck"].reason
    assert problems["paths.stuck"].file.endswith("X01.yaml")


def test_a_path_states_the_data_it_expects_and_each_difference_is_reported(tmp_path):
    from engine.design.simulation import check_paths

    shutil.copy(MINIMAL, tmp_path / "X01.bpmn")
    text = MINIMAL.with_suffix(".yaml").read_text("utf-8")
    text = text.replace(
        "    expect_status: 10",
        '    expect_status: 10\n    expect_data: {full_name: "Nguyễn Văn An", decision: approve}',
        1,
    )
    text += (
        "  wrong_data:\n"
        '    description: {vi: "Số liệu khác", en: "Other data"}\n'
        '    start: {full_name: "Nguyễn Văn An"}\n'
        "    steps:\n"
        "      - {task: desk_check, data: {decision: accept}}\n"
        "      - {task: leader_approval, data: {decision: approve}}\n"
        "    expect_status: 10\n"
        "    expect_data: {decision: refuse, full_name: 1, payout_amount: 4_500_000}\n"
    )
    (tmp_path / "X01.yaml").write_text(text, encoding="utf-8")
    catalogue = load_draft(tmp_path / "X01.bpmn")
    assert catalogue.problems == [], listed(catalogue)
    assert catalogue.procedures["X01"].meta.paths["wrong_data"].expect_data["payout_amount"] == 4_500_000

    problems = check_paths(catalogue)

    assert [(p.element, p.file.endswith("X01.yaml")) for p in problems] == [("paths.wrong_data", True)]
    assert problems[0].reason == (
        "simulation: the dossier's data at the end: decision: expected 'refuse', got 'approve'; "
        "full_name: expected 1, got 'Nguyễn Văn An'; payout_amount: expected 4,500,000, not in the data"
    )


@pytest.mark.parametrize(
    "expect_data, element, words",
    [
        ([1, 2], "paths.p.expect_data", "maps names"),
        ({"amount": 1.5}, "paths.p.expect_data.amount", "whole number"),
        ({"born": date(2026, 10, 1)}, "paths.p.expect_data.born", "date in quotes"),
        ({"items": [1]}, "paths.p.expect_data.items", "not [1]"),
    ],
)
def test_a_malformed_expect_data_is_reported(expect_data, element, words):
    raw = {
        "code": "X09",
        "process_id": "X09",
        "name": {"vi": "Thử", "en": "Test"},
        "limit": {"days": 5, "unit": "working"},
        "paths": {"p": {"start": {}, "steps": [], "expect_status": 10, "expect_data": expect_data}},
    }
    _meta, problems = read_procedure(raw, "X09.yaml")
    assert [(p.element, words in p.reason) for p in problems] == [(element, True)], problems


@pytest.mark.parametrize(
    "limit, words",
    [
        ({"days": 5, "unit": "working", "steps": {"processing": 3, "approval": 1}}, "add up to 4 days, the limit is 5"),
        ({"days": 5, "unit": "working", "steps": {"review": 5}}, "maps steps"),
        ({"days": 5, "unit": "working", "on_supplement": "pause"}, "'resume' or 'restart'"),
    ],
)
def test_a_bad_split_of_the_limit_is_reported(limit, words):
    raw = {"code": "X09", "process_id": "X09", "name": {"vi": "Thử", "en": "Test"}, "limit": limit}
    _meta, problems = read_procedure(raw, "X09.yaml")
    assert any(words in p.reason for p in problems), problems


# --- task purposes -------------------------------------------------------------------------------


def test_the_tasks_the_pages_treat_specially_are_found_by_their_purpose():
    p02 = load_catalogue(BPMN_DIR, WORKFLOWS_DIR).procedures["P02"].meta

    assert p02.tasks_for("intake") == ("reception_check",)
    assert p02.tasks_for(*RECEPTION) == ("reception_check", "reception_recheck")
    assert set(p02.tasks_for(*RETURN)) == {"counter_handover", "postal_dispatch", "delivery_failed_followup"}
    assert p02.purpose_of("collect_review") is None


@pytest.mark.parametrize(
    "tasks, words",
    [
        ({"a": {"purpose": "lunch"}}, "unknown purpose 'lunch'"),
        ({"a": {"purpose": "intake"}, "b": {"purpose": "intake"}}, "purpose 'intake' is already the purpose"),
    ],
)
def test_a_wrong_purpose_is_reported(tasks, words):
    raw = {"code": "X09", "process_id": "X09", "name": {"vi": "Thử", "en": "Test"}, "limit": {"days": 5}}
    _meta, problems = read_procedure({**raw, "tasks": tasks}, "X09.yaml")
    assert any(words in p.reason for p in problems), problems


def test_a_procedure_cannot_give_a_shared_steps_purpose_to_a_task_of_its_own(tmp_path):
    bpmn, workflows = copy_catalogue(tmp_path)
    meta = (workflows / "P02.yaml").read_text("utf-8")
    (workflows / "P02.yaml").write_text(meta.replace("  collect_review:\n", "  collect_review:\n    purpose: intake\n"))

    catalogue = load_catalogue(bpmn, workflows)

    assert "P02" not in catalogue.procedures
    assert [(Path(p.file).name, p.element) for p in catalogue.problems] == [("P02.yaml", "tasks.collect_review")]
    assert "already served by a shared step" in catalogue.problems[0].reason


def test_the_payout_steps_path_is_made_from_each_paying_procedures_own_paths():
    catalogue = load_catalogue(BPMN_DIR, WORKFLOWS_DIR)
    paying = {code for code, p in catalogue.procedures.items() if "shared_payout" in p.parsed.subprocess_specs}
    assert paying == {f"P{n:02d}" for n in (*range(7, 17), 19, 20, 21, 22, 26, 27)}  # P22 refunds co-payments
    assert all("bank_silent" not in p.meta.paths for code, p in catalogue.procedures.items() if code not in paying)

    meta = catalogue.procedures["P10"].meta
    happy, silent = meta.paths["happy"], meta.paths["bank_silent"]
    assert [(s.kind, s.target) for s in happy.steps][-1] == ("message", "bank_confirmed")
    assert silent.steps[:-2] == happy.steps[:-1] and silent.start == happy.start
    assert [(s.kind, s.target) for s in silent.steps[-2:]] == [("wait", "P15D"), ("task", "payout_bank_followup")]
    assert silent.expect_status == happy.expect_status == 10
    assert silent.description.en.endswith("(made from path 'happy')")


def test_a_paying_procedure_with_no_path_to_make_the_shared_path_from_is_reported(tmp_path):
    bpmn, workflows = copy_catalogue(tmp_path)
    meta = (workflows / "P10.yaml").read_text("utf-8")
    (workflows / "P10.yaml").write_text(re.sub(r"(?m)^ +- \{message: bank_confirmed.*\n", "", meta), "utf-8")

    catalogue = load_catalogue(bpmn, workflows)

    assert "P10" not in catalogue.procedures
    assert [(Path(p.file).name, p.element) for p in catalogue.problems] == [("P10.yaml", "paths")]
    assert "gives every procedure calling it the path 'bank_silent'" in catalogue.problems[0].reason
    assert "{message: bank_confirmed}; no path here has it" in catalogue.problems[0].reason
