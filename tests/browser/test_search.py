"""An officer finds the demo applicant's dossiers from the quick-jump box in the page header, by his
name typed without accents and by his ID number, and opens one by its code; on a desktop and on a
phone screen, with the results page passing axe-core's WCAG 2.1 A/AA rules."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.data.models import Dossier
from engine.demo import APPLICANT, DEMO_PASSWORD, seed_demo

from .conftest import open_context
from .test_accessibility import _violations

SIZES = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]


def _jump(page, text: str) -> None:
    """Type into the header's quick-jump box and press Enter."""
    box = page.get_by_role("search", name=re.compile("Quick jump|Mở nhanh")).get_by_role("searchbox")
    box.fill(text)
    with page.expect_navigation():
        box.press("Enter")


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_an_officer_finds_a_demo_dossier_by_name_without_accents_and_by_id(
    server, browser, runtime, catalogue, screens, size
):
    seed_demo(runtime, catalogue)
    with runtime.db.read() as session:
        hungs = set(session.scalars(select(Dossier.code).where(Dossier.applicant_id_number == APPLICANT["citizen_id"])))
    assert len(hungs) >= 7
    context = open_context(browser, viewport=size, is_mobile=size["width"] < 500)
    page = context.new_page()
    page.goto(server + "/officer/login")
    page.fill("#field-username", "lan.motcua")
    page.fill("#field-password", DEMO_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/officer/"))

    _jump(page, "nguyen van hung")  # no accents
    assert "/officer/search?q=nguyen+van+hung" in page.url
    rows = page.locator("table.results tbody tr")
    assert rows.count() == len(hungs)
    assert page.get_by_role("heading", level=2).first.inner_text() == f"Tìm thấy {len(hungs)} hồ sơ"
    for row in rows.all():
        assert "Nguyễn Văn Hùng" in row.inner_text()
    found = set(rows.locator("td:first-child a").all_inner_texts())
    assert found == hungs
    assert page.locator("#field-q").input_value() == "nguyen van hung"
    assert _violations(page) == []
    screens.shot(page, "results-by-name")
    if size["width"] < 500:  # the results stack as cards: nothing runs off the screen
        assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]

    _jump(page, APPLICANT["citizen_id"])
    assert set(page.locator("table.results tbody tr td:first-child a").all_inner_texts()) == hungs
    newest = page.locator("table.results tbody tr td:first-child a").first
    code = newest.inner_text()
    with page.expect_navigation():
        newest.click()
    assert page.url.endswith(f"/officer/dossiers/{code}")

    _jump(page, code.lower())  # a whole code goes straight to its dossier
    assert page.url.endswith(f"/officer/dossiers/{code}")
    screens.shot(page, "dossier-by-code")

    _jump(page, "hu")
    assert "Hãy nhập ít nhất 3 chữ cái hoặc chữ số" in page.locator(".error-summary").inner_text()
    assert _violations(page) == []
    screens.shot(page, "too-short")
    context.close()
