"""A morning at the office under Locust: applicants log in, browse the procedures, track their dossiers
and apply for P02 (voluntary social insurance) with its declaration attached, as the portal's form does;
desk officers work their inboxes (list, open a task, claim it, accept the dossier).

Run by bench/load/run.py, which prepares the people and reads the results; by hand:

    LOAD_USERS=50 LOAD_MINUTES=5 .venv/bin/locust -f bench/load/locustfile.py --headless --host http://127.0.0.1:8000

Environment: LOAD_PEOPLE, a JSON file of the applicants' accounts and desk officers to log in as (else the
demo's: engine/demo.py); LOAD_SUBMISSIONS, where the dossiers submitted successfully are written at the end
(code and citizen ID, for the consistency check); LOAD_USERS and LOAD_MINUTES for the shape below.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, LoadTestShape, between, events, task

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"  # what the upload check recognises as a PDF
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')
_SUBMISSION = re.compile(r'name="submission" value="([0-9a-f]{32})"')
_TASK_LINK = re.compile(r'href="/officer/tasks/(\d+)[?"]')
_SUBMITTED = re.compile(r"/dossiers/([^/]+)/submitted$")
BROWSED = ["P01", "P02", "P03", "P05", "P08", "P12"]  # procedure pages a visitor opens


def _people() -> dict:
    path = os.environ.get("LOAD_PEOPLE")
    if path:
        return json.loads(Path(path).read_text())
    from engine.demo import APPLICANT, DEMO_PASSWORD  # a server seeded with `motcua demo seed`

    return {
        "password": DEMO_PASSWORD,
        "applicants": [{"id_number": APPLICANT["citizen_id"], "name": APPLICANT["full_name"], "phone": "0905123456"}],
        "officers": ["lan.motcua", "minh.motcua"],
    }


PEOPLE = _people()
_applicants = itertools.cycle(PEOPLE["applicants"])  # gevent: one user at a time takes the next
_officers = itertools.cycle(PEOPLE["officers"])
SUBMITTED: list[dict[str, str]] = []  # the dossiers Locust saw stored: the portal's confirmation page


def _post(user: HttpUser, url: str, form: dict[str, str], name: str) -> str:
    """A form post timed on its own (its redirect is fetched apart, under the page's name); the
    redirect's target, or "" (a failure) when the answer was no redirect."""
    with user.client.post(url, form, name=name, allow_redirects=False, catch_response=True) as response:
        if response.status_code != 302:
            response.failure(f"{response.status_code} instead of a redirect")
            return ""
        return response.headers.get("Location", "")


def _token(html: str) -> str:
    found = _TOKEN.search(html)
    return found.group(1) if found else ""


class Applicant(HttpUser):
    weight = 4  # 40 applicants to 10 desk officers
    wait_time = between(3, 10)  # reading a page before the next

    def on_start(self) -> None:
        self.person = next(_applicants)
        self.codes: list[str] = []
        page = self.client.get("/login", name="/login")
        form = {"csrf_token": _token(page.text), "identifier": self.person["id_number"], "password": PEOPLE["password"]}
        if _post(self, "/login", form, "POST /login"):
            self.client.get("/dossiers", name="/dossiers")

    @task(3)
    def browse_procedures(self) -> None:
        self.client.get("/procedures", name="/procedures")
        self.client.get(f"/procedures/{random.choice(BROWSED)}", name="/procedures/[code]")

    @task(2)
    def my_dossiers(self) -> None:
        self.client.get("/dossiers", name="/dossiers")

    @task(2)
    def track(self) -> None:
        """Tracking by code and ID number, as on the receipt slip (the applicant's own dossiers)."""
        if not self.codes:
            return
        page = self.client.get("/track", name="/track")
        code = random.choice(self.codes)
        with self.client.post(
            "/track",
            {"csrf_token": _token(page.text), "code": code, "id_number": self.person["id_number"]},
            name="POST /track",
            catch_response=True,
        ) as response:
            if code not in response.text:
                response.failure(f"tracking did not find {code}")

    @task(1)
    def apply_p02(self) -> None:
        """The form (answers and the TK1-TS declaration), the check page, then send."""
        form = self.client.get("/procedures/P02/apply", name="/procedures/P02/apply")
        found = _SUBMISSION.search(form.text)
        if found is None:
            return  # the form was not shown: counted by Locust as that request's failure
        answers = {
            "csrf_token": _token(form.text),
            "submission": found.group(1),
            "full_name": self.person["name"],
            "citizen_id": self.person["id_number"],
            "date_of_birth": "1990-05-14",
            "sex": random.choice(["male", "female"]),
            "phone": self.person["phone"],
            "address": "12 Lê Lợi, phường Nghĩa Chánh, Quảng Ngãi",
            "household_category": random.choice(["poor", "near_poor", "other"]),
            "monthly_income": str(random.choice([1500000, 2000000, 3000000])),
            "payment_period": random.choice(["1", "3", "6", "12"]),
            "result_channel": "electronic",
        }
        with self.client.post(
            "/procedures/P02/apply",
            data=answers,
            files={"doc-tk1_ts": ("to-khai-tk1.pdf", PDF, "application/pdf")},
            name="POST /procedures/P02/apply",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            check = response.headers.get("Location", "")
            if response.status_code != 302 or "/apply/check" not in check:
                response.failure(f"the form was refused ({response.status_code})")
                return
        page = self.client.get(check, name="/procedures/P02/apply/check")
        with self.client.post(
            "/procedures/P02/apply/submit",
            {"csrf_token": _token(page.text), "submission": found.group(1)},
            name="POST /procedures/P02/apply/submit",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            done = _SUBMITTED.search(response.headers.get("Location", ""))
            if response.status_code != 302 or done is None:
                response.failure(f"not submitted ({response.status_code} to {response.headers.get('Location')})")
                return
        code = done.group(1)
        self.client.get(f"/dossiers/{code}/submitted", name="/dossiers/[code]/submitted")
        self.codes.append(code)
        SUBMITTED.append({"code": code, "id_number": self.person["id_number"]})


class DeskOfficer(HttpUser):
    weight = 1
    wait_time = between(3, 10)

    def on_start(self) -> None:
        page = self.client.get("/officer/login", name="/officer/login")
        form = {"csrf_token": _token(page.text), "username": next(_officers), "password": PEOPLE["password"]}
        _post(self, "/officer/login", form, "POST /officer/login")  # then the inbox, in the task below

    @task
    def work_the_inbox(self) -> None:
        """The offered tasks; open one, claim it and accept the dossier. Another officer may claim it
        first: the engine then says so, which is its answer, not an error."""
        inbox = self.client.get("/officer/", name="/officer/")
        ids = _TASK_LINK.findall(inbox.text)
        if not ids:
            return
        task_id = random.choice(ids[:10])  # the first page, as an officer would pick
        page = self.client.get(f"/officer/tasks/{task_id}", name="/officer/tasks/[id]")
        token = _token(page.text)
        if not _post(self, f"/officer/tasks/{task_id}/claim", {"csrf_token": token}, "POST /officer/tasks/[id]/claim"):
            return
        claimed = self.client.get(f"/officer/tasks/{task_id}", name="/officer/tasks/[id]")
        if f"/officer/tasks/{task_id}/complete" not in claimed.text:  # no completion form: not ours
            return
        done = _post(
            self,
            f"/officer/tasks/{task_id}/complete",
            {"csrf_token": token, "decision": "accept", "note": "Hồ sơ đầy đủ"},
            "POST /officer/tasks/[id]/complete",
        )
        if done:
            self.client.get(done, name="/officer/dossiers/[code]")


class MorningRamp(LoadTestShape):
    """From 5 users to LOAD_USERS over the first 2 minutes (or 40% of a shorter run), as people arrive
    when the office opens, then steady until LOAD_MINUTES is over."""

    def tick(self):
        users = int(os.environ.get("LOAD_USERS", "50"))
        seconds = float(os.environ.get("LOAD_MINUTES", "5")) * 60
        ramp = min(120.0, 0.4 * seconds)
        now = self.get_run_time()
        if now >= seconds:
            return None
        start = min(5, users)
        wanted = start + (users - start) * min(now / ramp, 1.0)
        return round(wanted), 5.0


@events.quitting.add_listener
def _write_submissions(environment, **_kw) -> None:
    path = os.environ.get("LOAD_SUBMISSIONS")
    if path:
        Path(path).write_text(json.dumps(SUBMITTED, ensure_ascii=False, indent=1))
