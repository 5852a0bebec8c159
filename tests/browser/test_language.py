"""Vietnamese by default, English by a switch in the header, kept while browsing."""

from __future__ import annotations

from ..web.helpers import PASSWORD


def test_vietnamese_by_default_and_the_switch_to_english(server, page, screens):
    page.goto(server + "/login")
    assert page.locator("html").get_attribute("lang") == "vi"
    screens.shot(page, "login-vi")
    with page.expect_navigation():
        page.get_by_role("button", name="Switch to English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Log in").is_visible()
    page.goto(server + "/signup")  # the choice stays for the next pages
    assert page.get_by_role("heading", name="Create an account").is_visible()
    screens.shot(page, "signup-en")
    with page.expect_navigation():
        page.get_by_role("button", name="Chuyển sang tiếng Việt").click()
    assert page.locator("html").get_attribute("lang") == "vi"


def test_officer_logs_in_on_a_phone(server, phone, screens):
    phone.goto(server + "/officer/login")
    phone.locator("#field-username").fill("lan.desk")
    phone.locator("#field-password").fill(PASSWORD)
    with phone.expect_navigation():
        phone.locator("#field-password").press("Enter")  # by keyboard
    phone.wait_for_url("**/officer/**")
    assert "Nguyễn Thị Lan" in phone.content()
    screens.shot(phone, "officer-inbox-phone")
