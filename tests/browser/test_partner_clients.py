"""In a real browser: the administrator makes a medical facility's client and copies its secret, the
facility's software checks a card with it, the check shows in the page's log, and the client is
revoked; the page passes axe-core (WCAG 2.1 A/AA) on a desktop and on a phone, its errors too."""

from __future__ import annotations

import re

import httpx
import pytest

from .conftest import open_context
from .test_accessibility import _violations
from .test_admin_and_team import SIZES, log_in, make_admin


@pytest.mark.parametrize("size", list(SIZES), ids=list(SIZES))
def test_the_administrator_makes_checks_and_revokes_a_partner_client(server, browser, runtime, office, screens, size):
    make_admin(runtime, office)
    context = open_context(browser, viewport=SIZES[size])
    page = context.new_page()
    log_in(page, server, "hoa.lanhdao")
    page.goto(f"{server}/officer/admin/partners")
    problems = {"empty": _violations(page)}
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Tạo ứng dụng|Make the client")).click()  # an empty form
    assert page.locator("#error-summary").is_visible()
    problems["errors"] = _violations(page)
    page.get_by_label(re.compile("Cơ sở khám chữa bệnh|Medical facility")).check()
    page.fill("#field-name", "Bệnh viện Đa khoa tỉnh")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Tạo ứng dụng|Make the client")).click()
    client_id = page.locator("#new-client-id").input_value()
    secret = page.locator("#new-client-secret").input_value()
    problems["made"] = _violations(page)
    screens.shot(page, f"partners-made-{size}")
    token = httpx.post(
        f"{server}/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    ).json()["access_token"]
    checked = httpx.get(
        f"{server}/api/v1/cards/051074008812?on=2027-01-15", headers={"Authorization": f"Bearer {token}"}
    )
    assert checked.json()["answer"] == "no_card"
    page.reload()  # asks the page again (the form redirected to it): no second client, the secret gone
    assert "051074008812" in page.locator("#lookups").inner_text()
    assert secret not in page.content()  # shown once only
    assert page.locator("#clients tbody tr").count() == 1
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Bệnh viện Đa khoa tỉnh")).click()  # Revoke, named for the client
    assert page.locator(".flash-success").is_visible()
    problems["revoked"] = _violations(page)
    screens.shot(page, f"partners-revoked-{size}")
    context.close()
    assert {name: found for name, found in problems.items() if found} == {}
    again = httpx.get(f"{server}/api/v1/cards/051074008812", headers={"Authorization": f"Bearer {token}"})
    assert again.status_code == 401
