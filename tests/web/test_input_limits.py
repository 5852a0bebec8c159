"""Every text that comes in has a length limit, and page numbers are bounded: a name of two million
characters is refused beside its field and stored nowhere; page 99999999999999999999 is a page, not
a server error."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from engine.data.models import Account, Dossier, User
from engine.people.officers import grant

from .test_portal import english, p02_form


def _count(runtime, model) -> int:
    with runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_an_application_with_an_endless_name_is_refused_beside_the_field(web, runtime):
    web.signup()
    english(web)
    response = web.post("/procedures/P02/apply", p02_form(full_name="A" * 450_000))
    assert response.status_code == 400
    assert "At most 100 characters" in response.get_data(as_text=True)
    assert _count(runtime, Dossier) == 0


def test_a_sign_up_with_a_two_million_character_name_is_refused(web, runtime):
    english(web)
    response = web.signup(name="A" * 2_000_000)
    assert response.status_code == 400
    assert "At most 200 characters" in response.get_data(as_text=True)
    assert _count(runtime, Account) == 0


@pytest.mark.parametrize(
    "who, url", [("applicant", "/dossiers"), ("officer", "/officer/"), ("admin", "/officer/admin/webhooks")]
)
@pytest.mark.parametrize("page", ["99999999999999999999", "-3", "²", "x"])
def test_any_page_number_gives_a_page(runtime, office, web, who, url, page):
    if who == "applicant":
        web.signup()
    else:
        if who == "admin":
            with runtime.db.write() as session:
                grant(
                    session,
                    session.scalars(select(User).where(User.username == "hoa.lanhdao")).one(),
                    "admin",
                    office.unit,
                )
        web.officer_login("lan.desk" if who == "officer" else "hoa.lanhdao")
    assert web.get(f"{url}?page={page}").status_code == 200
