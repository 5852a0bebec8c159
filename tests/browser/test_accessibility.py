"""The main pages pass the axe-core accessibility rules (WCAG 2.1 A and AA) in a real browser,
for applicants and officers, on a desktop and on a phone screen."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe

from engine.people.officers import Actor
from tests.helpers import P02_APPLICATION, open_task

from ..web.helpers import PASSWORD
from .conftest import open_context

WCAG = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
    "resultTypes": ["violations"],
}


def _violations(page) -> list[str]:
    results = Axe().run(page, options=WCAG)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]


def _log_in(page, server, url, fields):
    page.goto(server + url)
    for name, value in fields.items():
        page.fill(f"#field-{name}", value)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


@pytest.mark.parametrize(
    "size", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_applicant_and_public_pages(server, browser, runtime, size):
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]))
    context = open_context(browser, viewport=size)
    page = context.new_page()
    problems = {}
    for url in ["/", "/procedures", "/procedures/P02", "/login", "/signup", "/password/forgot", f"/track?code={code}"]:
        page.goto(server + url)
        problems[url] = _violations(page)
    page.fill("#field-id_number", P02_APPLICATION["citizen_id"])
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    problems["tracking result"] = _violations(page)
    page.goto(server + "/signup")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()  # an empty form: the error summary and messages
    problems["sign-up errors"] = _violations(page)
    _log_in(
        page,
        server,
        "/signup",
        {
            "id_number": "051090001234",
            "full_name": "Trần Thị Mai",
            "phone": "0912345678",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    problems["sign-up sent"] = _violations(page)
    _log_in(page, server, "/login", {"identifier": "051090001234", "password": PASSWORD})
    page.wait_for_url(re.compile(r"/dossiers$"))
    for url in ["/dossiers", "/procedures/P02/apply"]:
        page.goto(server + url)
        problems[url] = _violations(page)
    context.close()
    assert {url: found for url, found in problems.items() if found} == {}


def test_officer_pages(server, browser, runtime):
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]))
    task = open_task(runtime, code, "reception_check")
    context = open_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _log_in(page, server, "/officer/login", {"username": "lan.desk", "password": PASSWORD})
    page.wait_for_url(re.compile(r"/officer/"))
    problems = {}
    for url in ["/officer/", "/officer/?view=due_soon", f"/officer/tasks/{task.id}", f"/officer/dossiers/{code}"]:
        page.goto(server + url)
        problems[url] = _violations(page)
    context.close()
    assert {url: found for url, found in problems.items() if found} == {}
