"""The web server keeps answering while a script spins: an officer's request runs a dossier into a
`while True: pass` script on a real server (threads, as `motcua serve` runs it); another request made
meanwhile gets its answer, and the officer's ends within the limit with the clear error, the dossier
where it was and the incident on its page."""

from __future__ import annotations

import dataclasses
import re
import threading
import time

import httpx
import pytest

from engine.config import Settings
from engine.data.models import User
from engine.people.officers import Actor
from tests.helpers import open_task
from tests.scripted import load_procedures, write_procedure
from tests.serving import serving
from tests.web.helpers import PASSWORD
from web import create_app

LIMIT = 1.0
SLACK = 2.0
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def settings(settings) -> Settings:
    return dataclasses.replace(settings, script_seconds=LIMIT)


def token(client: httpx.Client, url: str) -> str:
    found = _TOKEN.search(client.get(url).text)
    assert found, url
    return found[1]


def test_another_request_is_answered_while_a_script_spins_and_the_spinning_one_ends_with_the_error(
    runtime, office, password_hash, tmp_path
):
    runtime.deploy(load_procedures(write_procedure(tmp_path, "X95", {"set_refused": "while True:\n    pass"})))
    dossier = runtime.dossiers.start("X95", {"full_name": "Nguyễn Văn An"}, Actor.applicant("Nguyễn Văn An"))
    task = open_task(runtime, dossier, "desk_check")
    runtime.dossiers.claim(task.id, office.desk)
    with runtime.db.write() as session:
        for user in session.query(User):
            user.password_hash = password_hash
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, runtime=runtime)

    with (
        serving(app) as base,
        httpx.Client(base_url=base, timeout=30) as officer,
        httpx.Client(base_url=base, timeout=30) as other,
    ):
        officer.post("/language", data={"lang": "en", "csrf_token": token(officer, "/officer/login")})
        logged_in = officer.post(
            "/officer/login",
            data={"username": "lan.desk", "password": PASSWORD, "csrf_token": token(officer, "/officer/login")},
        )
        assert logged_in.status_code == 302, logged_in.text
        form = {"decision": "refuse", "csrf_token": token(officer, f"/officer/tasks/{task.id}")}

        answered: dict[str, object] = {}

        def complete() -> None:
            began = time.monotonic()
            answered["response"] = officer.post(f"/officer/tasks/{task.id}/complete", data=form)
            answered["took"] = time.monotonic() - began
            answered["at"] = time.monotonic()

        spinning = threading.Thread(target=complete)
        spinning.start()
        time.sleep(0.3)  # the script is spinning now
        began = time.monotonic()
        page = other.get("/officer/login")
        other_took, other_at = time.monotonic() - began, time.monotonic()
        spinning.join(LIMIT + SLACK + 10)

        assert page.status_code == 200 and other_took < LIMIT
        assert other_at < answered["at"]  # answered while the script was still spinning
        response = answered["response"]
        assert response.status_code == 302 and answered["took"] < LIMIT + SLACK
        shown = officer.get(response.headers["location"]).text
        assert "The step failed: Script in element &#39;set_refused&#39; (Từ chối) ran longer than 1 s" in shown
        assert "The dossier stays where it was" in shown
        dossier_page = officer.get(f"/officer/dossiers/{dossier}").text

    assert open_task(runtime, dossier, "desk_check").status == "claimed"
    (incident,) = runtime.dossiers.incidents(dossier)
    assert f"Incident #{incident.id}: the step “set_refused (Từ chối)” failed." in dossier_page
    assert "ran longer than 1 s and was stopped" in dossier_page
