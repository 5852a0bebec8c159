"""The public statistics page in a real browser: axe-clean (WCAG 2.1 A and AA) on a desktop and on
a phone, with its tables read as cards on the phone (nothing wider than the screen), and the
period chooser working."""

from __future__ import annotations

import pytest

from tests.engine.figures.office_month import applicant_account, run_p02

from .conftest import open_context
from .test_accessibility import _violations


@pytest.mark.parametrize(
    "size", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_the_statistics_page_is_accessible_and_fits_a_phone(server, browser, runtime, office, clock, size):
    account = applicant_account(runtime)
    run_p02(runtime, office, clock, "2026-03-02 09:00", "2026-03-06 10:00", rating="satisfied", account_id=account)
    run_p02(runtime, office, clock, "2026-03-03 09:00", "2026-03-12 10:00", channel="counter")
    context = open_context(browser, viewport=size)
    page = context.new_page()

    page.goto(server + "/")
    with page.expect_navigation():
        page.locator("footer a", has_text="Thống kê").click()
    assert page.locator("h1").inner_text() == "Thống kê giải quyết thủ tục hành chính"
    page.fill("#field-from", "2026-03")
    page.fill("#field-to", "2026-03")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()

    assert "from=2026-03&to=2026-03" in page.url
    assert page.locator("table.statistics-table").count() == 2  # the period, and March
    assert _violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    page.screenshot(path=f"/tmp/public_stats_{size['width']}.png", full_page=True)

    page.fill("#field-from", "2026-05")  # after the last month
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "Tháng cuối phải sau tháng đầu" in page.locator("#error-summary").inner_text()
    assert _violations(page) == []
    context.close()
