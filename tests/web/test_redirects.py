"""After a form the site only ever sends the browser to one of its own pages, whatever `next`
says: logins (applicant and officer), the language switch and claiming several tasks all go
through the one check."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from .helpers import PASSWORD

# what a browser would turn into another site (tab and newline dropped, backslash read as slash)
HOSTILE = [
    "//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https://evil.example/",
    "/\r\nSet-Cookie: x=1",
]


def _location(response) -> str:
    assert response.status_code in (302, 303), response.status_code
    return response.headers["Location"]


def _stays_here(location: str) -> bool:
    host_free = location.split("motcua.test", 1)[-1] if location.startswith("http://motcua.test") else location
    return host_free.startswith("/") and not host_free.startswith("//") and "evil" not in location


@pytest.mark.parametrize("target", HOSTILE)
def test_an_applicant_login_never_leaves_the_site(web, target):
    web.signup(id_number="051090009876")
    web.logout()
    response = web.post(f"/login?next={quote(target)}", {"identifier": "051090009876", "password": PASSWORD})
    assert _stays_here(_location(response))


@pytest.mark.parametrize("target", HOSTILE)
def test_an_officer_login_never_leaves_the_site(web, target):
    response = web.post(
        f"/officer/login?next={quote(target)}", {"username": "lan.desk", "password": PASSWORD}, page="/officer/login"
    )
    assert _stays_here(_location(response))


@pytest.mark.parametrize("target", HOSTILE)
def test_the_language_switch_never_leaves_the_site(web, target):
    assert _stays_here(_location(web.post("/language", {"lang": "en", "next": target}, page="/")))


@pytest.mark.parametrize("target", HOSTILE)
def test_claiming_several_tasks_never_leaves_the_site(web, target):
    web.officer_login("lan.desk")
    assert _stays_here(_location(web.post("/officer/tasks/claim", {"next": target}, page="/officer/")))


def test_a_page_of_the_site_is_where_the_login_goes(web):
    response = web.post(
        "/officer/login?next=/officer/%3Fview%3Dmine",
        {"username": "lan.desk", "password": PASSWORD},
        page="/officer/login",
    )
    assert _location(response).endswith("/officer/?view=mine")
