"""An applicant makes an access token on their account page in a real browser, on a phone: the token
is shown once, works against the API, is gone from the page afterwards, and is revoked with a button;
the account page and the API reference pass the accessibility rules."""

from __future__ import annotations

import httpx

from ..web.helpers import PASSWORD
from .test_accessibility import _log_in, _violations


def _sign_up_and_log_in(page, server) -> None:
    """An applicant signs up on the portal and logs in."""
    _log_in(
        page,
        server,
        "/signup",
        {
            "id_number": "051090001234",
            "full_name": "Trần Thị Mai",
            "phone": "0912345678",
            "password": PASSWORD,
            "password_confirm": PASSWORD,
        },
    )
    _log_in(page, server, "/login", {"identifier": "051090001234", "password": PASSWORD})


def test_make_use_and_revoke_a_token_on_a_phone(server, phone, screens):
    page = phone
    _sign_up_and_log_in(page, server)
    page.goto(server + "/account/")
    assert _violations(page) == []
    page.fill("#field-name", "VssID trên điện thoại")
    page.get_by_label("read", exact=False).uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Tạo mã").click()  # no permission chosen: the form says so
    assert page.locator("#error-summary").is_visible() and "Chọn ít nhất một quyền" in page.content()
    assert page.input_value("#field-name") == "VssID trên điện thoại"  # kept as typed
    assert _violations(page) == []
    page.get_by_label("read", exact=False).check()
    page.get_by_label("submit", exact=False).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Tạo mã").click()
    token = page.input_value("#new-token")
    assert token.startswith("mct_")
    assert _violations(page) == []
    screens.shot(page, "token-shown-once")
    answer = httpx.get(server + "/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json()["items"] == []
    page.goto(server + "/account/")
    assert token not in page.content() and "VssID trên điện thoại" in page.content()
    with page.expect_navigation():
        page.get_by_role("button", name="Thu hồi VssID trên điện thoại").click()
    assert "đã được thu hồi" in page.content()
    answer = httpx.get(server + "/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 401 and answer.headers["content-type"] == "application/problem+json"
    page.goto(server + "/api/v1/docs")
    assert page.get_by_role("heading", name="POST /api/v1/dossiers", exact=True).is_visible()
    assert _violations(page) == []


def test_the_back_button_or_a_reload_after_making_a_token_shows_it_no_more_and_makes_no_other(server, page, screens):
    """The form redirects to the page, which shows the token once: going back to it from another page
    or reloading it asks the page again (no "confirm form resubmission", no second token), and the
    token is not shown again. (That the page forbids caching is asserted in tests/web/api_v1.)"""
    _sign_up_and_log_in(page, server)
    page.goto(server + "/account/")
    page.fill("#field-name", "Phần mềm kế toán")
    with page.expect_navigation():
        page.get_by_role("button", name="Tạo mã").click()
    token = page.input_value("#new-token")
    assert token.startswith("mct_") and page.get_by_role("heading", name="Mã mới của bạn").is_visible()
    screens.shot(page, "token-made")
    page.goto(server + "/dossiers")
    page.go_back()  # back to the page, not to the form: nothing sent again
    assert page.url == server + "/account/"  # the page itself, not the form's answer
    assert token not in page.content() and page.locator("#new-token").count() == 0
    page.reload()
    assert token not in page.content() and page.locator("#new-token").count() == 0
    assert page.locator("tbody tr").count() == 1 and "Phần mềm kế toán" in page.locator("tbody").inner_text()
    screens.shot(page, "token-after-back-and-reload")


def test_the_api_reference_lists_its_operations_one_under_another_on_a_desktop_and_a_phone(server, page, phone):
    for screen, width in ((page, 1280), (phone, 390)):
        screen.goto(server + "/api/v1/docs")
        assert screen.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scroll
        first, second = (screen.locator("nav[aria-label='Các thao tác'] li").nth(i).bounding_box() for i in (0, 1))
        assert second["y"] > first["y"] and second["x"] == first["x"], width  # a list, not a row
