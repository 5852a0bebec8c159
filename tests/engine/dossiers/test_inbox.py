"""Officers' inboxes (engine/dossiers/inbox.py): views, visibility, filters, paging, counts and the SLA badge."""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from engine.data.models import HumanTask, RoleAssignment, TaskStatus, User
from engine.dossiers import inbox
from engine.dossiers.inbox import Filters
from engine.people.officers import Actor
from engine.sla.office_calendar import current_calendar
from engine.sla.workdays import WorkCalendar
from engine.workflow.catalogue import load_catalogue
from tests.helpers import P02_APPLICATION, do_task, more_offered_tasks, open_task

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MINIMAL = Path(__file__).resolve().parents[2] / "fixtures" / "minimal" / "X01.bpmn"


def officer(runtime, username: str) -> inbox.Officer:
    with runtime.db.read() as session:
        user = session.scalars(select(User).where(User.username == username)).one()
        roles = session.execute(
            select(RoleAssignment.role_code, RoleAssignment.unit_code).where(RoleAssignment.user_id == user.id)
        ).all()
    return inbox.Officer(user.id, tuple(map(tuple, roles)))


def start(runtime, clock, **changes) -> str:
    clock.advance(timedelta(minutes=1))  # distinct creation times: a stable order
    return runtime.dossiers.start("P02", {**P02_APPLICATION, **changes}, Actor.applicant("An"))


def look(runtime, username: str, view: str, filters: Filters | None = None, page: int = 1, size: int = 20):
    filters = filters or Filters()
    with runtime.db.read() as session:
        calendar = current_calendar(session, runtime.settings)
        now = runtime.clock.now()
        who = officer(runtime, username)
        return (
            inbox.list_view(session, who, view, filters, now, calendar, page, size),
            inbox.counts(session, who, filters, now, calendar),
        )


def codes(page) -> list[str]:
    return [getattr(item, "dossier_code", None) or item.code for item in page.items]


def test_offered_mine_and_done_follow_claims_and_completion(runtime, office, clock):
    first, second = start(runtime, clock), start(runtime, clock)
    page, counts = look(runtime, "lan.desk", "offered")
    assert codes(page) == [first, second] and page.total == 2
    assert counts["offered"] == 2 and counts["mine"] == 0 and counts["intake"] == 2

    task = open_task(runtime, first, "reception_check")
    runtime.dossiers.claim(task.id, office.desk)
    page, counts = look(runtime, "lan.desk", "mine")
    assert codes(page) == [first] and counts["offered"] == 1
    assert look(runtime, "minh.desk", "mine")[1]["mine"] == 0  # a colleague's claim is not mine
    assert codes(look(runtime, "minh.desk", "offered")[0]) == [second]

    runtime.dossiers.complete_task(task.id, office.desk, {"decision": "accept"})
    page, counts = look(runtime, "lan.desk", "done")
    assert codes(page) == [first] and counts["mine"] == 0 and counts["done"] == 1
    assert page.items[0].sla is None  # done work has no badge
    assert [t.element_id for t in look(runtime, "hai.thu", "offered")[0].items] == ["collect_review"]


def test_another_unit_sees_nothing_and_a_leader_oversees_without_being_offered(runtime, office, clock):
    start(runtime, clock)
    outsider = look(runtime, "khac.huyen", "intake")
    assert outsider[0].items == [] and set(outsider[1].values()) == {0}
    page, counts = look(runtime, "hoa.lanhdao", "intake")
    assert page.total == 1 and counts["offered"] == 0  # sees the desk's intake, cannot be offered it
    with runtime.db.read() as session:
        assert inbox.counts(
            session, inbox.Officer(999, ()), Filters(), clock.now(), current_calendar(session, runtime.settings)
        ) == dict.fromkeys(inbox.VIEWS, 0)


def test_paging_is_done_by_the_database_with_a_total(runtime, office, clock):
    made = [start(runtime, clock) for _ in range(5)]
    pages = [look(runtime, "lan.desk", "offered", page=n, size=2)[0] for n in (1, 2, 3)]
    assert [codes(p) for p in pages] == [made[0:2], made[2:4], made[4:]]
    assert {p.total for p in pages} == {5} and pages[0].pages == 3
    assert codes(look(runtime, "lan.desk", "offered", Filters(sort="newest"), size=2)[0]) == made[:2:-1][:2]
    assert look(runtime, "lan.desk", "offered", page=4, size=2)[0].items == []


def test_filters_by_procedure_status_and_due_date(runtime, office, clock):
    code = start(runtime, clock)
    due = open_task(runtime, code, "reception_check").due_at  # Monday 2 March, 17:00 local
    assert look(runtime, "lan.desk", "offered", Filters(procedure="P02"))[0].total == 1
    assert look(runtime, "lan.desk", "offered", Filters(procedure="P01"))[1]["offered"] == 0
    assert look(runtime, "lan.desk", "offered", Filters(status=1))[0].total == 1
    assert look(runtime, "lan.desk", "offered", Filters(status=2))[0].total == 0
    assert look(runtime, "lan.desk", "offered", Filters(due_before=date(2026, 3, 2)))[0].total == 1
    assert look(runtime, "lan.desk", "offered", Filters(due_before=date(2026, 3, 1)))[0].total == 0
    assert due.astimezone(timezone(timedelta(hours=7))).date() == date(2026, 3, 2)


def test_sla_badge_due_soon_and_overdue_move_with_the_clock(runtime, office, clock):
    start(runtime, clock)  # Monday 09:01: reception is due today at 17:00
    page, counts = look(runtime, "lan.desk", "offered")
    assert page.items[0].sla == "due_today"
    assert counts["due_soon"] == 1 and counts["overdue"] == 0
    clock.advance(timedelta(hours=9))  # Monday 18:01
    page, counts = look(runtime, "lan.desk", "offered")
    assert page.items[0].sla == "late"
    assert counts["due_soon"] == 0 and counts["overdue"] == 1
    assert look(runtime, "lan.desk", "overdue")[0].items[0].id == page.items[0].id


def at(*when: int) -> datetime:
    return datetime(*when, tzinfo=VN)


def test_sla_badge_counts_on_the_office_calendar():
    cal = WorkCalendar(VN)
    friday, saturday = at(2026, 3, 6, 9), at(2026, 3, 7, 10)
    assert inbox.sla(at(2026, 3, 6, 17), friday, cal) == "due_today"
    assert inbox.sla(at(2026, 3, 9, 17), friday, cal) == "on_time"
    # on a Saturday, Monday's work is not "due today": it is due on the next working day
    assert inbox.sla(at(2026, 3, 9, 17), saturday, cal) == "due_next"
    assert inbox.sla(at(2026, 3, 10, 17), saturday, cal) == "on_time"
    assert inbox.sla(at(2026, 3, 6, 17), saturday, cal) == "late"
    assert inbox.sla(None, friday, cal) is None
    # due soon: by the end of the next working day (Friday -> Monday)
    assert inbox.due_soon_limit(friday, cal) == at(2026, 3, 10, 0)
    # 30 April and 1 May 2026 are holidays: from Wednesday 29 April the next working day is 4 May
    assert inbox.due_soon_limit(at(2026, 4, 29, 9), cal) == at(2026, 5, 5, 0)


def test_the_sla_clock_counts_working_days_left_and_late():
    cal = WorkCalendar(VN)
    friday, saturday = at(2026, 3, 6, 9), at(2026, 3, 7, 10)
    assert inbox.sla_clock(at(2026, 3, 6, 17), friday, cal) == inbox.SlaClock("due_today", date(2026, 3, 6), 0, 0)
    # Friday to Tuesday: Monday and Tuesday are left, the weekend is not counted
    assert inbox.sla_clock(at(2026, 3, 10, 17), friday, cal).days_left == 2
    # on Saturday, Tuesday's work has one working day left after Monday
    assert inbox.sla_clock(at(2026, 3, 10, 17), saturday, cal).days_left == 1
    # due Wednesday 29 April; on Tuesday 5 May it is two working days late (30 April and 1 May are holidays)
    late = inbox.sla_clock(at(2026, 4, 29, 17), at(2026, 5, 5, 9), cal)
    assert late.state == "late" and late.days_late == 2
    assert inbox.sla_clock(None, friday, cal) is None


def test_supplement_and_withdrawal_views_list_dossiers(runtime, office, clock):
    waiting, withdrawn = start(runtime, clock), start(runtime, clock)
    start(runtime, clock)  # one still awaiting intake
    do_task(runtime, office, waiting, "reception_check", decision="supplement", missing_documents="Tờ khai TK1-TS")
    do_task(runtime, office, withdrawn, "reception_check", decision="accept")
    runtime.dossiers.deliver_message(
        withdrawn, "withdrawal_requested", {"reason": "Đã có việc làm"}, Actor.applicant("An")
    )
    page, counts = look(runtime, "lan.desk", "supplement")
    assert codes(page) == [waiting] and page.items[0].status == 5
    assert page.items[0].waiting_until is not None  # the applicant's deadline
    assert counts["withdrawn"] == 1 and counts["intake"] == 1
    assert codes(look(runtime, "hai.thu", "withdrawn")[0]) == [withdrawn]  # any role in the unit
    assert look(runtime, "khac.huyen", "supplement")[0].total == 0
    clock.advance(timedelta(days=inbox.WITHDRAWN_RECENT_DAYS + 1))
    assert look(runtime, "lan.desk", "withdrawn")[0].total == 0


def test_results_awaiting_return_are_split_by_channel(runtime, office, clock):
    made = {}
    for channel in ("counter", "post"):
        extra = {"delivery_address": "12 Lê Lợi, Quảng Ngãi"} if channel == "post" else {}
        code = made[channel] = start(runtime, clock, result_channel=channel, **extra)
        do_task(runtime, office, code, "reception_check", decision="accept")
        do_task(
            runtime,
            office,
            code,
            "collect_review",
            household_category="poor",
            monthly_income=1500000,
            support_checked=True,
            decision="approve_request",
        )
        do_task(runtime, office, code, "leader_approval", decision="approve")
    page, counts = look(runtime, "lan.desk", "return")
    assert sorted(t.element_id for t in page.items) == ["counter_handover", "postal_dispatch"]
    assert counts["return"] == 2
    with runtime.db.read() as session:
        split = inbox.channel_counts(
            session, officer(runtime, "lan.desk"), Filters(), clock.now(), current_calendar(session, runtime.settings)
        )
    assert split == {"electronic": 0, "counter": 1, "post": 1}
    page, _ = look(runtime, "lan.desk", "return", Filters(channel="post"))
    assert codes(page) == [made["post"]]


def test_the_desks_intake_view_follows_the_purpose_in_the_metadata_not_a_task_id(runtime, office, clock, tmp_path):
    """A procedure whose first check has an id of its own (X01's desk_check) is in the desk's
    "awaiting intake" view once its metadata says that task is the intake, and not before."""
    draft = tmp_path / "X01.bpmn"
    shutil.copy(MINIMAL, draft)
    text = MINIMAL.with_suffix(".yaml").read_text("utf-8")
    draft.with_suffix(".yaml").write_text(text)
    runtime.deploy(load_catalogue(runtime.settings.bpmn_dir, runtime.settings.workflows_dir, only=[draft]))
    before = runtime.dossiers.start("X01", {"full_name": "Nguyễn Văn An"}, Actor.applicant("An"))
    assert before not in codes(look(runtime, "lan.desk", "intake")[0])
    assert before in codes(look(runtime, "lan.desk", "offered")[0])

    draft.with_suffix(".yaml").write_text(text.replace("  desk_check:\n", "  desk_check:\n    purpose: intake\n"))
    runtime.deploy(load_catalogue(runtime.settings.bpmn_dir, runtime.settings.workflows_dir, only=[draft]))
    after = runtime.dossiers.start("X01", {"full_name": "Trần Thị Bình"}, Actor.applicant("Bình"))

    assert after in codes(look(runtime, "lan.desk", "intake")[0])


def test_keyset_paging_returns_every_task_once_in_order(runtime, office, clock):
    """Pages that start after the last row of the one before (next_after) list every task of the
    view once, in the view's order, those with the same due time and those with none included."""
    made = [start(runtime, clock) for _ in range(7)]
    with runtime.db.write() as session:
        tasks = session.scalars(select(HumanTask).order_by(HumanTask.id)).all()
        tasks[1].due_at, tasks[4].due_at = None, None  # no due time: last
        tasks[5].due_at = tasks[2].due_at  # the same due time: then by creation
    for username, view in (("lan.desk", "offered"), ("hoa.lanhdao", "intake")):
        whole = look(runtime, username, view)[0]
        seen, after, pages = [], None, 0
        while True:
            with runtime.db.read() as session:
                page = inbox.list_view(
                    session,
                    officer(runtime, username),
                    view,
                    Filters(),
                    runtime.clock.now(),
                    current_calendar(session, runtime.settings),
                    size=3,
                    after=after,
                )
            seen += [item.id for item in page.items]
            pages += 1
            if page.next_after is None:
                break
            after = page.next_after
        assert seen == [item.id for item in whole.items] and len(seen) == len(made) == 7
        assert pages == 3


def test_a_count_stops_at_the_cap(runtime, office, clock):
    """Past COUNT_CAP rows a view's count says so instead of reading on."""
    code = start(runtime, clock)
    with runtime.db.read() as session:
        task = session.scalars(select(HumanTask).where(HumanTask.status == TaskStatus.NEW)).one()
    more_offered_tasks(runtime, task.id, inbox.COUNT_CAP, 1)
    page, counts = look(runtime, "lan.desk", "offered")
    assert counts["offered"] == inbox.COUNT_CAP and counts["offered"].more
    assert page.total == inbox.COUNT_CAP and page.more and page.has_next and code in codes(page)
    assert counts["mine"] == 0 and not counts["mine"].more
