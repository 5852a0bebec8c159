"""Who may claim, release, reassign and complete a task: the rules in engine/people/assignment.py."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.data.models import HumanTask
from engine.errors import NotAllowed, TaskNotOpen
from engine.people.officers import Actor, holders
from tests.helpers import P02_APPLICATION, open_task


@pytest.fixture
def task(runtime, office):
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
    return open_task(runtime, code, "reception_check")


def assignee_of(runtime, task_id):
    with runtime.db.read() as session:
        row = session.get(HumanTask, task_id)
        return row.status.value, row.assignee_id


def test_a_task_is_offered_to_holders_of_its_role_in_the_dossiers_unit(runtime, office, task):
    with runtime.db.read() as session:
        offered = [u.username for u in holders(session, task.role, task.unit)]
    assert offered == ["lan.desk", "minh.desk"]  # not the district officer, not other roles


def test_claim_makes_it_mine_and_a_second_claim_names_the_holder(runtime, office, task):
    runtime.dossiers.claim(task.id, office.desk)
    assert assignee_of(runtime, task.id) == ("claimed", office.desk.user_id)

    with pytest.raises(TaskNotOpen, match="already claimed by Nguyễn Thị Lan"):
        runtime.dossiers.claim(task.id, office.desk2)


@pytest.mark.parametrize("who", ["collection", "outsider"])
def test_only_holders_of_the_role_in_the_unit_may_claim(runtime, office, task, who):
    actor = getattr(office, who)
    with pytest.raises(NotAllowed, match=r"does not hold the role 'desk' in unit BHXH\.QNI"):
        runtime.dossiers.claim(task.id, actor)
    assert assignee_of(runtime, task.id) == ("new", None)


def test_someone_elses_claimed_task_cannot_be_completed(runtime, office, task):
    runtime.dossiers.claim(task.id, office.desk)
    with pytest.raises(NotAllowed, match="claimed by Nguyễn Thị Lan"):
        runtime.dossiers.complete_task(task.id, office.desk2, {"decision": "accept"})
    assert assignee_of(runtime, task.id) == ("claimed", office.desk.user_id)


def test_unclaim_by_the_holder_offers_it_again(runtime, office, task):
    runtime.dossiers.claim(task.id, office.desk)
    with pytest.raises(NotAllowed, match="Only a leader"):
        runtime.dossiers.unclaim(task.id, office.desk2)
    runtime.dossiers.unclaim(task.id, office.desk)
    assert assignee_of(runtime, task.id) == ("new", None)
    runtime.dossiers.claim(task.id, office.desk2)
    assert assignee_of(runtime, task.id) == ("claimed", office.desk2.user_id)


def test_a_leader_reassigns_to_a_colleague_who_holds_the_role(runtime, office, task):
    runtime.dossiers.claim(task.id, office.desk)
    with pytest.raises(NotAllowed, match="Only a leader"):
        runtime.dossiers.reassign(task.id, office.desk, "minh.desk")
    with pytest.raises(NotAllowed, match="Lê Văn Hải does not hold the role 'desk'"):
        runtime.dossiers.reassign(task.id, office.leader, "hai.thu")

    runtime.dossiers.reassign(task.id, office.leader, "minh.desk")

    assert assignee_of(runtime, task.id) == ("claimed", office.desk2.user_id)
    runtime.dossiers.complete_task(task.id, office.desk2, {"decision": "accept"})
    events = [(e.kind, e.actor) for e in runtime.dossiers.history(task.dossier_code) if e.kind.startswith("task_")]
    assert events == [
        ("task_claimed", "Nguyễn Thị Lan"),
        ("task_reassigned", "Phạm Thị Hoa"),
        ("task_completed", "Trần Văn Minh"),
    ]


def test_completing_an_unclaimed_task_claims_it_on_the_way(runtime, office, task):
    runtime.dossiers.complete_task(task.id, office.desk2, {"decision": "accept"})
    with runtime.db.read() as session:
        row = session.scalars(select(HumanTask).where(HumanTask.id == task.id)).one()
        assert (row.status.value, row.assignee_id, row.completed_by_id) == (
            "done",
            office.desk2.user_id,
            office.desk2.user_id,
        )


def test_a_done_task_cannot_be_claimed_or_released(runtime, office, task):
    runtime.dossiers.complete_task(task.id, office.desk, {"decision": "accept"})
    for action in (runtime.dossiers.claim, runtime.dossiers.unclaim):
        with pytest.raises(TaskNotOpen, match=r"already completed by Nguyễn Thị Lan at 02/03/2026 09:00$"):
            action(task.id, office.desk)  # (the clock says 09:00 in the office, 02:00 UTC)
