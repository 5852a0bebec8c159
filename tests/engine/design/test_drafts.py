"""Designers' drafts (engine.design.drafts), on SQLite and PostgreSQL: started, saved, checked,
test-run and deployed only when the exact content passed; bad input refused with nothing changed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.data.models import Dossier, Draft, Procedure, ProcedureVersion
from engine.design.drafts import DraftRefused, Studio
from engine.errors import NotFound
from engine.people.officers import Actor, add_user
from tests.draft_diagrams import Draft as DraftFiles
from tests.helpers import P02_APPLICATION


@pytest.fixture
def studio(runtime) -> Studio:
    return Studio(runtime)


@pytest.fixture
def author(runtime) -> int:
    with runtime.db.write() as session:
        return add_user(session, "an.thietke", "Nguyễn Văn An").id


def _live(runtime, code="P02") -> int:
    with runtime.db.read() as session:
        return session.get(Procedure, code).current_version_id


def _drafts(runtime) -> int:
    with runtime.db.read() as session:
        return session.scalar(select(func.count(Draft.id)))


def test_a_draft_from_the_files_checks_clean_and_its_paths_pass(studio, author):
    draft_id = studio.start_from_files("P02", author)
    assert studio.validate(draft_id) == []
    run = studio.test_run(draft_id)
    assert run.problems == [] and len(run.paths) == 11 and all(p.ok for p in run.paths)
    assert run.deployable and studio.get(draft_id).tested


def test_only_the_tested_content_deploys(studio, author, runtime):
    draft_id = studio.start_from_files("P02", author)
    live = _live(runtime)
    with pytest.raises(DraftRefused, match="every declared path"):
        studio.deploy(draft_id, author)
    studio.test_run(draft_id)
    detail = studio.get(draft_id)
    # saved over after the test run, with a renamed task: the gate closes again
    studio.save(draft_id, detail.bpmn.replace("Thẩm định đăng ký", "Thẩm định hồ sơ", 1), detail.meta_yaml)
    assert not studio.get(draft_id).tested
    with pytest.raises(DraftRefused):
        studio.deploy(draft_id, author)
    assert _live(runtime) == live

    studio.test_run(draft_id)
    result = studio.deploy(draft_id, author)
    assert result.new and result.version_id != live and _live(runtime) == result.version_id
    shown = studio.get(draft_id)
    assert shown.deployed_version_id == result.version_id and shown.deployed_by == "Nguyễn Văn An"
    (row,) = [p for p in studio.overview() if p.code == "P02"]
    assert [v.deployed_by for v in row.versions if v.id == result.version_id] == ["Nguyễn Văn An"]
    with pytest.raises(DraftRefused, match="deployed already"):
        studio.deploy(draft_id, author)


def test_redeploying_earlier_content_says_so_and_running_dossiers_keep_their_version(studio, author, runtime):
    before = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]))
    first = _live(runtime)
    changed = studio.start_from_files("P02", author)
    detail = studio.get(changed)
    studio.save(changed, detail.bpmn.replace("Thẩm định đăng ký", "Thẩm định hồ sơ", 1), detail.meta_yaml)
    studio.test_run(changed)
    second = studio.deploy(changed, author).version_id

    back = studio.start_from_version(first, author)
    assert studio.validate(back) == []
    studio.test_run(back)
    result = studio.deploy(back, author)
    assert (result.version_id, result.new) == (first, False)
    assert _live(runtime) == first != second
    with runtime.db.read() as session:
        assert session.get(ProcedureVersion, second).code == "P02"
        assert session.scalars(select(Dossier.version_id).where(Dossier.code == before)).one() == first


def test_new_user_task_without_withdrawal_boundary_or_shape_is_pointed_at(studio, author, tmp_path):
    draft_id = studio.start_from_files("P02", author)
    detail = studio.get(draft_id)
    edited = DraftFiles(tmp_path).insert_before_review("userTask", "extra_review", shapes=False, withdrawal=False)
    studio.save(draft_id, edited.bpmn.read_text("utf-8"), detail.meta_yaml)

    problems = studio.validate(draft_id)

    on_new = " | ".join(p.reason for p in problems if p.element == "extra_review")
    assert "no shape" in on_new and "no withdrawal boundary event" in on_new, on_new
    # the task the catalogue already had keeps its boundary: no complaint about it
    assert not [p for p in problems if p.element == "collect_review"]


def test_bad_input_is_refused_and_nothing_is_stored(studio, author, runtime):
    with pytest.raises(DraftRefused, match="too large"):
        studio.import_bpmn("P02", b"<a>" + b" " * studio.max_bytes, author)
    with pytest.raises(DraftRefused, match="well-formed"):
        studio.import_bpmn("P02", b"<bpmn:definitions", author)
    with pytest.raises(DraftRefused, match="UTF-8"):
        studio.import_bpmn("P02", "<định/>".encode("utf-16"), author)
    with pytest.raises(NotFound, match="P99"):
        studio.start_from_files("P99", author)
    with pytest.raises(NotFound, match=r"P02/\.\./x"):
        studio.start_from_files("P02/../x", author)
    with pytest.raises(DraftRefused, match="No version"):
        studio.start_from_version(999_999, author)
    assert _drafts(runtime) == 0
    draft_id = studio.start_from_files("P02", author)
    before = studio.get(draft_id)
    with pytest.raises(DraftRefused, match="not well-formed"):
        studio.save(draft_id, "<oops", before.meta_yaml)
    assert studio.get(draft_id).bpmn == before.bpmn


FOREIGN = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="Definitions_1"
    targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" exporterVersion="5.0.0">
  <bpmn:process id="Process_1" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"/>
    <bpmn:userTask id="Task_1" name="Review"/>
    <bpmn:endEvent id="End_1"/>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_1"/>
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_1" targetRef="End_1"/>
  </bpmn:process>
</bpmn:definitions>"""


def test_an_imported_diagram_gets_the_list_of_what_must_change(studio, author):
    imported = studio.import_bpmn("P02", FOREIGN.encode(), author)
    draft_id = imported.id
    # the importer's list comes back with the draft: here the task still needs a lane
    assert any(i.element == "Task_1" and not i.changed for i in imported.items), imported.items
    assert "process_id: P02" in studio.get(draft_id).meta_yaml  # the metadata points at its process
    problems = studio.validate(draft_id)
    on_task = {p.reason for p in problems if p.element == "Task_1"}
    assert any("not in a lane" in r for r in on_task) and any("no form fields" in r for r in on_task)
    assert any(p.where == "metadata" and p.element == "tasks.collect_review" for p in problems)
    assert {p.element for p in problems if "no shape" in p.reason} >= {"StartEvent_1", "Task_1", "Flow_1"}
