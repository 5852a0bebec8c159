"""The administrators' calendar changes: checked, recorded in the administration's log, and moving
the appointments of open dossiers whose time runs over the changed day."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError

from engine.data.audit import latest_changes, verify_changes
from engine.data.models import AdminChange, Event, OutboxMessage
from engine.errors import FormError, NotFound
from engine.people.officers import Actor
from engine.sla.office_calendar import current_calendar, remove_calendar_day, set_calendar_day
from tests.helpers import P02_APPLICATION, do_task, open_task

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VN)


@pytest.fixture
def accepted(runtime, office, clock) -> str:
    clock.set(at("2026-03-02 09:00"))  # Monday
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
    do_task(runtime, office, code, "reception_check", decision="accept")
    assert runtime.dossiers.get(code).appointment_at == at("2026-03-09 17:00")  # 5 working days
    return code


def change(runtime, office, **values) -> int:
    with runtime.db.write() as session:
        return set_calendar_day(session, runtime.settings, values, office.leader, runtime.clock.now())


def test_a_day_off_inside_the_limit_moves_the_appointment_and_the_open_task_one_working_day_later(
    runtime, office, accepted
):
    due_before = open_task(runtime, accepted, "collect_review").due_at
    assert change(runtime, office, day="04/03/2026", kind="off", note="Nghỉ đột xuất") == 1
    assert runtime.dossiers.get(accepted).appointment_at == at("2026-03-10 17:00")
    assert open_task(runtime, accepted, "collect_review").due_at > due_before
    with runtime.db.read() as session:
        told = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notify.appointment")).all()
        assert [m.payload["reason"] for m in told] == ["calendar_changed"]
        assert current_calendar(session, runtime.settings).is_working_day(date(2026, 3, 4)) is False
        moved = session.scalars(
            select(Event.data).where(
                Event.dossier_id == runtime.dossiers.get(accepted).id, Event.kind == "appointment_moved"
            )
        ).all()
        assert [m["day"] for m in moved] == ["2026-03-04"]  # the history says why
    with runtime.db.write() as session:
        assert remove_calendar_day(session, runtime.settings, date(2026, 3, 4), office.leader, runtime.clock.now()) == 1
    assert runtime.dossiers.get(accepted).appointment_at == at("2026-03-09 17:00")


def test_a_make_up_working_day_inside_the_limit_moves_it_earlier(runtime, office, accepted):
    assert change(runtime, office, day="2026-03-07", kind="working", note="Làm bù") == 1  # a Saturday
    # 3, 4, 5, 6 and the make-up Saturday 7 March are the five working days now
    assert runtime.dossiers.get(accepted).appointment_at == at("2026-03-07 17:00")


def test_a_day_after_the_appointment_moves_nothing(runtime, office, accepted):
    assert change(runtime, office, day="10/03/2026", kind="off") == 0
    assert runtime.dossiers.get(accepted).appointment_at == at("2026-03-09 17:00")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"day": "30/02/2026", "kind": "off"}, "day"),
        ({"day": "2026-3-4", "kind": "off"}, "day"),
        ({"day": "04/03/2026", "kind": "holiday"}, "kind"),
        ({"day": "04/03/2026", "kind": "off", "note": "x" * 301}, "note"),
    ],
)
def test_a_bad_change_is_refused_and_writes_nothing(runtime, office, accepted, values, field):
    with pytest.raises(FormError) as refused:
        change(runtime, office, **values)
    assert field in refused.value.errors
    assert runtime.dossiers.get(accepted).appointment_at == at("2026-03-09 17:00")
    with runtime.db.read() as session:
        assert latest_changes(session) == []


def test_removing_a_day_without_a_change_is_refused(runtime, office):
    with runtime.db.write() as session, pytest.raises(NotFound):
        remove_calendar_day(session, runtime.settings, date(2026, 3, 4), office.leader, runtime.clock.now())


def test_the_change_log_is_chained_and_an_edited_row_is_found(runtime, office):
    change(runtime, office, day="04/03/2026", kind="off", note="một")
    change(runtime, office, day="05/03/2026", kind="off", note="hai")
    with runtime.db.read() as session:
        changes = latest_changes(session, "calendar")
        assert [c.data["note"] for c in changes] == ["hai", "một"]
        assert [c.actor for c in changes] == ["Phạm Thị Hoa"] * 2
        assert verify_changes(session) == []
    with runtime.db.write() as session, pytest.raises(DBAPIError):  # the database refuses an edit
        session.execute(update(AdminChange).where(AdminChange.seq == 1).values(actor="Someone else"))
    # someone with the database in hand drops the guard first; rolled back afterwards, so the shared
    # test database keeps its guard for the tests after this one
    with runtime.db.rehearsal() as session:
        if runtime.db.is_sqlite:
            session.execute(text("DROP TRIGGER admin_changes_no_update"))
        else:
            session.execute(text("DROP TRIGGER admin_changes_append_only ON admin_changes"))
        session.execute(update(AdminChange).where(AdminChange.seq == 1).values(actor="Someone else"))
        assert verify_changes(session) == [1]
