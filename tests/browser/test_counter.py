"""The one-stop counter in a real browser, on a desktop and on a phone: the desk registers a walk-in
citizen's paper dossier (prefilled from the population registry) with two scanned components, a
form error keeps the files chosen, and the receipt slip opens; axe-core finds nothing on the pages."""

from __future__ import annotations

import re

import pytest

from tests.engine.integration import test_registry as connected
from tests.engine.integration.test_registry import MAI

from ..web.helpers import PASSWORD
from ..web.test_portal import PDF, PNG
from .conftest import open_context
from .test_accessibility import _violations

# the simulators served (the population registry among them), and the runtime that talks to them
outside, sim, settings = connected.outside, connected.sim, connected.settings


@pytest.mark.parametrize(
    "size", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_the_desk_registers_a_walk_in_dossier_and_prints_the_slip(server, browser, screens, tmp_path, size):
    scan, photo = tmp_path / "to-khai-tk1.pdf", tmp_path / "ho-ngheo.png"
    scan.write_bytes(PDF)
    photo.write_bytes(PNG)
    context = open_context(browser, viewport=size)
    page = context.new_page()
    problems = {}
    page.goto(server + "/officer/login")
    page.fill("#field-username", "lan.desk")
    page.fill("#field-password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()

    with page.expect_navigation():
        page.get_by_role("link", name="Counter").click()
    problems["pick"] = _violations(page)
    screens.shot(page, f"pick-{size['width']}")
    page.fill("#field-citizen_id", MAI["citizen_id"])
    page.select_option("#field-procedure", "P02")
    with page.expect_navigation():
        page.get_by_role("button", name="Continue to the application form").click()

    # prefilled from the registry; the desk adds what the citizen declares, the two scans and their flags
    assert page.input_value("#field-full_name") == "Trần Thị Mai"
    assert page.input_value("#field-date_of_birth") == "22/07/1990"
    assert page.is_checked("input[name=sex][value=female]")
    assert "Filled in from the population registry" in page.inner_text("#registry-found")
    assert page.get_by_label("The dossier is complete: accept it now").is_checked()  # the one-stop rule
    problems["form"] = _violations(page)
    screens.shot(page, f"form-{size['width']}")
    page.check("input[name=household_category][value=poor]")
    page.fill("#field-monthly_income", "1.500.000")
    page.check("input[name=payment_period][value='3']")
    page.check("input[name=result_channel][value=counter]")
    page.set_input_files("#file-doc-tk1_ts", str(scan))
    page.set_input_files("#file-doc-poor_household_certificate", str(photo))
    page.check("input[name=paper-poor_household_certificate][value=reused]")
    with page.expect_navigation():  # the phone number is missing
        page.get_by_role("button", name="Register the dossier").click()
    assert "Enter Phone number" in page.inner_text("#error-summary")
    kept = page.locator("input[name^=kept-]:checked")
    assert kept.count() == 2  # both files are still there: nothing to choose again
    assert "to-khai-tk1.pdf" in page.inner_text("main") and "ho-ngheo.png" in page.inner_text("main")
    problems["form with errors"] = _violations(page)
    screens.shot(page, f"form-errors-{size['width']}")

    page.fill("#field-phone", "0935456789")
    with page.expect_navigation():
        page.get_by_role("button", name="Register the dossier").click()
    code = page.inner_text(".big-code").strip()
    assert re.fullmatch(r"BHXH\.QNI-\d{6}-\d{4}", code)
    assert re.search(r"Result due\s+\d\d/\d\d/\d{4} \d\d:\d\d", page.inner_text("main"))  # accepted at once
    problems["done"] = _violations(page)
    screens.shot(page, f"done-{size['width']}")
    slip = context.request.get(server + page.get_attribute("#print-slip", "href"))  # the browser's own login
    assert slip.status == 200 and slip.headers["content-type"] == "application/pdf"
    assert slip.body().startswith(b"%PDF")

    # the dossier waits at the desk like an online one, its papers flagged
    with page.expect_navigation():
        page.get_by_role("link", name="Open the dossier").click()
    text = page.inner_text("main")
    assert "Paper dossier registered at the one-stop counter with 2 document(s)" in text
    assert "Digitized at the counter" in text and "Reused from an earlier result" in text
    context.close()
    assert {name: found for name, found in problems.items() if found} == {}
