"""In a real browser: an administrator adds a holiday and the due date a dossier's page shows
moves; a leader reassigns a task from the team view; the administration pages and the team view
pass axe-core (WCAG 2.1 A/AA) on a desktop and on a phone, with screenshots of each."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.data.models import User
from engine.people.officers import grant
from engine.sla.office_calendar import load_calendar
from tests.helpers import P02_APPLICATION, do_task, open_task

from ..web.helpers import PASSWORD
from .conftest import open_context
from .test_accessibility import _violations

SIZES = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def make_admin(runtime, office) -> None:
    with runtime.db.write() as session:
        user = session.scalars(select(User).where(User.username == "hoa.lanhdao")).one()
        grant(session, user, "admin", office.unit)


def log_in(page, server, username: str) -> None:
    page.goto(server + "/officer/login")
    page.fill("#field-username", username)
    page.fill("#field-password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def appointment_on(page) -> str:
    return page.locator(
        "dt:has-text('Hẹn trả kết quả') + dd, dt:has-text('Appointment for the result') + dd"
    ).first.inner_text()


def test_an_admin_adds_a_holiday_and_the_due_date_on_the_dossier_page_moves(server, browser, runtime, office, screens):
    make_admin(runtime, office)
    code = runtime.dossiers.start("P02", P02_APPLICATION, office.desk)
    do_task(runtime, office, code, "reception_check", decision="accept")
    dossier = runtime.dossiers.get(code)
    with runtime.db.read() as session:
        calendar = load_calendar(session, runtime.settings)
    day = calendar.next_working_day(dossier.received_on)
    before = dossier.appointment_at.astimezone(calendar.zone).date()
    after = calendar.next_working_day(before)

    context = open_context(browser, viewport=SIZES["desktop"])
    page = context.new_page()
    log_in(page, server, "hoa.lanhdao")
    page.goto(f"{server}/officer/dossiers/{code}")
    assert before.strftime("%d/%m/%Y") in appointment_on(page)

    page.goto(server + "/officer/admin/calendar")
    page.fill("#field-day", day.strftime("%d/%m/%Y"))
    page.check("input[name=kind][value=off]")
    page.fill("#field-note", "Nghỉ bù theo quyết định của UBND tỉnh")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Thêm ngày|Add the day")).click()
    assert page.locator(".flash-success").is_visible()
    assert day.strftime("%d/%m/%Y") in page.locator("#calendar-days").inner_text()
    assert "Phạm Thị Hoa" in page.locator("#changes").inner_text()
    screens.shot(page, "calendar-1280")

    page.goto(f"{server}/officer/dossiers/{code}")
    assert after.strftime("%d/%m/%Y") in appointment_on(page)
    screens.shot(page, "dossier-moved-1280")
    context.close()


def test_a_leader_reassigns_from_the_team_view(server, browser, runtime, office, clock, screens):
    codes = []
    for name in ("Nguyễn Văn An", "Trần Thị Bình"):
        codes.append(runtime.dossiers.start("P02", {**P02_APPLICATION, "full_name": name}, office.desk))
        clock.advance(timedelta(hours=1))
    task = open_task(runtime, codes[0], "reception_check")
    runtime.dossiers.claim(task.id, office.desk)
    for size in ("desktop", "phone"):
        context = open_context(browser, viewport=SIZES[size])
        page = context.new_page()
        log_in(page, server, "hoa.lanhdao")
        page.goto(server + "/officer/team/")
        screens.shot(page, f"team-{size}")
        if size == "desktop":
            row = page.locator(f"#task-{task.id}")
            assert "Nguyễn Thị Lan" in row.inner_text()
            row.locator("select[name=to]").select_option("minh.desk")
            with page.expect_navigation():
                row.get_by_role("button", name=re.compile("Giao lại|Reassign")).click()
            assert page.locator(".flash-success").is_visible()
            assert "Trần Văn Minh" in page.locator(f"#task-{task.id}").inner_text()
            screens.shot(page, "team-reassigned-desktop")
        context.close()
    assert open_task(runtime, codes[0], "reception_check").assignee == "Trần Văn Minh"


@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
def test_the_administration_pages_and_the_team_view_pass_axe(server, browser, runtime, office, screens, size):
    make_admin(runtime, office)
    runtime.dossiers.start("P02", P02_APPLICATION, office.desk)
    context = open_context(browser, viewport=SIZES[size])
    page = context.new_page()
    log_in(page, server, "hoa.lanhdao")
    problems = {}
    for name in ("units", "officers", "roles", "calendar"):
        page.goto(f"{server}/officer/admin/{name}")
        problems[name] = _violations(page)
        screens.shot(page, f"{name}-{size}")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Thêm ngày|Add the day")).click()  # an empty form
    assert page.locator("#error-summary").is_visible()
    problems["calendar errors"] = _violations(page)
    screens.shot(page, f"calendar-errors-{size}")
    page.goto(server + "/officer/team/")
    problems["team"] = _violations(page)
    context.close()
    assert {name: found for name, found in problems.items() if found} == {}
