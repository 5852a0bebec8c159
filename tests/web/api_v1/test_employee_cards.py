"""The health-insurance cards an employer's registration (P01) issues to its employees: books & cards
lists each card printed with its holder's citizen ID on the task page (a bad line is named and
nothing is kept), and a medical facility's check then finds the employee's card. A list issued again
replaces the one before; a card whose dossier ended unsigned is no card; an employee's card gets
no renewal reminder (the employer's contributions renew it)."""

from __future__ import annotations

import dataclasses
from datetime import date

from sqlalchemy import func, select

from engine.data.models import HealthInsuranceCard, User
from engine.design.simulation import apply_step
from engine.integration.reminders import queue_renewal_reminders
from engine.people.officers import Actor
from tests.engine.integration.test_reminders import issue_card, office_time
from tests.web.api_v1.test_partners import CITIZEN

from .helpers import auth
from .partners import as_admin, make_client, token_for

EMPLOYEE, OTHER = "051086258033", "051304971356"  # the first two lines of P01's happy path's list
BAD_LINES = (
    "051086258033; DN4515126861113; 01/12/2026; 30/11/2027\n"
    "05130497135; DN4515126909395; 01/12/2026; 30/11/2027\n"  # 11 digits
    "051086258033; DN4515126000001; 01/12/2026; 30/11/2027\n"  # the same employee again
)


def _run_until(runtime, catalogue, officers, path: str, stop_at: str | None, change=None) -> str:
    """P01's declared path up to (not including) the first step at `stop_at`; `change` may replace
    a step's data (step number -> data). The dossier's code."""
    declared = catalogue.procedures["P01"].meta.paths[path]
    code = runtime.dossiers.start("P01", declared.start, Actor.applicant(declared.start["organisation_name"]))
    for number, step in enumerate(declared.steps, 1):
        if step.target == stop_at:
            break
        if change and number in change:
            step = dataclasses.replace(step, data=change[number])
        apply_step(runtime, runtime.clock, code, step, officers, number)
    return code


def _facility(web, runtime, office):
    as_admin(web, runtime, office)
    token = token_for(web.client, *make_client(web, "medical_facility", "Bệnh viện Đa khoa tỉnh"))

    def check(who: str, on: str = "2027-01-15") -> dict:
        answer = web.client.get(f"/api/v1/cards/{who}?on={on}", headers=auth(token))
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return answer.get_json()

    return check


def _cards(runtime) -> int:
    with runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(HealthInsuranceCard))


def test_books_and_cards_lists_the_employees_cards_and_a_medical_facility_finds_them(
    web, runtime, office, catalogue, officers, password_hash
):
    code = _run_until(runtime, catalogue, officers, "happy", "cards_issue")
    with runtime.db.write() as session:
        session.scalars(select(User).where(User.username == "test.books_cards")).one().password_hash = password_hash
    task = next(t for t in runtime.dossiers.open_tasks(code) if t.element_id == "cards_issue")
    assert web.officer_login("test.books_cards").status_code == 302
    page = web.text(f"/officer/tasks/{task.id}")
    assert '<textarea id="field-issued_cards" name="issued_cards"' in page
    assert "Mỗi thẻ một dòng" in page  # how to write the list, in Vietnamese

    refused = web.post(
        f"/officer/tasks/{task.id}/complete",
        {"decision": "approve_request", "books_issued": "2", "issued_cards": BAD_LINES},
        page=f"/officer/tasks/{task.id}",
    )
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Dòng 2: số CCCD gồm đúng 12 chữ số; dòng 3: số CCCD này đã có ở dòng trên" in text
    assert "05130497135; DN4515126909395" in text  # the list is kept to be corrected
    assert _cards(runtime) == 0 and any(t.id == task.id for t in runtime.dossiers.open_tasks(code))

    # pasted from a spreadsheet: tab-separated, a card number in lower case, a blank line
    pasted = (
        "051086258033\tdn4515126861113\t01/12/2026\t30/11/2027\n\n051304971356\tDN4515126909395\t2026-12-01\t2027-11-30"
    )
    done = web.post(
        f"/officer/tasks/{task.id}/complete",
        {"decision": "approve_request", "books_issued": "2", "issued_cards": pasted},
        page=f"/officer/tasks/{task.id}",
    )
    assert done.status_code == 302, done.get_data(as_text=True)
    apply_step(runtime, runtime.clock, code, catalogue.procedures["P01"].meta.paths["happy"].steps[-1], officers)
    assert runtime.dossiers.get(code).status == 10

    check = _facility(web, runtime, office)
    assert check(EMPLOYEE) == {
        "on": "2027-01-15",
        "valid": True,
        "answer": "valid",
        "card": {"number": "DN4515126861113", "valid_from": "2026-12-01", "valid_to": "2027-11-30"},
    }
    assert check(OTHER)["card"]["number"] == "DN4515126909395"
    assert check(EMPLOYEE, "2026-11-30")["answer"] == "not_yet_valid"
    # the employer is no card holder
    assert check(catalogue.procedures["P01"].meta.paths["happy"].start["tax_code"] + "00")["answer"] == "no_card"


def test_a_list_issued_again_after_a_send_back_replaces_the_one_before(web, runtime, office, catalogue, officers):
    declared = catalogue.procedures["P01"].meta.paths["sent_back"]
    first, second = [n for n, s in enumerate(declared.steps, 1) if s.target == "cards_issue"]
    first_list = declared.steps[first - 1].data["issued_cards"].splitlines()
    dropped, kept = first_list[0].split(";")[0], first_list[1].split(";")[0]
    again = declared.steps[second - 1].data
    # the second list leaves out the first list's first card: that card was never handed over
    shorter = {**again, "issued_cards": "\n".join(again["issued_cards"].splitlines()[1:])}
    code = _run_until(runtime, catalogue, officers, "sent_back", None, change={second: shorter})
    assert runtime.dossiers.get(code).status == 10

    check = _facility(web, runtime, office)
    assert check(kept)["answer"] == "valid"
    assert check(dropped)["answer"] == "no_card"
    assert _cards(runtime) == len(shorter["issued_cards"].splitlines()) == 5


def test_a_card_whose_dossier_was_withdrawn_before_signing_is_no_card(web, runtime, office, catalogue, officers):
    issue_card(runtime, catalogue, officers, withdrawn_before_signing=True)
    assert _cards(runtime) == 1  # printed, recorded, then the applicant withdrew
    assert _facility(web, runtime, office)(CITIZEN)["answer"] == "no_card"


def test_an_employees_card_gets_no_renewal_reminder(runtime, catalogue, officers, clock):
    code = _run_until(runtime, catalogue, officers, "happy", None)
    assert runtime.dossiers.get(code).status == 10 and _cards(runtime) == 25
    issue_card(runtime, catalogue, officers, valid_to="2027-11-30")  # the applicant's own card (P03)
    clock.set(office_time(date(2027, 11, 1)))  # 29 days before all of them expire
    assert queue_renewal_reminders(runtime.db, runtime.clock, runtime.settings) == 1
