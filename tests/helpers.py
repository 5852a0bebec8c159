"""Helpers for tests: an office with officers in every role, a P02 application, and ways to act
on a dossier the way officers do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert

from engine.data.models import HumanTask
from engine.people.officers import Actor, add_unit, add_user, grant
from engine.runtime import Runtime
from engine.workflow.state import dump_state

P02_APPLICATION = {
    "full_name": "Nguyễn Văn An",
    "citizen_id": "051090001234",
    "date_of_birth": "1990-05-14",
    "sex": "male",
    "phone": "0912345678",
    "address": "12 Lê Lợi, phường Nghĩa Chánh, Quảng Ngãi",
    "household_category": "poor",
    "monthly_income": "1500000",
    "payment_period": "3",
    "result_channel": "electronic",
}


@dataclass
class Office:
    unit: str
    desk: Actor
    desk2: Actor
    collection: Actor
    leader: Actor
    outsider: Actor  # holds roles only in another unit
    by_role: dict[str, Actor]


def seed_office(runtime: Runtime) -> Office:
    unit = runtime.settings.office_code
    people = {}
    with runtime.db.write() as session:
        add_unit(session, "BHXH.QNI.SONTINH", "BHXH huyện Sơn Tịnh", "Son Tinh district office")
        for username, name, roles, where in [
            ("lan.desk", "Nguyễn Thị Lan", ["desk"], unit),
            ("minh.desk", "Trần Văn Minh", ["desk"], unit),
            ("hai.thu", "Lê Văn Hải", ["collection"], unit),
            ("hoa.lanhdao", "Phạm Thị Hoa", ["leadership"], unit),
            ("khac.huyen", "Đỗ Văn Khác", ["desk", "collection", "leadership"], "BHXH.QNI.SONTINH"),
        ]:
            user = add_user(session, username, name)
            for role in roles:
                grant(session, user, role, where)
            people[username] = Actor.of(user)
    return Office(
        unit=unit,
        desk=people["lan.desk"],
        desk2=people["minh.desk"],
        collection=people["hai.thu"],
        leader=people["hoa.lanhdao"],
        outsider=people["khac.huyen"],
        by_role={"desk": people["lan.desk"], "collection": people["hai.thu"], "leadership": people["hoa.lanhdao"]},
    )


def open_task(runtime: Runtime, dossier_code: str, element_id: str):
    tasks = [t for t in runtime.dossiers.open_tasks(dossier_code) if t.element_id == element_id]
    assert tasks, f"{dossier_code} has no open task {element_id}: {runtime.dossiers.open_tasks(dossier_code)}"
    return tasks[0]


def do_task(runtime: Runtime, office: Office, dossier_code: str, element_id: str, **data) -> None:
    task = open_task(runtime, dossier_code, element_id)
    actor = office.by_role[task.role]
    runtime.dossiers.claim(task.id, actor)
    runtime.dossiers.complete_task(task.id, actor, data)
    assert_state_roundtrips(runtime, dossier_code)


def review_p02(runtime: Runtime, office: Office, dossier_code: str, decision: str = "approve_request") -> None:
    """Collection reviews a P02 dossier of a poor household at the lowest income, the state's
    support checked, and decides (by default: asks the leader to approve)."""
    do_task(
        runtime,
        office,
        dossier_code,
        "collect_review",
        household_category="poor",
        monthly_income="1500000",
        support_checked="true",
        decision=decision,
    )


def assert_state_roundtrips(runtime: Runtime, dossier_code: str) -> None:
    """The stored state restores to a workflow that serializes to exactly the same state."""
    stored, wf = runtime.dossiers.load_workflow(dossier_code)
    assert dump_state(wf) == stored


def more_offered_tasks(runtime, like_task_id: int, how_many: int, first: int) -> None:
    """Copies of a task in the office's queue (as a busy office has them), due a minute apart."""
    with runtime.db.write() as session:
        task = session.get(HumanTask, like_task_id)
        rows = [
            {
                "dossier_id": task.dossier_id,
                "spiff_task_id": f"copy-{n}",
                "element_id": task.element_id,
                "title": task.title,
                "role_code": task.role_code,
                "unit_code": task.unit_code,
                "status": task.status,
                "created_at": task.created_at,
                "due_at": task.due_at + timedelta(minutes=n),
            }
            for n in range(first, first + how_many)
        ]
        session.execute(insert(HumanTask), rows)
