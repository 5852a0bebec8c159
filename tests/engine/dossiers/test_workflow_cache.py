"""The in-process workflow cache: it never serves a workflow another process moved on from, and it
keeps running dossiers only (a finished one is read from the database if it is ever read again)."""

from __future__ import annotations

from engine.dossiers.service import DossierService
from engine.people.officers import Actor
from tests.helpers import assert_state_roundtrips, do_task, open_task

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
