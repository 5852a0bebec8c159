"""Pages, printed slips and messages show times in the office's time zone from settings
(MOTCUA_TIMEZONE), not in one written into the code."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from engine.config import Settings
from engine.people.officers import Actor
from tests.helpers import P02_APPLICATION, do_task

from .test_slips import pdf_text


@pytest.fixture
def settings(database_url):
    # an office two hours ahead of Vietnam: the test clock's 02:00 UTC is 11:00 there (09:00 in Vietnam)
    return replace(Settings(database_url=database_url), timezone="Asia/Tokyo")


def test_the_dossier_page_and_the_receipt_slip_show_office_time(web, runtime, office):
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
    do_task(runtime, office, code, "reception_check", decision="accept")
    web.officer_login("lan.desk")

    page = web.text(f"/officer/dossiers/{code}")
    assert "02/03/2026 11:00" in page  # submitted
    assert "02/03/2026 09:00" not in page
    slip = pdf_text(web.get(f"/officer/dossiers/{code}/form-01.pdf").get_data())
    assert "02/03/2026 11:00" in slip and "02/03/2026 09:00" not in slip


def test_a_late_evening_in_utc_shows_as_the_next_morning_in_the_office(web, runtime, office, clock):
    clock.set(datetime(2026, 3, 2, 23, 30, tzinfo=UTC))  # 08:30 on 3 March in the office (Tokyo here)
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
    do_task(runtime, office, code, "reception_check", decision="accept")
    web.officer_login("lan.desk")

    assert "-260303-" in code  # numbered by the office's day
    page = web.text(f"/officer/dossiers/{code}")
    assert "03/03/2026 08:30" in page and "02/03/2026" not in page
    found = web.text("/officer/search?q=" + P02_APPLICATION["citizen_id"])
    assert "03/03/2026 08:30" in found and "02/03/2026" not in found
    slip = pdf_text(web.get(f"/officer/dossiers/{code}/form-01.pdf").get_data())
    assert "03/03/2026 08:30" in slip and "02/03/2026" not in slip
