"""A script, condition or timer expression of a diagram that fails in a live dossier: the step is
rolled back (the dossier stays where it was), the person acting is told in both languages, an
incident is kept, and a retry after the fix does the step again and resolves it. Scripts are
bounded in time and memory everywhere they run (engine/workflow/script_limits.py)."""

from __future__ import annotations

import dataclasses
import time
from datetime import timedelta

import pytest

from engine.config import Settings
from engine.errors import StepFailed
from engine.people.officers import Actor
from engine.runtime import Runtime
from engine.statuses import DossierStatus
from tests.helpers import open_task
from tests.scripted import load_procedures, write_procedure

LIMIT = 0.5  # seconds a script may run in these tests
SLACK = 1.5  # the watchdog looks every 50 ms; machines shared with other test runs are slow
APPLICANT = {"full_name": "Nguyễn Văn An"}


@pytest.fixture
def settings(settings) -> Settings:
    return dataclasses.replace(settings, script_seconds=LIMIT)


def deploy(runtime: Runtime, tmp_path, code: str, scripts: dict[str, str], base: str = "X01") -> None:
    runtime.deploy(load_procedures(write_procedure(tmp_path / code, code, scripts, base)))


def submit(runtime: Runtime, code: str) -> str:
    return runtime.dossiers.start(code, APPLICANT, Actor.applicant(APPLICANT["full_name"]))


def refuse_at_the_desk(runtime: Runtime, office, dossier: str) -> int:
    """The desk claims the check and refuses the dossier (which runs set_refused); the task's id."""
    task = open_task(runtime, dossier, "desk_check")
    runtime.dossiers.claim(task.id, office.desk)
    runtime.dossiers.complete_task(task.id, office.desk, {"decision": "refuse"})
    return task.id


# --- at submission: the dossier and its papers are kept -------------------------------------------


def test_a_looping_first_script_is_stopped_in_time_and_the_dossier_is_kept_with_an_incident(runtime, tmp_path):
    deploy(runtime, tmp_path, "X81", {"set_submitted": "set_status(1)\nwhile True:\n    pass"})

    began = time.monotonic()
    dossier = submit(runtime, "X81")
    took = time.monotonic() - began

    assert LIMIT <= took < LIMIT + SLACK
    assert runtime.dossiers.get(dossier).status == DossierStatus.SUBMITTED
    assert runtime.dossiers.open_tasks(dossier) == []
    (incident,) = runtime.dossiers.incidents(dossier)
    assert (incident.element_id, incident.element_name, incident.kind) == ("set_submitted", "Ghi nhận hồ sơ", "submit")
    assert incident.error == (
        "Script in element 'set_submitted' (Ghi nhận hồ sơ) ran longer than 0.5 s and was stopped (line 2)"
    )
    assert incident.is_open and incident.attempts == 1 and incident.actor == APPLICANT["full_name"]
    assert [e.kind for e in runtime.dossiers.history(dossier)] == ["submitted", "incident_opened", "status_changed"]


@pytest.mark.parametrize(
    "script, what",
    [
        ("x = 'a' * 10**10", "repeating a sequence (*) would make about 9.3 GB"),
        ("y = list(range(10**9))", "range of 1,000,000,000 items would make about 29.8 GB"),
        ("z = [0] * 10**9", "repeating a sequence (*) would make about 7.5 GB"),
        ("w = 2 ** 10**9", "a ** b would make about 119.2 MB"),
        ("v = 'x'.ljust(10**9)", "str.ljust(1000000000) would make about 953.7 MB"),
    ],
)
def test_a_script_allocating_past_the_memory_limit_is_stopped_naming_its_element(runtime, tmp_path, script, what):
    deploy(runtime, tmp_path, "X82", {"set_submitted": script})

    dossier = submit(runtime, "X82")

    (incident,) = runtime.dossiers.incidents(dossier)
    assert incident.error == (
        f"Script in element 'set_submitted' (Ghi nhận hồ sơ) was stopped: {what}, more than the 64 MB a script may use"
    )


def test_a_submission_kept_by_an_incident_goes_on_when_retried_after_the_fix(runtime, tmp_path, settings, clock):
    deploy(runtime, tmp_path, "X83", {"set_submitted": "set_status(1)\nsize = len('a' * 80_000_000)"})
    dossier = submit(runtime, "X83")
    (incident,) = runtime.dossiers.incidents(dossier)
    assert "more than the 64 MB a script may use" in incident.error

    # the fix: the office allows scripts 128 MB
    bigger = Runtime.create(dataclasses.replace(settings, script_memory_mb=128), clock)
    try:
        retried = bigger.dossiers.retry_incident(incident.id, Actor.system())
    finally:
        bigger.close()

    assert (retried.is_open, retried.resolution, retried.resolved_by) == (False, "retried", "system")
    assert [t.element_id for t in runtime.dossiers.open_tasks(dossier)] == ["desk_check"]
    assert runtime.dossiers.workflow_data(dossier)["size"] == 80_000_000
    assert runtime.dossiers.incidents(dossier) == []
    assert runtime.dossiers.history(dossier)[-1].kind != "incident_opened"
    assert "incident_resolved" in [e.kind for e in runtime.dossiers.history(dossier)]


# --- a task completed: the officer is told, the dossier stays -------------------------------------


def test_a_failing_script_after_a_task_leaves_the_task_open_and_tells_the_officer(runtime, office, tmp_path):
    deploy(runtime, tmp_path, "X84", {"set_refused": "set_status(3)\nx = 1 / 0"})
    dossier = submit(runtime, "X84")
    status = runtime.dossiers.get(dossier).status

    with pytest.raises(StepFailed) as failed:
        refuse_at_the_desk(runtime, office, dossier)

    (incident,) = runtime.dossiers.incidents(dossier)
    error = "Script in element 'set_refused' (Từ chối) failed: ZeroDivisionError: division by zero (line 2)"
    assert incident.error == error and incident.kind == "task" and incident.actor == office.desk.name
    assert failed.value.incident_id == incident.id
    assert failed.value.message.en == (
        f"The step failed: {error}. The dossier stays where it was; the process designer can see "
        f"incident #{incident.id} and retry it after a fix."
    )
    assert failed.value.message.vi.startswith(f"Bước xử lý bị lỗi: {error}. Hồ sơ vẫn giữ nguyên như trước;")
    task = open_task(runtime, dossier, "desk_check")
    assert (task.status, task.assignee) == ("claimed", office.desk.name)
    assert runtime.dossiers.get(dossier).status == status
    assert [e.kind for e in runtime.dossiers.history(dossier)][-2:] == ["task_claimed", "incident_opened"]

    # the officer tries again: the same incident counts a second attempt
    with pytest.raises(StepFailed):
        runtime.dossiers.complete_task(task.id, office.desk, {"decision": "refuse"})
    (again,) = runtime.dossiers.incidents(dossier)
    assert (again.id, again.attempts) == (incident.id, 2)

    # a retry that fails again says so, and the incident stays open
    with pytest.raises(StepFailed):
        runtime.dossiers.retry_incident(incident.id, Actor.system())
    assert runtime.dossiers.incidents(dossier)[0].attempts == 3


def test_a_failing_condition_is_an_incident_on_its_flow(runtime, office, tmp_path):
    deploy(runtime, tmp_path, "X85", {})
    # the gateway's condition is text in the diagram: break it there
    path = tmp_path / "X85" / "X85.bpmn"
    path.write_text(path.read_text("utf-8").replace("decision == 'accept'", "decision == 1 / 0"), "utf-8")
    runtime.deploy(load_procedures(path))
    dossier = submit(runtime, "X85")

    with pytest.raises(StepFailed) as failed:
        refuse_at_the_desk(runtime, office, dossier)

    assert "ZeroDivisionError: division by zero" in failed.value.message.en
    (incident,) = runtime.dossiers.incidents(dossier)
    assert incident.kind == "task" and "decision == 1 / 0" in incident.error
    assert open_task(runtime, dossier, "desk_check").status == "claimed"


def test_a_retried_task_is_done_with_the_form_it_failed_with(runtime, office, tmp_path, settings, clock):
    deploy(runtime, tmp_path, "X86", {"set_refused": "set_status(3)\nsize = len('a' * 80_000_000)"})
    dossier = submit(runtime, "X86")
    with pytest.raises(StepFailed):
        refuse_at_the_desk(runtime, office, dossier)
    (incident,) = runtime.dossiers.incidents(dossier)

    bigger = Runtime.create(dataclasses.replace(settings, script_memory_mb=128), clock)
    try:
        bigger.dossiers.retry_incident(incident.id, Actor.system())
    finally:
        bigger.close()

    assert runtime.dossiers.get(dossier).status == DossierStatus.REFUSED
    assert runtime.dossiers.open_tasks(dossier) == []
    completed = [e for e in runtime.dossiers.history(dossier) if e.kind == "task_completed"]
    assert [(e.actor, e.data["data"]["decision"]) for e in completed] == [(office.desk.name, "refuse")]
    (resolved,) = runtime.dossiers.incidents(dossier, include_resolved=True)
    assert not resolved.is_open


# --- timers: an incident, not a hot loop ------------------------------------------------------------


def test_a_timer_whose_script_fails_is_not_fired_again_until_retried(runtime, tmp_path, clock):
    deploy(runtime, tmp_path, "X87", {"set_stopped": "set_status(8)\nwhile True:\n    pass"}, base="X05")
    dossier = submit(runtime, "X87")
    clock.advance(timedelta(days=20))

    began = time.monotonic()
    assert runtime.dossiers.fire_due_timers() == 0
    assert time.monotonic() - began < LIMIT + SLACK

    (incident,) = runtime.dossiers.incidents(dossier)
    assert (incident.kind, incident.element_id) == ("timer", "set_stopped")
    assert "ran longer than 0.5 s and was stopped" in incident.error
    assert [t.element_id for t in runtime.dossiers.open_tasks(dossier)] == ["desk_check"]  # where it was

    # the next passes leave it alone: no script runs, nothing is counted
    began = time.monotonic()
    assert runtime.dossiers.fire_due_timers() == 0
    assert runtime.dossiers.fire_due_timers() == 0
    assert time.monotonic() - began < LIMIT
    assert runtime.dossiers.incidents(dossier)[0].attempts == 1

    with pytest.raises(StepFailed):
        runtime.dossiers.retry_incident(incident.id, Actor.system())
    assert runtime.dossiers.incidents(dossier)[0].attempts == 2


def test_officers_go_on_with_a_dossier_whose_timer_failed_and_the_timer_incident_then_resolves(
    runtime, office, tmp_path, clock
):
    deploy(runtime, tmp_path, "X89", {"set_stopped": "set_status(8)\nx = 1 / 0"}, base="X05")
    dossier = submit(runtime, "X89")
    clock.advance(timedelta(days=20))
    assert runtime.dossiers.fire_due_timers() == 0
    (incident,) = runtime.dossiers.incidents(dossier)

    # the desk refuses the dossier: the failed timer does not stand in the way (nor fail again)
    refuse_at_the_desk(runtime, office, dossier)

    assert runtime.dossiers.get(dossier).status == DossierStatus.REFUSED
    assert [i.id for i in runtime.dossiers.incidents(dossier)] == [incident.id]
    retried = runtime.dossiers.retry_incident(incident.id, Actor.system())
    assert (retried.is_open, retried.resolution) == (False, "the step was done meanwhile")
    assert runtime.dossiers.get(dossier).status == DossierStatus.REFUSED


def test_retrying_an_unknown_or_resolved_incident_is_refused_plainly(runtime):
    from engine.errors import NotFound

    with pytest.raises(NotFound) as missing:
        runtime.dossiers.retry_incident(999, Actor.system())
    assert missing.value.message.en == "No incident #999"


# --- the designer's test runs ------------------------------------------------------------------------


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_simulate_stops_a_looping_script_within_the_limit_naming_its_element(settings, tmp_path):
    from engine.design.simulation import simulate

    catalogue = load_procedures(write_procedure(tmp_path, "X88", {"set_finished": "while True:\n    pass"}))

    began = time.monotonic()
    (result,) = simulate(catalogue, ["X88"], settings=settings)

    assert time.monotonic() - began < 20  # a scratch database and three steps, the script 0.5 s
    assert not result.ok
    assert "Script in element 'set_finished' (Trả kết quả) ran longer than 0.5 s and was stopped" in result.reason


# --- a message taken: the sender is told, the dossier still waits for it ---------------------------


def test_a_message_whose_next_step_fails_is_kept_as_an_incident_and_retried_with_its_payload(
    runtime, office, tmp_path, settings, clock
):
    from tests.engine.workflow.test_catalogue import copy_catalogue
    from tests.helpers import P02_APPLICATION, do_task

    # the desk's recheck after a supplement runs a script first (a spiffworkflow preScript) that
    # needs more memory than scripts may use
    bpmn, workflows = copy_catalogue(tmp_path)
    reception = bpmn / "shared" / "reception.bpmn"
    recheck = '<bpmn:userTask id="reception_recheck" name="Kiểm tra hồ sơ bổ sung">'
    assert recheck in reception.read_text("utf-8")
    reception.write_text(
        reception.read_text("utf-8").replace(
            recheck,
            recheck + "<bpmn:extensionElements><spiffworkflow:preScript>size = len('a' * 80_000_000)"
            "</spiffworkflow:preScript></bpmn:extensionElements>",
        ),
        "utf-8",
    )
    from engine.workflow.catalogue import load_catalogue

    catalogue = load_catalogue(bpmn, workflows, only=[bpmn / "P02.bpmn"])
    assert catalogue.problems == []
    runtime.deploy(catalogue)
    dossier = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("Nguyễn Văn An"))
    do_task(runtime, office, dossier, "reception_check", decision="supplement", missing_documents="TK1-TS")
    status = runtime.dossiers.get(dossier).status

    with pytest.raises(StepFailed) as failed:
        runtime.dossiers.deliver_message(dossier, "supplement_received", {"note": "đã bổ sung"}, Actor.system())

    assert "Script in element 'reception_recheck'" in failed.value.message.en
    (incident,) = runtime.dossiers.incidents(dossier)
    assert incident.kind == "message" and incident.element_id == "reception_recheck"
    assert runtime.dossiers.get(dossier).status == status and runtime.dossiers.open_tasks(dossier) == []

    bigger = Runtime.create(dataclasses.replace(settings, script_memory_mb=128), clock)
    try:
        bigger.dossiers.retry_incident(incident.id, Actor.system())
    finally:
        bigger.close()

    assert [t.element_id for t in runtime.dossiers.open_tasks(dossier)] == ["reception_recheck"]
    taken = [e for e in runtime.dossiers.history(dossier) if e.kind == "message_received"]
    assert [e.data["payload"] for e in taken] == [{"note": "đã bổ sung"}]
    assert runtime.dossiers.incidents(dossier) == []


def test_a_postal_update_whose_next_step_fails_is_accepted_and_kept_by_the_incident(runtime, office, tmp_path):
    import json
    import uuid

    from engine.integration import inbound
    from engine.integration.webhooks import sign
    from engine.workflow.catalogue import load_catalogue
    from tests.engine.workflow.test_catalogue import copy_catalogue
    from tests.web.test_api import at_postal_dispatch

    bpmn, workflows = copy_catalogue(tmp_path)
    returning = bpmn / "shared" / "result_return.bpmn"
    text = returning.read_text("utf-8")
    script = "<bpmn:script>set_status(10)</bpmn:script>"
    where = text.index('<bpmn:scriptTask id="set_returned_post"')
    returning.write_text(text[:where] + text[where:].replace(script, "<bpmn:script>x = 1 / 0</bpmn:script>", 1))
    catalogue = load_catalogue(bpmn, workflows, only=[bpmn / "P02.bpmn"])
    assert catalogue.problems == []
    runtime.deploy(catalogue)
    dossier = at_postal_dispatch(runtime, office)
    task = open_task(runtime, dossier, "postal_dispatch")
    runtime.dossiers.claim(task.id, office.desk)
    runtime.dossiers.complete_task(task.id, office.desk, {"waybill": "EB123456789VN"})
    update = {
        "event_id": uuid.uuid4().hex,
        "waybill": "EB123456789VN",
        "dossier_code": dossier,
        "status": "delivered",
        "reason": None,
        "at": "2026-03-02T09:00:00+07:00",
    }
    raw = json.dumps(update).encode()

    def post() -> inbound.Answer:
        headers = sign(runtime.settings.post_secret, raw, int(time.time()))
        return inbound.postal_update(runtime.dossiers, headers, raw)

    answer = post()

    (incident,) = runtime.dossiers.incidents(dossier)
    assert answer.status == 202 and answer.body["incident"] == incident.id
    assert answer.body["note"].startswith("The step failed: Script in element 'set_returned_post'")
    assert incident.kind == "message" and runtime.dossiers.get(dossier).status == DossierStatus.FINISHED
    assert post().status == 409  # a replay is refused: the incident already keeps the update
    assert runtime.dossiers.incidents(dossier)[0].attempts == 1
