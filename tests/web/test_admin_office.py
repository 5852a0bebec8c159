"""The administrator's pages for the office: units, officers, role grants and the office calendar.
Every change is recorded (who, when, what) and shown under its page; a bad input is refused with
a clear message and changes nothing; only administrators come in, and every form needs its token."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from engine.data.audit import verify_changes
from engine.data.models import AdminChange, CalendarDay, Role, RoleAssignment, Unit, User
from engine.people.officers import grant
from engine.sla.office_calendar import load_calendar
from tests.helpers import P02_APPLICATION, do_task, open_task

from .helpers import PASSWORD

UNITS, OFFICERS, ROLES, CALENDAR = (f"/officer/admin/{p}" for p in ("units", "officers", "roles", "calendar"))


@pytest.fixture
def admin(runtime, office, web):
    """hoa.lanhdao holds the administrator's role too, and is logged in, in English."""
    with runtime.db.write() as session:
        user = session.scalars(select(User).where(User.username == "hoa.lanhdao")).one()
        grant(session, user, "admin", office.unit)
    web.officer_login("hoa.lanhdao")
    web.post("/language", {"lang": "en", "next": "/"}, page="/")
    return web


def changes(runtime) -> int:
    with runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(AdminChange))


def count(runtime, model) -> int:
    with runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def text(response) -> str:
    return response.get_data(as_text=True)


# --- units ---------------------------------------------------------------------------------------


def test_an_administrator_adds_and_renames_a_unit_and_sees_who_did_it(runtime, admin):
    response = admin.post(
        UNITS,
        {"code": "BHXH.QNI.DUCPHO", "name_vi": "BHXH thị xã Đức Phổ", "name_en": "Duc Pho office"},
        follow_redirects=True,
    )
    page = text(response)
    assert "Unit BHXH.QNI.DUCPHO added." in page
    assert "<code>BHXH.QNI.DUCPHO</code>" in page and "Duc Pho office" in page
    assert "Phạm Thị Hoa" in page and "Added unit BHXH.QNI.DUCPHO (BHXH thị xã Đức Phổ)" in page
    response = admin.post(
        f"{UNITS}/BHXH.QNI.DUCPHO",
        {"name_vi": "BHXH Đức Phổ", "name_en": "Duc Pho town office"},
        page=UNITS,
        follow_redirects=True,
    )
    page = text(response)
    assert "Unit BHXH.QNI.DUCPHO renamed." in page and "Duc Pho town office" in page
    assert "Renamed unit BHXH.QNI.DUCPHO: BHXH thị xã Đức Phổ → BHXH Đức Phổ" in page
    with runtime.db.read() as session:
        assert session.get(Unit, "BHXH.QNI.DUCPHO").name_en == "Duc Pho town office"
        assert verify_changes(session) == []


def test_a_taken_or_bad_unit_code_and_empty_names_change_nothing(runtime, admin, office):
    before, logged = count(runtime, Unit), changes(runtime)
    response = admin.post(UNITS, {"code": office.unit, "name_vi": "X", "name_en": "X"})
    assert response.status_code == 400 and f"There is already a unit {office.unit}" in text(response)
    response = admin.post(UNITS, {"code": "có dấu", "name_vi": "", "name_en": "Y"})
    page = text(response)
    assert (
        response.status_code == 400
        and "A unit code has letters, digits" in page
        and "Enter the Vietnamese name" in page
    )
    response = admin.post(f"{UNITS}/{office.unit}", {"name_vi": " ", "name_en": "Z"}, page=UNITS)
    assert response.status_code == 400 and "Enter the Vietnamese name" in text(response)
    assert count(runtime, Unit) == before and changes(runtime) == logged
    with runtime.db.read() as session:
        assert session.get(Unit, office.unit).name_en != "Z"


# --- officers ------------------------------------------------------------------------------------


def test_an_officer_created_with_a_first_password_logs_in_with_it(runtime, admin, other_web):
    response = admin.post(
        OFFICERS,
        {
            "username": "tam.motcua",
            "full_name": "Võ Thị Tâm",
            "email": "",
            "first": "password",
            "password": "bat-dau-2027",
        },
    )
    page = text(response)
    assert response.status_code == 200 and "Officer tam.motcua created." in page
    assert "<code>tam.motcua</code>" in page and "Created officer tam.motcua (Võ Thị Tâm)" in page
    assert other_web.officer_login("tam.motcua", "bat-dau-2027").status_code == 302


def test_an_officer_created_with_a_reset_link_sets_their_own_password(runtime, admin, other_web):
    response = admin.post(OFFICERS, {"username": "tam.motcua", "full_name": "Võ Thị Tâm", "first": "link"})
    page = text(response)
    link = re.search(r"<code>(https?://[^<]+/password/reset/[^<]+)</code>", page)
    assert link, page
    path = "/password/reset/" + link.group(1).rsplit("/password/reset/", 1)[1]
    assert other_web.officer_login("tam.motcua", "anything-at-all").status_code != 302  # no password yet
    response = other_web.post(path, {"password": "cua-toi-2027", "password_confirm": "cua-toi-2027"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/officer/login")
    assert other_web.officer_login("tam.motcua", "cua-toi-2027").status_code == 302
    response = other_web.post(
        path, {"password": "lan-hai-2027", "password_confirm": "lan-hai-2027"}, page="/password/forgot"
    )
    assert response.headers["Location"].endswith("/password/forgot")  # used once: it opens nothing any more
    assert other_web.officer_login("tam.motcua", "lan-hai-2027").status_code != 302


def test_a_taken_username_a_bad_email_or_a_short_password_create_nothing(runtime, admin):
    before, logged = count(runtime, User), changes(runtime)
    response = admin.post(OFFICERS, {"username": "lan.desk", "full_name": "Lan", "first": "link"})
    assert response.status_code == 400 and "The username lan.desk is taken" in text(response)
    response = admin.post(
        OFFICERS,
        {"username": "new.one", "full_name": "", "email": "not-mail", "first": "password", "password": "short"},
    )
    page = text(response)
    assert response.status_code == 400
    assert "Enter the full name" in page and "This e-mail address is not valid" in page
    assert "The password needs at least 8 characters" in page
    assert count(runtime, User) == before and changes(runtime) == logged


def test_a_deactivated_officer_cannot_log_in_and_their_claimed_tasks_go_back_to_the_pool(
    runtime, office, admin, other_web
):
    code = runtime.dossiers.start("P02", P02_APPLICATION, office.desk)
    task = open_task(runtime, code, "reception_check")
    runtime.dossiers.claim(task.id, office.desk)
    assert other_web.officer_login("lan.desk").status_code == 302
    response = admin.post(f"{OFFICERS}/lan.desk/active", {"active": "0"}, page=OFFICERS, follow_redirects=True)
    page = text(response)
    assert (
        "lan.desk is deactivated and can no longer log in; 1 open task(s) went back to their role&#39;s pool." in page
    )
    assert "Deactivated officer lan.desk; 1 task(s) back to the pool" in page
    assert other_web.get("/officer/").status_code == 302  # their login ended
    assert other_web.officer_login("lan.desk").status_code != 302  # refused
    reopened = open_task(runtime, code, "reception_check")
    assert reopened.status == "new" and reopened.assignee is None
    history = admin.text(f"/officer/dossiers/{code}")
    assert "Released the task" in history
    admin.post(f"{OFFICERS}/lan.desk/active", {"active": "1"}, page=OFFICERS)
    assert other_web.officer_login("lan.desk").status_code == 302


def test_an_administrator_cannot_deactivate_themselves(runtime, admin):
    response = admin.post(f"{OFFICERS}/hoa.lanhdao/active", {"active": "0"}, page=OFFICERS, follow_redirects=True)
    assert "You cannot deactivate yourself" in text(response)
    with runtime.db.read() as session:
        assert session.scalars(select(User.active).where(User.username == "hoa.lanhdao")).one()


def test_a_reset_password_ends_the_old_one(runtime, admin, other_web):
    assert other_web.officer_login("lan.desk").status_code == 302
    response = admin.post(f"{OFFICERS}/lan.desk/password", {"password": "moi-hon-2027"}, page=OFFICERS)
    assert "The password of lan.desk was changed; their logins have ended." in text(response)
    assert other_web.get("/officer/").status_code == 302
    assert other_web.officer_login("lan.desk", PASSWORD).status_code != 302
    assert other_web.officer_login("lan.desk", "moi-hon-2027").status_code == 302
    response = admin.post(f"{OFFICERS}/lan.desk/password", {"password": "ngan"}, page=OFFICERS)
    assert response.status_code == 400 and "The password needs at least 8 characters" in text(response)
    assert other_web.officer_login("lan.desk", "moi-hon-2027").status_code == 302  # unchanged


# --- role grants ---------------------------------------------------------------------------------


def test_grant_and_revoke_a_role_in_a_unit(runtime, admin, office, other_web):
    response = admin.post(
        f"{ROLES}/grant",
        {"username": "lan.desk", "role": "collection", "unit": office.unit},
        page=ROLES,
        follow_redirects=True,
    )
    page = text(response)
    assert f"lan.desk now holds collection in {office.unit}." in page
    assert f"Granted collection in {office.unit} to lan.desk" in page
    response = admin.post(
        f"{ROLES}/revoke",
        {"username": "lan.desk", "role": "collection", "unit": office.unit},
        page=ROLES,
        follow_redirects=True,
    )
    assert f"lan.desk no longer holds collection in {office.unit}." in text(response)
    assert f"Revoked collection in {office.unit} from lan.desk" in text(response)


def test_an_unknown_role_unit_or_officer_grants_nothing(runtime, admin, office):
    before, logged = count(runtime, RoleAssignment), changes(runtime)
    response = admin.post(f"{ROLES}/grant", {"username": "ghost", "role": "wizard", "unit": "NOWHERE"}, page=ROLES)
    page = text(response)
    assert response.status_code == 400
    assert (
        "No officer &#39;ghost&#39;" in page
        and "No role &#39;wizard&#39;" in page
        and "No unit &#39;NOWHERE&#39;" in page
    )
    assert count(runtime, RoleAssignment) == before and changes(runtime) == logged


# --- the office calendar -------------------------------------------------------------------------


def accepted_dossier(runtime, office) -> str:
    code = runtime.dossiers.start("P02", P02_APPLICATION, office.desk)
    do_task(runtime, office, code, "reception_check", decision="accept")
    return code


def a_working_day_inside(runtime, code) -> tuple[date, date]:
    dossier = runtime.dossiers.get(code)
    with runtime.db.read() as session:
        calendar = load_calendar(session, runtime.settings)
    appointment = dossier.appointment_at.astimezone(calendar.zone).date()
    day = dossier.received_on + timedelta(days=1)
    while not calendar.is_working_day(day):
        day += timedelta(days=1)
    assert day < appointment
    return day, appointment


def test_a_day_off_moves_the_appointment_of_open_dossiers_and_removing_it_moves_it_back(runtime, office, admin):
    code = accepted_dossier(runtime, office)
    day, appointment = a_working_day_inside(runtime, code)
    shown = appointment.strftime("%d/%m/%Y")
    assert shown in admin.text(f"/officer/dossiers/{code}")
    response = admin.post(
        CALENDAR, {"day": day.strftime("%d/%m/%Y"), "kind": "off", "note": "Quyết định 12/QĐ"}, follow_redirects=True
    )
    page = text(response)
    assert "Calendar changed; 1 open dossier(s) got a new appointment." in page
    assert f"Day off added: {day:%d/%m/%Y} Quyết định 12/QĐ (1 appointment(s) moved)" in page
    with runtime.db.read() as session:
        calendar = load_calendar(session, runtime.settings)
    moved = calendar.next_working_day(appointment)
    dossier_page = admin.text(f"/officer/dossiers/{code}")
    assert moved.strftime("%d/%m/%Y") in dossier_page and shown not in dossier_page.split("History")[0]
    assert f"The office&#39;s calendar changed for {day:%d/%m/%Y}" in dossier_page
    response = admin.post(f"{CALENDAR}/{day.isoformat()}/remove", page=CALENDAR, follow_redirects=True)
    assert "1 open dossier(s) got a new appointment." in text(response)
    assert runtime.dossiers.get(code).appointment_at.astimezone(calendar.zone).date() == appointment


def test_a_bad_or_taken_date_and_no_kind_change_nothing(runtime, admin):
    admin.post(CALENDAR, {"day": "02/09/2027", "kind": "off", "note": ""})
    before, logged = count(runtime, CalendarDay), changes(runtime)
    for values, said in [
        ({"day": "31/02/2027", "kind": "off"}, "Not a date: write dd/mm/yyyy, e.g. 02/09/2027"),
        ({"day": "tomorrow", "kind": "working"}, "Not a date: write dd/mm/yyyy"),
        ({"day": "02/09/2027", "kind": "working"}, "02/09/2027 already has a change; remove it first"),
        ({"day": "03/09/2027"}, "Choose a day off or a make-up working day"),
        ({"day": " ", "kind": "off"}, "Enter the day, as dd/mm/yyyy"),
    ]:
        response = admin.post(CALENDAR, values)
        assert response.status_code == 400 and said in text(response), values
    assert count(runtime, CalendarDay) == before and changes(runtime) == logged
    response = admin.post(f"{CALENDAR}/2027-09-04/remove", page=CALENDAR, follow_redirects=True)
    assert "The office has no change of its own for 2027-09-04" in text(response)
    assert "02/09/2027" in admin.text(f"{CALENDAR}?year=2027")


# --- who comes in --------------------------------------------------------------------------------

PAGES = (UNITS, OFFICERS, ROLES, CALENDAR)
POSTS = [
    (UNITS, {"code": "X1", "name_vi": "X", "name_en": "X"}),
    (f"{OFFICERS}", {"username": "x.y", "full_name": "X", "first": "link"}),
    (f"{OFFICERS}/lan.desk/active", {"active": "0"}),
    (f"{OFFICERS}/lan.desk/password", {"password": "hop-le-2027"}),
    (f"{ROLES}/grant", {"username": "lan.desk", "role": "admin", "unit": "BHXH.QNI"}),
    (CALENDAR, {"day": "02/09/2027", "kind": "off"}),
]


def test_a_leader_who_is_no_administrator_is_refused_everywhere(runtime, web, office):
    web.officer_login("hoa.lanhdao")
    logged, users = changes(runtime), count(runtime, User)
    for url in PAGES:
        assert web.get(url).status_code == 403, url
    for url, data in POSTS:
        assert web.post(url, data, page="/officer/").status_code == 403, url
    assert changes(runtime) == logged and count(runtime, User) == users
    assert other_login_works(web)


def other_login_works(web) -> bool:
    return web.officer_login("lan.desk").status_code == 302  # not deactivated, password unchanged


def test_a_post_without_its_token_changes_nothing(runtime, admin):
    logged = changes(runtime)
    for url, data in POSTS:
        assert admin.client.post(url, data=data).status_code == 400, url
    assert changes(runtime) == logged
    with runtime.db.read() as session:
        assert session.get(Role, "admin") is not None and session.get(Unit, "X1") is None
