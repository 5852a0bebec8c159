"""The journeys people make, in a real browser: an applicant submits a P02 dossier with a document,
downloads the receipt slip and tracks it; an officer claims and accepts it; a supplement goes to the
applicant and comes back; the public tracking page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.data.models import Account
from engine.people.officers import Actor
from tests.helpers import P02_APPLICATION, open_task

from ..web.helpers import PASSWORD
from .conftest import open_context

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CITIZEN_ID = "051090001234"


def _sign_up(page, server, screens=None):
    page.goto(server + "/signup")
    page.fill("#field-id_number", CITIZEN_ID)
    page.fill("#field-full_name", "Trần Thị Mai")
    page.fill("#field-phone", "0912345678")
    page.fill("#field-password", PASSWORD)
    page.fill("#field-password_confirm", PASSWORD)
    if screens:
        screens.shot(page, "signup")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.get_by_role("heading", name="Kiểm tra tin nhắn hoặc thư điện tử").is_visible()
    if screens:
        screens.shot(page, "signup-sent")
    with page.expect_navigation():  # then log in, as the page says
        page.locator("main a[href$='/login']").click()
    page.fill("#field-identifier", CITIZEN_ID)
    page.fill("#field-password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/dossiers$"))


def _officer_page(browser, server, username="lan.desk"):
    context = open_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server + "/officer/login")
    page.fill("#field-username", username)
    page.fill("#field-password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/officer/"))
    return context, page


def _start_for_account(runtime, **changes) -> str:
    with runtime.db.read() as session:
        account = session.scalars(select(Account).where(Account.id_number == CITIZEN_ID)).one()
    application = {**P02_APPLICATION, "citizen_id": CITIZEN_ID, "full_name": "Trần Thị Mai", **changes}
    return runtime.dossiers.start("P02", application, Actor.applicant("Trần Thị Mai"), account_id=account.id)


def test_an_applicant_submits_p02_with_a_document_downloads_the_slip_and_tracks_it(server, page, screens, tmp_path):
    page.goto(server + "/")
    screens.shot(page, "home")
    _sign_up(page, server, screens)
    page.goto(server + "/procedures?q=tu nguyen")  # found without accents
    screens.shot(page, "procedures")
    with page.expect_navigation():
        page.locator("a[href$='/procedures/P02']").first.click()
    screens.shot(page, "procedure-p02")
    with page.expect_navigation():
        page.locator("a[href$='/procedures/P02/apply']").first.click()
    assert page.input_value("#field-citizen_id") == CITIZEN_ID  # from the account
    page.fill("#field-date_of_birth", "01/05/1990")
    page.check("input[name=sex][value=female]")
    page.fill("#field-address", "12 Phan Đình Phùng, phường Cẩm Thành, tỉnh Quảng Ngãi")
    page.check("input[name=household_category][value=near_poor]")
    page.fill("#field-monthly_income", "2.000.000")
    page.check("input[name=payment_period][value='6']")
    page.check("input[name=result_channel][value=post]")
    page.fill("#field-delivery_address", "12 Phan Đình Phùng, phường Cẩm Thành, tỉnh Quảng Ngãi")
    declaration = tmp_path / "to-khai-tk1-ts.pdf"
    declaration.write_bytes(PDF)
    page.set_input_files("#field-doc-tk1_ts", str(declaration))
    screens.shot(page, "apply-p02")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/apply/check\?draft="))  # check your answers, then send
    with page.expect_navigation():
        page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(re.compile(r"/submitted$"))
    code = page.locator(".big-code").inner_text().strip()
    assert re.fullmatch(r"BHXH\.QNI-\d{6}-\d{4}", code)
    screens.shot(page, "submitted")

    slip_url = page.locator("a[href$='/receipt.pdf']").get_attribute("href")
    slip = page.context.request.get(server + slip_url)  # with the applicant's session
    assert slip.ok and slip.headers["content-type"] == "application/pdf" and slip.body().startswith(b"%PDF")
    page.goto(server + slip_url)  # opened in the browser's own PDF viewer, under the site's policy
    for _ in range(100):
        if any(frame.url.startswith("chrome-extension://") for frame in page.frames):
            break
        page.wait_for_timeout(100)
    assert any(frame.url.startswith("chrome-extension://") for frame in page.frames), [f.url for f in page.frames]

    page.goto(server + "/dossiers")
    assert code in page.content()
    screens.shot(page, "my-dossiers")
    with page.expect_navigation():
        page.locator(f"a[href$='/dossiers/{code}']").first.click()
    assert "to-khai-tk1-ts.pdf" in page.content()
    screens.shot(page, "dossier")

    page.goto(server + f"/track?code={code}")  # where the slip's QR code leads
    assert page.input_value("#field-code") == code
    page.fill("#field-id_number", CITIZEN_ID)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "Mới đăng ký trực tuyến" in page.content()  # status 1
    assert "0912345678" not in page.content()  # nothing personal beyond the slip
    screens.shot(page, "tracking")


def test_an_officer_claims_and_accepts_a_dossier(server, browser, runtime, screens):
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]))
    context, page = _officer_page(browser, server)
    assert code in page.content()
    screens.shot(page, "inbox")
    with page.expect_navigation():
        page.locator(f"tr:has-text('{code}') a[href*='/officer/tasks/']").first.click()
    screens.shot(page, "task-offered")
    with page.expect_navigation():
        page.locator("form[action$='/claim'] button").click()
    # the task's own state, not the page header (which always names the officer signed in)
    assert page.locator("#task-state").inner_text().strip() == "Nguyễn Thị Lan đã nhận xử lý"  # claimed by me
    assert page.locator("form[action$='/unclaim']").count() == 1 and page.locator("form[action$='/claim']").count() == 0
    page.check("input[name=decision][value=accept]")
    screens.shot(page, "task-claimed")
    with page.expect_navigation():
        page.locator("#complete-button").click()
    page.wait_for_url(re.compile(rf"/officer/dossiers/{re.escape(code)}$"))
    screens.shot(page, "officer-dossier")
    assert runtime.dossiers.get(code).status in (2, 4)  # accepted, and on to processing
    assert "Đã tiếp nhận" in page.content()
    context.close()


def test_a_supplement_goes_to_the_applicant_and_comes_back(server, browser, page, runtime, screens, tmp_path):
    _sign_up(page, server)
    code = _start_for_account(runtime)
    context, desk = _officer_page(browser, server)
    task = open_task(runtime, code, "reception_check")
    desk.goto(server + f"/officer/tasks/{task.id}")
    with desk.expect_navigation():
        desk.locator("form[action$='/claim'] button").click()
    desk.check("input[name=decision][value=supplement]")
    desk.check("input[name=missing_doc][value=near_poor_household_certificate]")
    desk.fill("#field-missing_documents", "Bản sao CCCD còn hạn")
    screens.shot(desk, "supplement-request")
    with desk.expect_navigation():
        desk.locator("#complete-button").click()
    assert runtime.dossiers.get(code).status == 5

    page.goto(server + f"/dossiers/{code}")
    content = page.content()
    assert "cận nghèo" in content and "Bản sao CCCD còn hạn" in content  # what is missing, as asked
    form02 = page.context.request.get(server + f"/dossiers/{code}/form-02.pdf")
    assert form02.ok and form02.body().startswith(b"%PDF")
    screens.shot(page, "supplement-asked")
    paper = tmp_path / "giay-chung-nhan-can-ngheo.pdf"
    paper.write_bytes(PDF)
    page.set_input_files("#field-files", str(paper))
    page.fill("#field-note", "Gửi bổ sung giấy chứng nhận hộ cận nghèo")
    with page.expect_navigation():
        page.locator(f"form[action$='/dossiers/{code}/supplement'] button[type=submit]").click()
    assert "giay-chung-nhan-can-ngheo.pdf" in page.content()
    screens.shot(page, "supplement-sent")

    recheck = open_task(runtime, code, "reception_recheck")  # back at the desk
    desk.goto(server + f"/officer/tasks/{recheck.id}")
    assert "giay-chung-nhan-can-ngheo.pdf" in desk.content()
    screens.shot(desk, "recheck")
    context.close()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_public_tracking_without_logging_in(server, browser, runtime, screens, viewport):
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]))
    size = {"width": 390, "height": 844} if viewport == "phone" else {"width": 1280, "height": 900}
    context = open_context(browser, viewport=size)
    page = context.new_page()
    page.goto(server + "/track")
    page.fill("#field-code", code)
    page.fill("#field-id_number", "051000000000")  # not the applicant's number
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "Mới đăng ký trực tuyến" not in page.content()
    page.fill("#field-code", code)
    page.fill("#field-id_number", P02_APPLICATION["citizen_id"])
    with page.expect_navigation():
        page.locator("#field-id_number").press("Enter")
    assert code in page.content() and "Mới đăng ký trực tuyến" in page.content()
    assert P02_APPLICATION["phone"] not in page.content()
    screens.shot(page, f"tracking-{viewport}")
    context.close()
