"""Moving running dossiers between versions of their procedure (issue 12, item 9)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.data.audit import verify_database
from engine.data.models import HumanTask, ProcedureVersion, TaskStatus, Timer
from engine.design.migration import CannotMove, migrate, plan_migration, rebind
from engine.errors import NotFound, TaskNotOpen
from engine.people.officers import Actor
from engine.statuses import DossierStatus
from engine.workflow.version_log import version_row
from tests.engine.design.versions_helpers import added_review_step, renamed_review, review_replaced
from tests.engine.dossiers.test_dossiers import start_p02
from tests.helpers import assert_state_roundtrips, do_task, open_task

REVIEW = {
    "household_category": "poor",
    "monthly_income": 1500000,
    "support_checked": True,
    "decision": "approve_request",
}


def version_number(runtime, code: str) -> int:
    with runtime.db.read() as session:
        return session.get(ProcedureVersion, runtime.dossiers.get(code).version_id).number


def at_review(runtime, office) -> str:
    code = start_p02(runtime)
    do_task(runtime, office, code, "reception_check", decision="accept")
    assert open_task(runtime, code, "collect_review")
    return code


def test_a_dossier_moved_to_a_version_with_an_added_step_runs_that_step(runtime, office, catalogue):
    moved, stays = at_review(runtime, office), at_review(runtime, office)
    (deployed,) = runtime.deploy(added_review_step(catalogue), by="designer.an")
    assert (deployed.number, deployed.previous_number) == (2, 1)
    task_before = open_task(runtime, moved, "collect_review")

    plan = plan_migration(runtime, "P02", 1, 2, [moved])
    assert [(i.dossier, i.outcome, i.waiting_in) for i in plan.items] == [
        (moved, "movable", ["collect_review", "withdrawal_at_collect_review"])
    ]
    assert runtime.dossiers.get(moved).version_id != deployed.version_id  # a dry run moves nothing

    plan = migrate(runtime, "P02", 1, 2, Actor.system(), [moved])
    assert [(i.dossier, i.outcome) for i in plan.items] == [(moved, "moved")]
    assert runtime.dossiers.get(moved).version_id == deployed.version_id
    assert open_task(runtime, moved, "collect_review").id == task_before.id  # the same inbox row
    assert_state_roundtrips(runtime, moved)
    history = runtime.dossiers.history(moved)
    assert (history[-1].kind, history[-1].data["from_version"], history[-1].data["to_version"]) == (
        "version_moved",
        1,
        2,
    )

    for code in (moved, stays):
        do_task(runtime, office, code, "collect_review", **REVIEW)
    assert open_task(runtime, moved, "second_review").role == "collection"
    assert "second_review" not in {t.element_id for t in runtime.dossiers.open_tasks(stays)}
    do_task(runtime, office, moved, "second_review")
    do_task(runtime, office, moved, "leader_approval", decision="approve")
    assert runtime.dossiers.get(moved).status == DossierStatus.RETURNED
    assert verify_database(runtime.db).intact  # the history's hash chain holds the move


def test_a_dossier_waiting_in_a_task_the_new_version_lacks_is_not_movable(runtime, office, catalogue):
    waiting = at_review(runtime, office)
    runtime.deploy(review_replaced(catalogue))

    (item,) = plan_migration(runtime, "P02", 1, 2).items
    assert (item.dossier, item.movable) == (waiting, False)
    assert item.reason == "it waits in collect_review “Thẩm định đăng ký, xác định mức hỗ trợ”, which v2 does not have"

    (item,) = migrate(runtime, "P02", 1, 2, Actor.system()).items
    assert item.outcome == "not movable"
    assert version_number(runtime, waiting) == 1
    do_task(runtime, office, waiting, "collect_review", **REVIEW)  # it still runs on v1


def test_an_open_task_takes_the_new_versions_title(runtime, office, catalogue):
    code = at_review(runtime, office)
    runtime.deploy(renamed_review(catalogue))
    migrate(runtime, "P02", 1, 2, Actor.system())
    assert open_task(runtime, code, "collect_review").title == "Xem xét đăng ký"
    with runtime.db.read() as session:
        statuses = session.scalars(select(HumanTask.status).where(HumanTask.element_id == "collect_review")).all()
    assert statuses == [TaskStatus.NEW]


def test_dossiers_named_that_cannot_move_say_why(runtime, office, catalogue):
    finished = start_p02(runtime)
    do_task(runtime, office, finished, "reception_check", decision="refuse", refusal_reason="Không thuộc đối tượng")
    running = at_review(runtime, office)
    runtime.deploy(renamed_review(catalogue))
    migrate(runtime, "P02", 1, 2, Actor.system(), [running])

    plan = plan_migration(runtime, "P02", 1, 2, [finished, running, "BHXH.QNI-000000-0000"])
    assert [(i.outcome, i.reason) for i in plan.items] == [
        ("not movable", "finished: only running dossiers move"),
        ("not movable", "runs on v2, not v1"),
        ("not movable", "no such dossier"),
    ]


def test_unknown_versions_are_named(runtime, office, catalogue):
    with pytest.raises(NotFound, match=r"P02 has no version v7 \(v1\)"):
        plan_migration(runtime, "P02", 1, 7)
    with pytest.raises(CannotMove, match="v1 and v1 are one version"):
        plan_migration(runtime, "P02", 1, 1)
    with pytest.raises(NotFound, match="No procedure P99"):
        plan_migration(runtime, "P99", 1, 2)


def test_a_dossier_inside_a_changed_called_process_moves_and_runs_on(runtime, office, catalogue):
    """Waiting at the desk's check inside the shared reception, which v2 renames, while v2 also
    adds a step after the review: the move re-binds the called process too."""
    code = start_p02(runtime)
    changed = added_review_step(catalogue)
    loaded = changed.procedures["P02"]
    reception = loaded.sources["shared/reception.bpmn"].replace(
        'name="Kiểm tra thành phần hồ sơ"', 'name="Kiểm tra hồ sơ tiếp nhận"', 1
    )
    changed.procedures["P02"] = replace(loaded, sources={**loaded.sources, "shared/reception.bpmn": reception})
    runtime.deploy(changed)

    (item,) = migrate(runtime, "P02", 1, 2, Actor.system()).items
    assert item.outcome == "moved", item.reason
    assert open_task(runtime, code, "reception_check").title == "Kiểm tra hồ sơ tiếp nhận"
    do_task(runtime, office, code, "reception_check", decision="accept")
    do_task(runtime, office, code, "collect_review", **REVIEW)
    do_task(runtime, office, code, "second_review")
    do_task(runtime, office, code, "leader_approval", decision="approve")
    assert runtime.dossiers.get(code).status == DossierStatus.RETURNED


def test_a_running_timer_keeps_its_due_time_across_a_move(runtime, office, catalogue, clock):
    code = start_p02(runtime)
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="Tờ khai TK1-TS")
    with runtime.db.read() as session:
        before = session.execute(select(Timer.spiff_task_id, Timer.due_at, Timer.status)).all()
    clock.advance(timedelta(days=3))
    runtime.deploy(renamed_review(catalogue))

    (item,) = migrate(runtime, "P02", 1, 2, Actor.system()).items
    assert item.moved
    assert {"supplement_wait_gateway", "withdrawal_at_reception"} <= set(item.waiting_in)

    with runtime.db.read() as session:
        assert session.execute(select(Timer.spiff_task_id, Timer.due_at, Timer.status)).all() == before
    clock.advance(timedelta(days=27, minutes=1))  # 30 days after the request, not 30 after the move
    assert runtime.dossiers.fire_due_timers() == 1
    assert runtime.dossiers.get(code).status == DossierStatus.STOPPED


def test_a_move_from_a_version_the_dossier_no_longer_runs_on_changes_nothing(runtime, office, catalogue):
    code = at_review(runtime, office)
    runtime.deploy(renamed_review(catalogue))
    migrate(runtime, "P02", 1, 2, Actor.system())
    events = len(runtime.dossiers.history(code))
    with runtime.db.read() as session:
        v1, v2 = (version_row(session, "P02", n).id for n in (1, 2))

    with pytest.raises(TaskNotOpen, match="no longer runs on that version"):
        runtime.dossiers.move_to_version(code, v1, v2, Actor.system(), rebind)
    assert len(runtime.dossiers.history(code)) == events
    assert version_number(runtime, code) == 2


def test_a_moved_dossier_can_still_be_withdrawn_where_it_waits(runtime, office, catalogue):
    code = at_review(runtime, office)
    runtime.deploy(added_review_step(catalogue))
    migrate(runtime, "P02", 1, 2, Actor.system())

    runtime.dossiers.deliver_message(code, "withdrawal_requested", {"reason": "Đã có việc làm"}, Actor.system())

    assert runtime.dossiers.get(code).status == DossierStatus.WITHDRAWN
    assert runtime.dossiers.open_tasks(code) == []


def test_a_dossier_waiting_in_the_reception_moves_when_a_later_task_is_replaced(runtime, office, catalogue):
    # it waits inside the called reception process: what follows it was predicted from v1's
    # collect_review, which v2 replaces; the move predicts it again from v2
    at_desk = start_p02(runtime)
    (deployed,) = runtime.deploy(review_replaced(catalogue))

    (item,) = plan_migration(runtime, "P02", 1, 2, [at_desk]).items
    assert (item.outcome, item.reason) == ("movable", "")

    (item,) = migrate(runtime, "P02", 1, 2, Actor.system(), [at_desk]).items
    assert item.outcome == "moved" and runtime.dossiers.get(at_desk).version_id == deployed.version_id
    assert_state_roundtrips(runtime, at_desk)
    do_task(runtime, office, at_desk, "reception_check", decision="accept")
    assert open_task(runtime, at_desk, "collect_check")  # v2's task
