"""The studio's version pages in a real Chromium: P02 v2 (a second review added) deployed beside v1;
the designer compares them and sees the added task coloured on the diagram, then dry-runs moving
v1's dossiers, moves one and sees it moved (and the other stay)."""

from __future__ import annotations

from sqlalchemy import select

from engine.data.models import Dossier
from engine.people.officers import Actor
from tests.engine.design.versions_helpers import added_review_step
from tests.helpers import P02_APPLICATION
from tests.web.helpers import PASSWORD

from .conftest import open_context
from .test_accessibility import _violations
from .test_designer_studio import WIDER_THAN_SCREEN, _designer


def _version_of(runtime, code: str) -> int:
    with runtime.db.read() as session:
        return session.scalars(select(Dossier.version_id).where(Dossier.code == code)).one()


def _log_in(page, server) -> None:
    page.goto(server + "/officer/login")
    page.fill("#field-username", "an.thietke")
    page.fill("#field-password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def _start(runtime) -> str:
    return runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]))


def test_a_designer_compares_two_versions_and_moves_a_dossier(
    server, browser, runtime, office, password_hash, catalogue, screens
):
    _designer(runtime, office, password_hash)
    moved, stays = _start(runtime), _start(runtime)
    v1 = _version_of(runtime, moved)
    (v2,) = runtime.deploy(added_review_step(catalogue), by="an.thietke")

    context = open_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _log_in(page, server)
    page.goto(server + "/designer/")
    with page.expect_navigation():
        page.click("#versions-P02")
    assert page.locator("#version-2").inner_text().count("an.thietke") == 1
    assert "2 / 2" in page.locator("#version-1 .version-dossiers").inner_text()
    screens.shot(page, "procedure-1280")
    assert _violations(page) == []

    # the diff: v1 against v2, the second review green on v2 and absent from v1
    with page.expect_navigation():
        page.click("#compare")
    page.wait_for_selector("#diff.loaded-a.loaded-b")
    added = page.locator('#canvas-b .djs-element[data-element-id="second_review"]')
    assert "diff-added" in added.get_attribute("class")
    assert page.locator('#canvas-a [data-element-id="second_review"]').count() == 0
    for side in "ab":  # the first review now leads to the second one: changed, on both diagrams
        changed = page.locator(f'#canvas-{side} .djs-element[data-element-id="collect_review"]')
        assert "diff-changed" in changed.get_attribute("class")
    listed = page.locator('#added-list button[data-element="second_review"]')
    assert "Kiểm tra lại kết quả thẩm định" in listed.inner_text()
    page.click('#added-list button[data-element="second_review"]')
    assert "selected" in added.get_attribute("class")
    screens.shot(page, "diff-1280")
    assert _violations(page) == []

    # the migration: a dry run lists both dossiers movable; only one is moved
    page.goto(server + "/designer/procedures/P02")
    with page.expect_navigation():
        page.click("#dry-run")
    for code in (moved, stays):
        assert page.locator(f'[id="dossier-{code}"] .outcome').inner_text().strip() == "có thể chuyển"
    assert _version_of(runtime, moved) == v1  # a dry run changes nothing
    screens.shot(page, "dry-run-1280")
    assert _violations(page) == []
    page.uncheck(f'[id="pick-{stays}"]')
    with page.expect_navigation():
        page.click("#move-ticked")
    assert "Đã chuyển 1 trên 1 hồ sơ sang v2." in page.locator(".flash-success").inner_text()
    assert page.locator(f'[id="dossier-{moved}"] .outcome').inner_text().strip() == "đã chuyển"
    screens.shot(page, "moved-1280")
    assert _version_of(runtime, moved) == v2.version_id and _version_of(runtime, stays) == v1
    assert runtime.dossiers.history(moved)[-1].kind == "version_moved"

    page.goto(server + "/designer/incidents")
    assert _violations(page) == []
    context.close()

    # on a phone: the diff and the migration pages fit the screen
    phone = open_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    small = phone.new_page()
    _log_in(small, server)
    for name, url in (
        ("procedure", "/designer/procedures/P02"),
        ("diff", "/designer/procedures/P02/diff?a=1&b=2"),
        ("migrate", "/designer/procedures/P02/migrate?from=1&to=2"),
        ("incidents", "/designer/incidents"),
    ):
        small.goto(server + url)
        if name == "diff":
            small.wait_for_selector("#diff.loaded-a.loaded-b")
        screens.shot(small, f"{name}-390")
        assert small.evaluate(WIDER_THAN_SCREEN) == [], name
        assert _violations(small) == [], name
    phone.close()
