"""The in-process workflow cache: it never serves a workflow another process moved on from, and it
keeps running dossiers only (a finished one is read from the database if it is ever read again)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from SpiffWorkflow.util.task import TaskState

from engine.config import Settings
from engine.dossiers.service import DossierService
from engine.people.officers import Actor
from engine.runtime import Runtime
from engine.workflow.catalogue import load_catalogue
from tests.helpers import assert_state_roundtrips, do_task, open_task, seed_office

APPLICANT = Actor.applicant("Nguyễn Văn An")


def test_a_dossier_another_process_advanced_is_read_again(runtime, office, clock, catalogue):
    path = catalogue.procedures["P02"].meta.paths["happy"]
    first = runtime.dossiers
    code = first.start("P02", path.start, APPLICANT)
    dossier_id = first.get(code).id
    assert dossier_id in first.cached_dossiers()

    # another process (its own service and cache, the same database) takes the first step
    other = DossierService(runtime.db, clock, runtime.settings, runtime.versions)
    reception, review = path.steps[0], path.steps[1]
    task = open_task(runtime, code, reception.target)
    other.complete_task(task.id, office.by_role[task.role], reception.data)

    # the first process's copy is stale; the next step must run on the state the other one stored
    task = open_task(runtime, code, review.target)
    first.complete_task(task.id, office.by_role[task.role], review.data)
    completed = [e.data["task"] for e in first.history(code) if e.kind == "task_completed"]
    assert completed == [reception.target, review.target]
    assert first.workflow_data(code)["note"] == review.data["note"]
    assert [t.element_id for t in first.open_tasks(code)] == [path.steps[2].target]
    assert_state_roundtrips(runtime, code)


def test_a_finished_dossier_is_not_kept_in_memory(runtime, office, clock, catalogue):
    path = catalogue.procedures["P02"].meta.paths["happy"]
    code = runtime.dossiers.start("P02", path.start, APPLICANT)
    dossier_id = runtime.dossiers.get(code).id
    for step in path.steps:
        assert dossier_id in runtime.dossiers.cached_dossiers()  # running: kept between steps
        do_task(runtime, office, code, step.target, **step.data)

    assert runtime.dossiers.get(code).finished_at is not None
    assert dossier_id not in runtime.dossiers.cached_dossiers()
    # the finished dossier is still read whole, from the database
    assert runtime.dossiers.workflow_data(code)
    assert_state_roundtrips(runtime, code)


def test_the_open_tasks_kept_with_a_cached_workflow_match_its_state(runtime, office, catalogue):
    """An advance on a cached workflow starts from the open tasks the last advance left (no walk of
    the task tree): after each step, with the workflow served from memory, the dossier's open task
    rows are exactly the workflow's waiting user tasks as stored."""
    path = catalogue.procedures["P02"].meta.paths["post_failed_then_redelivered"]
    code = runtime.dossiers.start("P02", path.start, APPLICANT)
    dossier_id = runtime.dossiers.get(code).id
    for step in path.steps:
        assert dossier_id in runtime.dossiers.cached_dossiers()
        if step.kind == "task":
            task = open_task(runtime, code, step.target)
            runtime.dossiers.complete_task(task.id, office.by_role[task.role], dict(step.data))
        else:
            runtime.dossiers.deliver_message(code, step.target, dict(step.data), Actor.system())
        _, stored = runtime.dossiers.load_workflow(code)
        waiting = sorted(t.task_spec.bpmn_id for t in stored.get_tasks(state=TaskState.READY, manual=True))
        assert sorted(t.element_id for t in runtime.dossiers.open_tasks(code)) == waiting
    assert runtime.dossiers.get(code).status == path.expect_status


def test_a_timer_on_a_cached_workflow_cancels_the_task_left_open(database_url, clock):
    """X05's timer cancels the user task the submission left open: the advance that fires it runs
    on the workflow kept in memory and starts from the open tasks kept with it."""
    settings = Settings(database_url=database_url)
    draft = load_catalogue(settings.bpmn_dir, settings.workflows_dir, [Path("tests/fixtures/timers/X05.bpmn")])
    runtime = Runtime.create(settings, clock)
    try:
        runtime.deploy(draft)
        seed_office(runtime)
        clock.set(datetime(2026, 2, 13, 2, 0, tzinfo=UTC))  # Friday 13 February, 09:00 in Vietnam
        code = runtime.dossiers.start("X05", {"full_name": "Nguyễn Văn An"}, APPLICANT)
        assert runtime.dossiers.get(code).id in runtime.dossiers.cached_dossiers()
        assert len(runtime.dossiers.open_tasks(code)) == 1

        clock.set(datetime(2026, 2, 24, 10, 0, tzinfo=UTC))  # after the second working day's office hours
        assert runtime.dossiers.fire_due_timers() == 1
        assert runtime.dossiers.open_tasks(code) == []
        assert "task_canceled" in [e.kind for e in runtime.dossiers.history(code)]
    finally:
        runtime.close()
