"""A dossier's clock: stopped while the applicant is asked for papers, moved when they arrive."""

from __future__ import annotations

import copy
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from engine.data.models import OutboxMessage
from engine.people.officers import Actor
from engine.workflow.versions import deploy
from tests.helpers import P02_APPLICATION, do_task, review_p02

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VN)


def accept_then_wait_seven_days_for_papers(runtime, office, clock) -> str:
    clock.set(at("2026-03-02 09:00"))  # Monday
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
    do_task(runtime, office, code, "reception_check", decision="accept")
    assert runtime.dossiers.get(code).appointment_at == at("2026-03-09 17:00")  # 5 working days

    clock.set(at("2026-03-03 10:00"))  # Tuesday: collection asks for a paper, through the desk
    review_p02(runtime, office, code, decision="supplement")
    do_task(
        runtime,
        office,
        code,
        "processing_supplement_request",
        missing_documents="Giấy xác nhận hộ nghèo",
        reason="Danh sách hộ nghèo năm 2026 chưa có tên",
    )
    assert runtime.dossiers.get(code).status == 5

    clock.set(at("2026-03-10 10:00"))  # seven days later the paper arrives
    runtime.dossiers.deliver_message(code, "supplement_received", {}, office.desk)
    return code


def test_the_appointment_moves_by_the_working_days_the_dossier_waited(runtime, office, clock):
    code = accept_then_wait_seven_days_for_papers(runtime, office, clock)

    # stopped Tuesday 3 March, resumed Tuesday 10 March: 3, 4, 5, 6 and 9 March are 5 working days,
    # so the appointment moves from Monday 9 to Monday 16 March
    dossier = runtime.dossiers.get(code)
    assert dossier.appointment_at == at("2026-03-16 17:00")
    assert dossier.paused_at is None
    kinds = [e.kind for e in runtime.dossiers.history(code)]
    assert kinds.count("clock_paused") == 1 and kinds.count("clock_resumed") == 1
    with runtime.db.read() as session:
        (notice,) = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notify.appointment")).all()
    assert notice.payload["appointment_at"] == at("2026-03-16 17:00").isoformat()

    # and it finishes within its moved appointment
    review_p02(runtime, office, code)
    do_task(runtime, office, code, "leader_approval", decision="approve")
    dossier = runtime.dossiers.get(code)
    assert dossier.status == 10 and dossier.finished_at <= dossier.appointment_at


def test_a_procedure_whose_clock_restarts_counts_the_whole_limit_again(runtime, office, clock, catalogue):
    p02 = catalogue.procedures["P02"]
    restarting = copy.deepcopy(p02.raw_meta)
    restarting["limit"]["on_supplement"] = "restart"
    original = p02.raw_meta
    try:
        p02.raw_meta = restarting
        with runtime.db.write() as session:
            deploy(session, catalogue, clock.now())
    finally:
        p02.raw_meta = original

    code = accept_then_wait_seven_days_for_papers(runtime, office, clock)

    # received again on Tuesday 10 March: 5 working days from then is Tuesday 17 March
    assert runtime.dossiers.get(code).appointment_at == at("2026-03-17 17:00")


def test_papers_asked_for_at_reception_do_not_stop_a_clock_that_has_not_started(runtime, office, clock):
    clock.set(at("2026-03-02 09:00"))
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="TK1-TS")
    clock.set(at("2026-03-05 09:00"))  # Thursday
    runtime.dossiers.deliver_message(code, "supplement_received", {}, office.desk)
    do_task(runtime, office, code, "reception_recheck", decision="accept")

    dossier = runtime.dossiers.get(code)
    assert dossier.received_on.isoformat() == "2026-03-05"  # counted from acceptance
    assert dossier.appointment_at == at("2026-03-12 17:00")
    assert "clock_paused" not in [e.kind for e in runtime.dossiers.history(code)]


def test_on_time_figures_count_dossiers_by_when_processing_finished(runtime, office, clock):
    from datetime import date

    from engine.sla.reports import on_time_figures

    def run(accepted: str, approved: str) -> str:
        clock.set(at(accepted))
        code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
        do_task(runtime, office, code, "reception_check", decision="accept")
        review_p02(runtime, office, code)
        clock.set(at(approved))
        do_task(runtime, office, code, "leader_approval", decision="approve")
        return code

    run("2026-03-02 09:00", "2026-03-06 10:00")  # due Monday 9 March: on time
    run("2026-03-02 09:00", "2026-03-09 17:00")  # at the very appointment: on time
    late = run("2026-03-02 09:00", "2026-03-10 08:00")  # the morning after: late
    clock.set(at("2026-03-02 09:00"))
    refused = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
    do_task(runtime, office, refused, "reception_check", decision="refuse", refusal_reason="Trùng hồ sơ")

    with runtime.db.read() as session:
        figures = on_time_figures(session, date(2026, 3, 1), date(2026, 3, 31), VN)
        march_9_only = on_time_figures(session, date(2026, 3, 9), date(2026, 3, 9), VN)

    assert (figures.overall.finished, figures.overall.on_time, figures.overall.late) == (3, 2, 1)
    assert figures.overall.share == pytest.approx(2 / 3)
    assert (figures.by_procedure["P02"].finished, figures.by_unit["BHXH.QNI"].late) == (3, 1)
    assert (march_9_only.overall.finished, march_9_only.overall.on_time) == (1, 1)
    assert runtime.dossiers.get(late).processed_at == at("2026-03-10 08:00")


def running_late(runtime, office, clock) -> str:
    clock.set(at("2026-03-02 09:00"))
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
    do_task(runtime, office, code, "reception_check", decision="accept")  # due Monday 9 March 17:00
    clock.set(at("2026-03-06 09:00"))  # Friday: the appointment is one working day away
    return code


def test_a_dossier_about_to_be_late_gets_one_apology_task_also_with_two_schedulers(runtime, office, clock):
    from tests.engine.dossiers.test_concurrency import race

    code = running_late(runtime, office, clock)
    clock.set(at("2026-03-05 09:00"))  # Thursday: two working days left, not yet
    assert runtime.dossiers.flag_late_dossiers() == 0
    clock.set(at("2026-03-06 09:00"))

    outcomes = race([runtime.dossiers.flag_late_dossiers, runtime.dossiers.flag_late_dossiers])

    assert sorted(outcomes) == [0, 1]
    assert runtime.dossiers.flag_late_dossiers() == 0
    apologies = [t for t in runtime.dossiers.open_tasks(code) if t.element_id == "apology_letter"]
    assert [(t.role, t.due_at) for t in apologies] == [("collection", at("2026-03-09 17:00"))]
    assert [e.kind for e in runtime.dossiers.history(code)].count("late_detected") == 1


def test_the_apology_moves_the_appointment_and_tells_the_applicant(runtime, office, clock):
    from engine.errors import FormError

    code = running_late(runtime, office, clock)
    runtime.dossiers.flag_late_dossiers()
    (task,) = [t for t in runtime.dossiers.open_tasks(code) if t.element_id == "apology_letter"]

    with pytest.raises(FormError, match="working day"):
        runtime.dossiers.complete_task(task.id, office.collection, {"new_appointment": "2026-03-07", "reason": "x"})
    with pytest.raises(FormError, match="later than the old one"):
        runtime.dossiers.complete_task(task.id, office.collection, {"new_appointment": "2026-03-09", "reason": "x"})
    runtime.dossiers.complete_task(
        task.id, office.collection, {"new_appointment": "2026-03-12", "reason": "Chờ xác minh danh sách hộ nghèo"}
    )

    assert runtime.dossiers.get(code).appointment_at == at("2026-03-12 17:00")
    with runtime.db.read() as session:
        (notice,) = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notify.apology")).all()
    assert notice.payload["form"] == "04" and notice.payload["appointment_at"] == at("2026-03-12 17:00").isoformat()
    # the workflow went on untouched: collection's review is still open
    assert [t.element_id for t in runtime.dossiers.open_tasks(code)] == ["collect_review"]
    # and the new appointment is not late yet
    assert runtime.dossiers.flag_late_dossiers() == 0


def test_every_task_gets_a_due_time_from_the_split_of_the_limit(runtime, office, clock):
    # P02: 5 working days split as processing 3, approval 1, return 1 (workflows/P02.yaml)
    clock.set(at("2026-03-01 20:00"))  # Sunday evening, online: counts from Monday 2 March
    code = runtime.dossiers.start("P02", {**P02_APPLICATION, "result_channel": "counter"}, Actor.applicant("An"))
    assert [t.due_at for t in runtime.dossiers.open_tasks(code)] == [at("2026-03-02 17:00")]  # reception

    clock.set(at("2026-03-02 09:00"))
    do_task(runtime, office, code, "reception_check", decision="accept")  # appointment Monday 9 March
    (review,) = runtime.dossiers.open_tasks(code)
    assert review.due_at == at("2026-03-05 17:00")  # 9 March less approval and return: Thursday 5 March

    review_p02(runtime, office, code)
    (approval,) = runtime.dossiers.open_tasks(code)
    assert approval.due_at == at("2026-03-06 17:00")  # less the return's day: Friday 6 March

    do_task(runtime, office, code, "leader_approval", decision="approve")
    (handover,) = runtime.dossiers.open_tasks(code)
    assert (handover.element_id, handover.due_at) == ("counter_handover", at("2026-03-09 17:00"))


def test_inboxes_list_the_earliest_due_first(runtime, office, clock):
    clock.set(at("2026-03-02 09:00"))
    first = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
    clock.set(at("2026-03-03 09:00"))
    second = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("Bình"))
    do_task(runtime, office, second, "reception_check", decision="accept")  # collection: due 6 March
    clock.set(at("2026-03-02 09:30"))
    do_task(runtime, office, first, "reception_check", decision="accept")  # collection: due 5 March

    tasks = runtime.dossiers.open_tasks(role="collection")
    assert [(t.dossier_code, t.due_at) for t in tasks] == [
        (first, at("2026-03-05 17:00")),
        (second, at("2026-03-06 17:00")),
    ]


def test_a_timer_written_in_working_days_follows_the_office_calendar(database_url, clock):
    from pathlib import Path

    from engine.config import Settings
    from engine.runtime import Runtime
    from engine.workflow.catalogue import load_catalogue
    from tests.helpers import seed_office

    settings = Settings(database_url=database_url)
    draft = load_catalogue(settings.bpmn_dir, settings.workflows_dir, [Path("tests/fixtures/timers/X05.bpmn")])
    assert not draft.problems, draft.problems
    runtime = Runtime.create(settings, clock)
    try:
        runtime.deploy(draft)
        seed_office(runtime)
        clock.set(at("2026-02-13 09:00"))  # Friday before Tết: 2 working days end Tuesday 24 February
        code = runtime.dossiers.start("X05", {"full_name": "Nguyễn Văn An"}, Actor.applicant("An"))

        clock.set(at("2026-02-24 16:59"))
        assert runtime.dossiers.fire_due_timers() == 0
        clock.set(at("2026-02-24 17:00"))
        assert runtime.dossiers.fire_due_timers() == 1
        assert runtime.dossiers.get(code).status == 8
        assert runtime.dossiers.open_tasks(code) == []
    finally:
        runtime.close()


def test_an_apology_still_open_when_processing_finishes_is_dropped(runtime, office, clock):
    code = running_late(runtime, office, clock)
    assert runtime.dossiers.flag_late_dossiers() == 1
    review_p02(runtime, office, code)
    do_task(runtime, office, code, "leader_approval", decision="approve")

    assert runtime.dossiers.get(code).status == 10
    assert runtime.dossiers.open_tasks(code) == []
    assert "task_canceled" in [e.kind for e in runtime.dossiers.history(code)]
