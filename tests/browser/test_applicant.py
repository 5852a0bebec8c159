"""The applicant's side in a real browser, on a desktop and on a phone: files kept after a form
error, the "check your answers" step, the supplement deadline and the papers as a list, the lists as
cards on a phone; axe-core on each of these pages; screenshots at 1280 and 390 px."""

from __future__ import annotations

import re

import pytest

from tests.helpers import do_task

from .conftest import open_context
from .test_accessibility import _violations
from .test_journeys import CITIZEN_ID, PDF, _sign_up

SIZES = [{"width": 1280, "height": 900}, {"width": 390, "height": 844}]


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("size", SIZES, ids=["desktop", "phone"])
def test_an_applicant_keeps_files_after_an_error_checks_answers_and_sees_the_supplement_deadline(
    server, browser, runtime, office, screens, tmp_path, size
):
    context = open_context(browser, viewport=size, is_mobile=size["width"] < 500)
    page = context.new_page()
    problems = {}
    narrow = size["width"] < 500
    page.goto(server + "/")
    box, main = page.locator("#search-q").bounding_box(), page.locator("main").bounding_box()
    assert box["width"] > main["width"] * 0.55  # the search box takes the row, not squeezed to 60 px
    screens.shot(page, "home")
    page.goto(server + "/procedures")
    assert _no_sideways_scroll(page)
    screens.shot(page, "procedures")
    problems["procedures"] = _violations(page)
    page.goto(server + "/procedures/P02")
    assert page.locator("a[href$='/procedures/P02/blank-form.pdf']").is_visible()
    _sign_up(page, server)

    page.goto(server + "/procedures/P02/apply")
    page.fill("#field-date_of_birth", "01/05/1990")
    page.check("input[name=sex][value=female]")
    page.fill("#field-address", "12 Phan Đình Phùng, phường Cẩm Thành, tỉnh Quảng Ngãi")
    page.check("input[name=household_category][value=near_poor]")
    page.fill("#field-monthly_income", "2.000.000")
    page.check("input[name=payment_period][value='6']")
    page.check("input[name=result_channel][value=electronic]")
    page.fill("#field-phone", "12345")  # a mistake
    declaration = tmp_path / "to-khai-tk1-ts.pdf"
    declaration.write_bytes(PDF)
    page.set_input_files("#field-doc-tk1_ts", str(declaration))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    # the error is shown, the file is still there: nothing to choose again
    assert page.locator(".error-summary").is_visible()
    attached = page.locator("#document-tk1_ts .attached li")
    assert attached.count() == 1 and "to-khai-tk1-ts.pdf" in attached.inner_text()
    assert page.input_value("#field-date_of_birth") == "01/05/1990"
    screens.shot(page, "apply-error-files-kept")
    problems["apply with an error"] = _violations(page)
    page.fill("#field-phone", "0912345678")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/apply/check\?draft="))
    check = page.content()
    assert "0912345678" in check and "01/05/1990" in check and "to-khai-tk1-ts.pdf" in check
    assert _no_sideways_scroll(page)
    screens.shot(page, "check-answers")
    problems["check your answers"] = _violations(page)
    # "change" goes back to the field, with the answers and the file as they were
    with page.expect_navigation():
        page.locator("a[href$='#field-phone']").click()
    assert page.input_value("#field-phone") == "0912345678"
    assert "to-khai-tk1-ts.pdf" in page.locator("#document-tk1_ts").inner_text()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/submitted$"))
    code = page.locator(".big-code").inner_text().strip()

    do_task(
        runtime,
        office,
        code,
        "reception_check",
        decision="supplement",
        missing_documents="Giấy chứng nhận hộ cận nghèo năm 2025\nBản sao CCCD",
    )
    page.goto(server + f"/dossiers/{code}")
    papers = page.locator(".papers-asked li")
    assert papers.all_inner_texts() == ["Giấy chứng nhận hộ cận nghèo năm 2025", "Bản sao CCCD"]
    due = page.locator(".supplement-due")
    assert due.is_visible() and re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", due.inner_text().strip())
    deadline = due.inner_text().strip()
    assert _no_sideways_scroll(page)
    screens.shot(page, "dossier-supplement-deadline")
    problems["dossier with a supplement"] = _violations(page)

    page.goto(server + "/dossiers")
    assert _no_sideways_scroll(page)
    status = page.locator("table.cards-on-phone .tag-status").first
    box = status.bounding_box()
    assert status.is_visible() and box["x"] + box["width"] <= size["width"]  # the status on screen
    if narrow:  # one card per dossier: the row is as wide as the screen's content
        assert page.locator("table.cards-on-phone thead").bounding_box()["height"] <= 1
    screens.shot(page, "my-dossiers")
    problems["my dossiers"] = _violations(page)

    page.goto(server + f"/track?code={code}")
    page.fill("#field-id_number", CITIZEN_ID)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.locator(".papers-asked li").count() == 2
    assert page.locator(".supplement-due").inner_text().strip() == deadline
    screens.shot(page, "tracking-supplement-deadline")
    problems["tracking"] = _violations(page)
    context.close()
    assert {name: found for name, found in problems.items() if found} == {}


def test_a_long_file_name_stays_on_a_phones_screen_on_the_form_the_check_and_the_dossier(
    server, phone, screens, tmp_path
):
    # scanners and phones name files in one long word: it wraps instead of widening the page
    name = "Tờ_khai_tham_gia_điều_chỉnh_thông_tin_BHXH_BHYT_mẫu_TK1-TS_bản_scan_ngày_07_12_2026.pdf"
    scan = tmp_path / name
    scan.write_bytes(PDF)
    page = phone
    _sign_up(page, server)
    page.goto(server + "/procedures/P02/apply")
    page.fill("#field-date_of_birth", "01/05/1990")
    page.check("input[name=sex][value=female]")
    page.fill("#field-address", "12 Phan Đình Phùng, phường Cẩm Thành, tỉnh Quảng Ngãi")
    page.check("input[name=household_category][value=other]")
    page.fill("#field-monthly_income", "2.000.000")
    page.check("input[name=payment_period][value='6']")
    page.check("input[name=result_channel][value=post]")  # without the address: an error
    page.set_input_files("#field-doc-tk1_ts", str(scan))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    assert name in page.locator("#document-tk1_ts .attached").inner_text()
    screens.shot(page, "apply-long-file-name")
    assert _no_sideways_scroll(page), "the form"
    page.fill("#field-delivery_address", "12 Phan Đình Phùng, phường Cẩm Thành, tỉnh Quảng Ngãi")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/apply/check\?draft="))
    screens.shot(page, "check-long-file-name")
    assert _no_sideways_scroll(page), "check your answers"
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/submitted$"))
    code = page.locator(".big-code").inner_text().strip()
    page.goto(server + f"/dossiers/{code}")
    link = page.get_by_role("link", name=name)
    box = link.bounding_box()
    screens.shot(page, "dossier-long-file-name")
    assert box["x"] + box["width"] <= 390, "the dossier's documents"
