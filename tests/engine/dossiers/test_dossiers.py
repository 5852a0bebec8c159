"""A P02 dossier from submission to result, through the engine, on SQLite and PostgreSQL.

After every step the stored state is restored and must serialize back to exactly the same text.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from engine.data.models import Dossier, HumanTask, OutboxMessage, TaskStatus, Timer, TimerStatus
from engine.dossiers.service import DossierService
from engine.errors import NotFound, NotWaitingForMessage
from engine.forms import FormError
from engine.people.officers import Actor
from engine.statuses import DossierStatus
from engine.workflow.versions import deploy
from tests.helpers import P02_APPLICATION, assert_state_roundtrips, do_task, open_task

APPLICANT = Actor.applicant("Nguyễn Văn An")


def start_p02(runtime, **changes) -> str:
    code = runtime.dossiers.start("P02", {**P02_APPLICATION, **changes}, APPLICANT)
    assert_state_roundtrips(runtime, code)
    return code


def run_declared_path(runtime, office, clock, path) -> str:
    code = runtime.dossiers.start("P02", path.start, APPLICANT)
    assert_state_roundtrips(runtime, code)
    for step in path.steps:
        if step.kind == "task":
            do_task(runtime, office, code, step.target, **step.data)
        elif step.kind == "message":
            runtime.dossiers.deliver_message(code, step.target, step.data, office.desk)
        else:
            days = int(re.fullmatch(r"P(\d+)D", step.target).group(1))
            clock.advance(timedelta(days=days))
            runtime.dossiers.fire_due_timers()
        assert_state_roundtrips(runtime, code)
    return code


def test_submission_gives_a_dossier_code_status_and_first_task(runtime, office):
    code = start_p02(runtime)

    assert re.fullmatch(r"BHXH\.QNI-260302-\d{4}", code)
    dossier = runtime.dossiers.get(code)
    assert dossier.status == DossierStatus.SUBMITTED
    assert dossier.applicant_name == "Nguyễn Văn An"
    tasks = runtime.dossiers.open_tasks(code)
    assert [(t.element_id, t.role, t.unit, t.status) for t in tasks] == [("reception_check", "desk", "BHXH.QNI", "new")]


@pytest.mark.parametrize(
    "path_name",
    [
        "happy",
        "post_delivery",
        "post_failed_then_redelivered",
        "counter",
        "supplement_at_reception",
        "supplement_timeout",
        "refusal",
        "sent_back",
    ],
)
def test_every_declared_p02_path_ends_in_its_expected_status(runtime, office, clock, catalogue, path_name):
    path = catalogue.procedures["P02"].meta.paths[path_name]

    code = run_declared_path(runtime, office, clock, path)

    dossier = runtime.dossiers.get(code)
    assert dossier.status == path.expect_status
    assert dossier.finished_at is not None
    assert runtime.dossiers.open_tasks(code) == []


def test_a_dossier_continues_identically_from_memory_and_from_the_database(runtime, office, clock, catalogue):
    """Run the same path once on the in-memory workflow and once restoring it at every step."""
    path = catalogue.procedures["P02"].meta.paths["sent_back"]
    cached = run_declared_path(runtime, office, clock, path)
    runtime.dossiers = DossierService(runtime.db, clock, runtime.settings, runtime.versions, cache_size=0)
    restored = run_declared_path(runtime, office, clock, path)

    def trace(code):
        return [
            (e.kind, e.actor, {k: v for k, v in e.data.items() if k != "task_id"})
            for e in runtime.dossiers.history(code)
            if e.kind != "submitted"
        ]

    assert trace(cached) == trace(restored)
    assert runtime.dossiers.workflow_data(cached) | {"dossier_code": None} == runtime.dossiers.workflow_data(
        restored
    ) | {"dossier_code": None}


def test_status_changes_are_logged_in_order_and_queued_for_portal_and_applicant(runtime, office, clock, catalogue):
    code = run_declared_path(runtime, office, clock, catalogue.procedures["P02"].meta.paths["happy"])

    changes = [(e.data["old"], e.data["new"]) for e in runtime.dossiers.history(code) if e.kind == "status_changed"]
    assert changes == [(0, 1), (1, 2), (2, 4), (4, 9), (9, 10)]
    with runtime.db.read() as session:
        pushes = session.scalars(
            select(OutboxMessage).where(OutboxMessage.kind == "portal.status").order_by(OutboxMessage.id)
        ).all()
        assert [p.payload["status"] for p in pushes] == [1, 2, 4, 9, 10]
        assert all(p.payload["dossier_code"] == code and p.status == "pending" for p in pushes)
        notices = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notify.status")).all()
        assert len(notices) == 5


def test_completed_task_records_who_when_and_what(runtime, office, clock):
    code = start_p02(runtime)
    task = open_task(runtime, code, "reception_check")
    runtime.dossiers.claim(task.id, office.desk)
    clock.advance(timedelta(minutes=20))
    runtime.dossiers.complete_task(task.id, office.desk, {"decision": "accept", "note": "Đủ giấy tờ"})

    with runtime.db.read() as session:
        row = session.get(HumanTask, task.id)
        assert row.status == TaskStatus.DONE
        assert row.completed_by_id == office.desk.user_id
        assert row.claimed_at == clock.now() - timedelta(minutes=20)
        assert row.finished_at == clock.now()
    (done,) = [e for e in runtime.dossiers.history(code) if e.kind == "task_completed"]
    assert (done.actor, done.data["task"]) == ("Nguyễn Thị Lan", "reception_check")
    assert done.data["data"] == {"decision": "accept", "note": "Đủ giấy tờ"}


def test_bad_form_data_is_refused_field_by_field_and_changes_nothing(runtime, office):
    code = start_p02(runtime)
    task = open_task(runtime, code, "reception_check")
    before = runtime.dossiers.load_workflow(code)[0], len(runtime.dossiers.history(code))

    with pytest.raises(FormError) as refused:
        runtime.dossiers.complete_task(task.id, office.desk, {"decision": "supplement", "colour": "blue"})

    assert set(refused.value.errors) == {"missing_documents", "colour"}
    assert "missing_documents" in str(refused.value)
    assert (runtime.dossiers.load_workflow(code)[0], len(runtime.dossiers.history(code))) == before
    assert open_task(runtime, code, "reception_check").status == "new"


def test_bad_application_is_refused_and_creates_no_dossier(runtime):
    with pytest.raises(FormError) as refused:
        runtime.dossiers.start("P02", {**P02_APPLICATION, "citizen_id": "12345", "monthly_income": "1.000"}, APPLICANT)

    assert set(refused.value.errors) == {"citizen_id", "monthly_income"}
    with runtime.db.read() as session:
        assert session.scalar(select(Dossier.id)) is None


def test_unknown_procedure_and_task_are_reported(runtime, office):
    with pytest.raises(Exception, match="P99 is not deployed"):
        runtime.dossiers.start("P99", {}, APPLICANT)
    with pytest.raises(NotFound, match="No task #999"):
        runtime.dossiers.complete_task(999, office.desk, {})


def test_a_message_nobody_waits_for_is_refused_and_changes_nothing(runtime, office):
    code = start_p02(runtime)
    state_before = runtime.dossiers.load_workflow(code)[0]

    with pytest.raises(NotWaitingForMessage, match="not waiting for the message 'postal_delivered'"):
        runtime.dossiers.deliver_message(code, "postal_delivered", {}, Actor.system())

    assert runtime.dossiers.load_workflow(code)[0] == state_before


def test_supplement_wait_has_a_timer_row_that_fires_only_when_due(runtime, office, clock):
    code = start_p02(runtime)
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="Tờ khai TK1-TS")

    with runtime.db.read() as session:
        timer = session.scalars(select(Timer)).one()
        assert timer.status == TimerStatus.PENDING
        assert timer.due_at == clock.now() + timedelta(days=30)

    clock.advance(timedelta(days=29))
    assert runtime.dossiers.fire_due_timers() == 0
    assert runtime.dossiers.get(code).status == DossierStatus.SUPPLEMENT_REQUESTED

    clock.advance(timedelta(days=2))
    assert runtime.dossiers.fire_due_timers() == 1
    assert runtime.dossiers.get(code).status == DossierStatus.STOPPED
    assert runtime.dossiers.fire_due_timers() == 0
    assert [e.kind for e in runtime.dossiers.history(code)].count("timer_fired") == 1


def test_one_dossiers_due_timers_fire_without_touching_anothers(runtime, office, clock):
    # what a replay does for a dossier moving on its own time
    first, second = start_p02(runtime), start_p02(runtime)
    for code in (first, second):
        do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="Tờ khai TK1-TS")

    assert runtime.dossiers.fire_timers_of(first) == 0  # not due yet
    clock.advance(timedelta(days=31))
    assert runtime.dossiers.fire_timers_of(first) == 1
    assert runtime.dossiers.get(first).status == DossierStatus.STOPPED
    assert runtime.dossiers.get(second).status == DossierStatus.SUPPLEMENT_REQUESTED
    assert runtime.dossiers.fire_timers_of(first) == 0
    with pytest.raises(NotFound):
        runtime.dossiers.fire_timers_of("BHXH.QNI-000000-0000")


def test_supplement_arriving_cancels_the_timer(runtime, office, clock):
    code = start_p02(runtime)
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="Tờ khai TK1-TS")
    runtime.dossiers.deliver_message(code, "supplement_received", {"documents": ["tk1_ts"]}, office.desk)

    with runtime.db.read() as session:
        assert session.scalars(select(Timer.status)).all() == [TimerStatus.CANCELED]
    clock.advance(timedelta(days=40))
    assert runtime.dossiers.fire_due_timers() == 0
    assert open_task(runtime, code, "reception_recheck").role == "desk"


def test_running_dossiers_keep_the_version_they_started_on(runtime, office, catalogue, clock):
    old_code = start_p02(runtime)
    changed = catalogue.procedures["P02"]
    original_sources = dict(changed.sources)
    try:
        changed.sources["P02.bpmn"] = changed.sources["P02.bpmn"].replace(
            'name="Thẩm định đăng ký, xác định mức hỗ trợ"', 'name="Xem xét đăng ký"', 1
        )
        assert changed.sources != original_sources
        with runtime.db.write() as session:
            results = {d.code: d for d in deploy(session, catalogue, clock.now())}
        result = results.pop("P02")
        assert result.new
        assert not any(d.new for d in results.values())  # the others did not change
    finally:
        changed.sources.clear()
        changed.sources.update(original_sources)
    new_code = start_p02(runtime)

    old, new = runtime.dossiers.get(old_code), runtime.dossiers.get(new_code)
    assert old.version_id != new.version_id == result.version_id
    do_task(runtime, office, old_code, "reception_check", decision="accept")
    assert open_task(runtime, old_code, "collect_review").title == "Thẩm định đăng ký, xác định mức hỗ trợ"
    do_task(runtime, office, new_code, "reception_check", decision="accept")
    assert open_task(runtime, new_code, "collect_review").title == "Xem xét đăng ký"


def test_the_event_log_refuses_updates_and_deletes(runtime):
    code = start_p02(runtime)
    for statement in ("UPDATE events SET kind = 'forged'", "DELETE FROM events"):
        with pytest.raises(Exception, match="append-only"), runtime.db.write() as session:
            session.execute(text(statement))
    assert runtime.dossiers.history(code)[0].kind == "submitted"


def test_dossier_codes_count_per_day(runtime, clock):
    first = start_p02(runtime)
    second = start_p02(runtime)
    clock.advance(timedelta(days=1))
    next_day = start_p02(runtime)

    assert (first, second, next_day) == ("BHXH.QNI-260302-0001", "BHXH.QNI-260302-0002", "BHXH.QNI-260303-0001")
