"""The one-stop desk checks the applicant against the population registry (the real simulator) on
the reception task page: field by field, and still working when the registry is down."""

from __future__ import annotations

import re

import pytest

from engine.people.officers import Actor
from tests.engine.integration import test_registry as connected
from tests.engine.integration.test_registry import MAI
from tests.helpers import P02_APPLICATION, do_task, open_task

# the simulators served, and the runtime that talks to them
outside, sim, settings = connected.outside, connected.sim, connected.settings


@pytest.fixture
def desk(web, office):
    web.officer_login("lan.desk")
    web.post("/language", {"lang": "en", "next": "/"}, page="/")
    return web


def task_page(runtime, desk, **application) -> tuple[str, int, str]:
    code = runtime.dossiers.start("P02", {**P02_APPLICATION, **application}, Actor.applicant("Trần Thị Mai"))
    task = open_task(runtime, code, "reception_check").id
    return code, task, desk.text(f"/officer/tasks/{task}")


def registry_box(page: str) -> str:
    found = re.search(r'<section aria-labelledby="registry-heading" id="registry">(.*?)</section>', page, re.DOTALL)
    assert found, "no registry box on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def test_a_mismatch_is_shown_field_by_field(runtime, desk):
    _code, _task, page = task_page(runtime, desk, **{**MAI, "full_name": "Trần Thị Mây", "date_of_birth": "1990-07-23"})
    box = registry_box(page)
    assert box.startswith("Population registry The application differs from the registry:")
    assert "Full name Trần Thị Mây Trần Thị Mai" in box
    assert "Date of birth 23/07/1990 22/07/1990" in box
    assert "Sex" not in box  # the same in both


def test_the_sex_is_shown_with_its_label(runtime, desk):
    _code, _task, page = task_page(runtime, desk, **{**MAI, "sex": "male"})
    box = registry_box(page)
    assert "Sex Male Female" in box
    assert "The 4th digit (1) stands for female, the application says male" in box  # and the ID says so too


def test_a_match_and_an_unknown_person(runtime, desk):
    _code, _task, page = task_page(runtime, desk, **MAI)
    assert registry_box(page) == "Population registry The name, date of birth and sex match the registry."
    _code, _task, page = task_page(runtime, desk)  # P02_APPLICATION's citizen ID is nobody's in the registry
    assert registry_box(page) == (
        f"Population registry The citizen ID {P02_APPLICATION['citizen_id']} was not found in the registry."
    )


def test_the_page_works_when_the_registry_is_down(runtime, desk, sim):
    sim.post("/_control", {"service": "registry", "mode": "fail"})
    code, task, page = task_page(runtime, desk, **MAI)
    assert registry_box(page) == (
        "Population registry The registry could not be reached: check the identity papers by hand."
    )
    desk.post(f"/officer/tasks/{task}/claim", page=f"/officer/tasks/{task}")
    done = desk.post(f"/officer/tasks/{task}/complete", {"decision": "accept"}, page=f"/officer/tasks/{task}")
    assert done.status_code == 302
    assert open_task(runtime, code, "collect_review")  # accepted all the same


def test_the_box_is_only_on_open_reception_steps(runtime, web, office):
    web.officer_login("lan.desk")
    code = runtime.dossiers.start("P02", {**P02_APPLICATION, **MAI}, Actor.applicant("Trần Thị Mai"))
    task = open_task(runtime, code, "reception_check").id
    assert MAI["citizen_id"] not in registry_box(web.text(f"/officer/tasks/{task}"))  # a match says no more
    web.post(f"/officer/tasks/{task}/claim", page=f"/officer/tasks/{task}")
    web.post(f"/officer/tasks/{task}/complete", {"decision": "accept"}, page=f"/officer/tasks/{task}")
    assert 'id="registry"' not in web.text(f"/officer/tasks/{task}")  # done: no need to ask again
    web.logout()
    web.officer_login("hai.thu")
    review = open_task(runtime, code, "collect_review").id
    assert 'id="registry"' not in web.text(f"/officer/tasks/{review}")


def test_the_recheck_after_a_supplement_shows_it_too(runtime, desk, office):
    code, _task, _page = task_page(runtime, desk, **{**MAI, "full_name": "Trần Thị Mây"})
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="Tờ khai TK1-TS")
    runtime.dossiers.deliver_message(code, "supplement_received", {}, Actor.applicant("Trần Thị Mai"))
    recheck = open_task(runtime, code, "reception_recheck").id
    assert "Full name Trần Thị Mây Trần Thị Mai" in registry_box(desk.text(f"/officer/tasks/{recheck}"))
