"""The managers' dashboard in a real browser: the charts are drawn from the tables beside them (with
Chart.js from the site's own files, under the site's Content-Security-Policy), the page passes the
axe-core rules (WCAG 2.1 A and AA) on a desktop and on a phone, and the filters work."""

from __future__ import annotations

import re

import pytest

from tests.figures_data import make_office_figures

from ..web.helpers import PASSWORD
from .conftest import open_context
from .test_accessibility import _log_in, _violations

MARCH = "/dashboard/?from=2026-03-01&to=2026-03-31"


@pytest.mark.parametrize(
    "size", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}], ids=["desktop", "phone"]
)
def test_the_dashboard_draws_its_charts_and_passes_axe(server, browser, runtime, catalogue, clock, screens, size):
    make_office_figures(runtime, catalogue, clock)
    context = open_context(browser, viewport=size)
    page = context.new_page()
    _log_in(page, server, "/officer/login", {"username": "hoa.lanhdao", "password": PASSWORD})
    page.wait_for_url(re.compile(r"/officer/"))
    page.goto(server + MARCH)
    charted = page.locator("table[data-chart]").count()
    # every table with a chart has its chart drawn above it: a canvas Chart.js has sized
    page.wait_for_function(f"document.querySelectorAll('.chart-box canvas').length === {charted}")
    assert charted >= 8
    assert page.evaluate(
        "Chart.getChart(document.querySelector('#table-received').closest('section').querySelector('canvas')).data.datasets[0].data"
    ) == [6, 4, 1, 1, 3, 0, 1, 0, 1, 1, 1, 0]
    # the cells are written as Vietnamese writes numbers; the chart read their raw figures
    assert page.locator("#table-received tbody tr").nth(1).locator("td").nth(1).inner_text() == "66,7"
    assert page.locator(".headline li").nth(1).locator("strong").inner_text() == "66,7%"
    assert page.locator("#table-received").is_visible()  # the table stays for everyone
    screens.shot(page, "march")
    problems = {"dashboard": _violations(page)}

    # a bad filter: the error summary links to the field, no figure shown
    page.fill("#field-from", "31/02/2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Xem số liệu").click()
    assert page.locator("#error-summary a[href='#field-from']").is_visible()
    assert page.locator("#table-received").count() == 0
    problems["errors"] = _violations(page)

    # one procedure, chosen in the form
    page.fill("#field-from", "01/03/2026")
    page.select_option("#field-procedure", "P09")
    with page.expect_navigation():
        page.get_by_role("button", name="Xem số liệu").click()
    assert page.locator("#table-received tbody tr").first.locator("td").first.inner_text() == "2"
    context.close()
    assert {name: found for name, found in problems.items() if found} == {}
