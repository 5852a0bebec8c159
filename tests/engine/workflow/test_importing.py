"""Importing diagrams written with other tools: what must change is listed against each element,
the draft is a diagram SpiffWorkflow reads and a metadata skeleton whose gaps `procedures validate`
points at; what cannot be read at all is refused with a reason, never a traceback."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest
import yaml
from lxml import etree

from engine.config import Settings
from engine.workflow.bpmn_specs import parse_sources
from engine.workflow.catalogue import load_catalogue
from engine.workflow.importing import import_report
from engine.workflow.metadata_schema import check_metadata_text

BPMN_DIR = Settings().bpmn_dir
WORKFLOWS_DIR = Settings().workflows_dir
FOREIGN = Path(__file__).resolve().parents[2] / "fixtures" / "foreign"
ROLES = yaml.safe_load((WORKFLOWS_DIR / "roles.yaml").read_text("utf-8"))["roles"]
SHARED = {"shared_reception", "shared_approval", "shared_withdrawal"}


def imported(name: str, code: str = "X20"):
    return import_report((FOREIGN / name).read_bytes(), ROLES, code, SHARED)


def items_of(report, changed: bool | None = None) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for item in report.items:
        if changed is None or item.changed == changed:
            found.setdefault(item.element, []).append(item.message)
    return found


def has(messages: list[str], *words: str) -> bool:
    return any(all(w in m for w in words) for m in messages)


# --- a diagram from SpiffWorkflow's own tests ------------------------------------------------------


def test_spiffworkflows_lanes_diagram_gets_a_list_pointed_at_its_elements():
    report = imported("lanes.bpmn")
    todo, changed = items_of(report, changed=False), items_of(report, changed=True)

    for lane, name in (("A_id", "A"), ("B_id", "B"), ("Lane_03noz08", "C")):
        assert has(todo[lane], f"lane '{name}' is not an officer role", "desk (One-stop desk)"), todo[lane]
    for task in ("Activity_A1", "Activity_B1", "Activity_A2"):
        assert has(todo[task], "1 Camunda form field(s) are stubs", f"tasks.{task} in X20.yaml"), todo[task]
        assert has(todo[task], "no withdrawal boundary event", f"withdrawal_at_{task}", "bpmn/P02.bpmn")
        assert has(changed[task], "Camunda settings removed (formKey)")
    for task in ("Implement_Feature", "Activity_1uksrqx", "SubProcessTask"):  # manual tasks
        assert has(changed[task], "a manual task is an officer's work: it is now a user task")
        assert has(todo[task], "user task without form fields", f"tasks.{task}")
    assert has(changed["lanes"], "the process id is now the procedure's code, X20")
    # the subprocess sits in lane C, so its task does too; every element has its shape
    assert not any("not in a lane" in m or "no shape" in m for ms in todo.values() for m in ms), todo


def test_the_draft_is_a_diagram_spiffworkflow_reads_without_camunda():
    report = imported("lanes.bpmn")

    parsed = parse_sources({"X20.bpmn": report.draft_bpmn}, "X20")

    user_tasks = {ts.bpmn_id for _spec, ts in parsed.iter_task_specs() if type(ts).__name__ == "UserTask"}
    assert user_tasks == {"Activity_A1", "Activity_B1", "Activity_A2", "Implement_Feature", "Activity_1uksrqx"} | {
        "SubProcessTask"
    }
    assert "camunda" not in report.draft_bpmn


def test_the_skeleton_points_at_what_to_fill_in_and_once_filled_the_draft_loads(tmp_path):
    report = imported("lanes.bpmn")
    problems = check_metadata_text(report.draft_yaml, "X20.yaml")

    assert all(p.line for p in problems)
    elements = {re.sub(r" \(.*\)$", "", p.element) for p in problems}
    assert {"name", "limit.days", "paths.main", "tasks.Activity_A1.fields[0]", "tasks.Implement_Feature.fields[0]"} <= (
        elements
    ), problems

    # the designer fills in the Vietnamese, the limit, and names the lanes by roles
    (tmp_path / "X20.yaml").write_text(
        report.draft_yaml.replace('"vi": ""', '"vi": "Việt"')
        .replace('vi: ""', 'vi: "Việt"')
        .replace("days: 0", "days: 5")
    )
    diagram = report.draft_bpmn
    for lane, role in (('name="A"', "desk"), ('name="B"', "collection"), ('name="C"', "leadership")):
        diagram = diagram.replace(lane, f'name="{role}"')
    (tmp_path / "X20.bpmn").write_text(diagram)

    catalogue = load_catalogue(BPMN_DIR, WORKFLOWS_DIR, only=[tmp_path / "X20.bpmn"])

    # what is left is what the report listed and the importer cannot draw: the withdrawal events
    missing_withdrawal = {i.element for i in report.to_change if "no withdrawal boundary event" in i.message}
    assert missing_withdrawal
    assert catalogue.problems and all("cannot be withdrawn" in p.reason for p in catalogue.problems), [
        str(p) for p in catalogue.problems
    ]
    assert missing_withdrawal & {p.element for p in catalogue.problems}


# --- a Camunda-style diagram ----------------------------------------------------------------------


def test_a_camunda_diagram_gets_every_difference_named():
    report = imported("camunda_leave.bpmn", code="X21")
    todo, changed = items_of(report, changed=False), items_of(report, changed=True)

    assert has(changed["Collaboration_leave"], "2 pools and 1 message flow(s)", "dropped")
    assert has(changed["Process_leave"], "not executable; it is marked executable")
    assert has(changed["Lane_leaders"], "lane 'Lãnh đạo' is named by its role's code, 'leadership'")
    assert has(todo["Lane_review"], "lane 'Phong Thu' is not an officer role; did you mean 'collection'")
    assert has(todo["Lane_accounts"], "lane 'Kho bạc' is not an officer role; name it with a role code")
    assert has(todo["Task_review"], "2 Camunda form field(s) are stubs")
    assert has(changed["Task_review"], "assignee, candidateGroups", "who does a task is the role of its lane")
    assert has(todo["Task_approve"], "user task without form fields")
    assert has(todo["Task_approve"], "no withdrawal boundary event")
    assert has(todo["Task_score"], "a groovy script: Motcua runs Python scripts")
    assert has(todo["Task_check"], "script refused: import is not allowed")
    assert has(todo["Gateway_ok"], "exclusive gateway without a default flow")
    assert has(todo["Flow_yes"], "Camunda (JUEL) expression; write it in Python: outcome == 'approve'")
    assert has(todo["Flow_no"], "condition refused", "'__class__'")
    assert has(changed["Timer_wait"], "timer PT5M", "'PT5M', in quotes")
    assert has(todo["Task_notify"], "serviceTask (camunda:class vn.example.Notify): Motcua runs no service tasks")
    assert has(todo["Call_billing"], "calls process 'billing', which is neither a shared step")
    assert has(todo["Send_letter"], "Motcua runs no send tasks")
    assert has(todo["Send_letter"], "has no shape in the diagram")

    draft = report.draft_bpmn
    assert "Participant_applicant" not in draft and "MessageFlow_request" not in draft
    assert 'name="leadership"' in draft and 'isExecutable="true"' in draft and "'PT5M'" in draft
    stubs = yaml.safe_load(report.draft_yaml)["tasks"]["Task_review"]["fields"]
    assert [(f["name"], f["type"], f.get("choices")) for f in stubs] == [
        ("days_off", "integer", None),
        ("outcome", "choice", ["approve", "reject"]),
    ]


def test_no_lanes_and_a_call_to_itself_are_named():
    text = (BPMN_DIR / "P02.bpmn").read_text("utf-8")
    text = re.sub(r"<bpmn:laneSet.*?</bpmn:laneSet>", "", text, flags=re.S)
    text = text.replace('calledElement="shared_approval"', 'calledElement="P02"')

    report = import_report(text.encode(), ROLES, "P02", SHARED | {"shared_processing_supplement"})
    todo = items_of(report, changed=False)

    assert has(todo["P02"], "no lanes: every user task must sit in a lane")
    assert has(todo["approval"], "calls its own process: a dossier would never end")


def test_what_spiffworkflows_parser_refuses_is_named_on_its_element():
    text = (FOREIGN / "lanes.bpmn").read_text("utf-8")
    text = text.replace('<bpmn:startEvent id="StartEvent_1">', '<bpmn:startEvent id="StartEvent_1"><bpmn:foo/>')

    report = import_report(text.encode(), ROLES, "X20", SHARED)

    assert has(items_of(report)["StartEvent_1"], "SpiffWorkflow cannot run it (line 25): Element 'bpmn:foo'")


def test_a_spiff_service_task_and_several_processes():
    text = (FOREIGN / "lanes.bpmn").read_text("utf-8")
    text = text.replace(
        '<bpmn:manualTask id="Activity_1uksrqx" name="Send to testing">',
        '<bpmn:serviceTask id="Activity_1uksrqx" name="Send to testing"><bpmn:extensionElements>'
        '<spiffworkflow:serviceTaskOperator id="http/PostRequest" /></bpmn:extensionElements>',
    ).replace("</bpmn:manualTask>\n    <bpmn:endEvent", "</bpmn:serviceTask>\n    <bpmn:endEvent")
    text = text.replace(
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
        'xmlns:camunda="http://camunda.org/schema/1.0/bpmn" xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"',
    )
    text = text.replace(
        "  <bpmndi:BPMNDiagram",
        '  <bpmn:process id="helper" isExecutable="true"><bpmn:startEvent id="helper_start"/></bpmn:process>\n'
        "  <bpmndi:BPMNDiagram",
    )

    report = import_report(text.encode(), ROLES, "X20", SHARED)
    todo, changed = items_of(report, changed=False), items_of(report, changed=True)

    assert has(todo["Activity_1uksrqx"], "serviceTask (operator 'http/PostRequest'): Motcua runs no service tasks")
    assert has(changed["lanes"], "the file holds 2 processes", "helper dropped")
    assert "helper" not in report.draft_bpmn


# --- what cannot be read --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00garbage", "cannot read the file: line 1: not well-formed XML"),
        (b"", "cannot read the file: the file is empty"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>', "not a BPMN 2.0 diagram: the document is <svg>"),
        (
            b'<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"/>',
            "not a BPMN 2.0 diagram: the document is <definitions> (https://www.omg.org/spec/DMN/20191111/MODEL/)",
        ),
        (b'<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>', "the file holds no process"),
        (b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n<x>&e;</x>', "line 2"),
        (
            b"<x>" + b"a" * (2 * 1024 * 1024) + b"</x>",
            "the file is 2.0 MB; a diagram or decision table may have at most",
        ),
    ],
    ids=["garbage", "empty", "svg", "dmn", "no-process", "doctype", "too-big"],
)
def test_what_cannot_be_read_is_refused_with_a_reason(data, words):
    started = time.perf_counter()
    report = import_report(data, ROLES, "X20", SHARED)

    assert report.draft_bpmn is None and report.draft_yaml is None
    [item] = report.items
    assert words in item.message, item.message
    assert time.perf_counter() - started < 1.0


def test_a_bad_code_is_refused():
    report = import_report((FOREIGN / "lanes.bpmn").read_bytes(), ROLES, "../X 1", SHARED)

    assert report.draft_bpmn is None
    assert "the code '../X 1' must start with a letter" in report.items[0].message


def test_no_cut_of_a_diagram_raises():
    """Whatever part of a diagram arrives (an upload cut short), the answer is a report."""
    text = (FOREIGN / "camunda_leave.bpmn").read_bytes()
    for end in range(0, len(text), 211):
        report = import_report(text[:end], ROLES, "X20", SHARED)
        assert report.items


@pytest.mark.parametrize("name", ["lanes.bpmn", "camunda_leave.bpmn"])
def test_no_damaged_diagram_raises(name):
    """Elements and attributes taken out at random (seeded): always a report, never an exception."""
    original = (FOREIGN / name).read_bytes()
    for seed in range(60):
        rnd = random.Random(seed)
        root = etree.fromstring(original)
        elements = [e for e in root.iter() if isinstance(e.tag, str) and e.getparent() is not None]
        for element in rnd.sample(elements, 4):
            if element.attrib and rnd.random() < 0.5:
                del element.attrib[rnd.choice(list(element.attrib))]
            elif element.getparent() is not None:
                element.getparent().remove(element)
        report = import_report(etree.tostring(root), ROLES, "X20", SHARED)
        assert report.items, seed
