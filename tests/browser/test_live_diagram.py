"""The live diagram in a real Chromium (issue 12, item 10): P02 with the demo's dossiers left at
different places shows a waiting-count badge on each element where they wait; a click lists them;
the officer's dossier page draws the dossier's diagram with its current step highlighted."""

from __future__ import annotations

from engine.data.models import Account
from engine.demo import DOSSIERS
from engine.design.live import live_view
from engine.design.simulation import apply_step
from engine.people.officers import Actor, add_user, grant
from tests.helpers import P02_APPLICATION, do_task
from tests.web.helpers import PASSWORD

from .conftest import open_context
from .test_accessibility import _violations
from .test_designer_studio import WIDER_THAN_SCREEN


def _demo_dossiers(runtime, office, catalogue) -> dict[str, str]:
    """The demo's P02 dossiers (engine.demo.DOSSIERS), by a name of where each was left."""
    left = {}
    for n, (name, steps) in enumerate(DOSSIERS):
        path = catalogue.procedures["P02"].meta.paths[name]
        code = runtime.dossiers.start("P02", path.start, office.desk)
        for step in path.steps[:steps]:
            apply_step(runtime, None, code, step, office.by_role)
        left[f"{name}-{n}"] = code
    return left


def _login(page, server, username):
    page.goto(server + "/officer/login")
    page.fill("#field-username", username)
    page.fill("#field-password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()


def test_the_live_diagram_shows_where_dossiers_wait(
    server, browser, runtime, office, catalogue, password_hash, screens
):
    with runtime.db.write() as session:
        user = add_user(session, "an.thietke", "Nguyễn Văn An")
        user.password_hash = password_hash
        grant(session, user, "designer", office.unit)
    left = _demo_dossiers(runtime, office, catalogue)
    expected = {k: v["waiting"] for k, v in live_view(runtime, "P02").on_diagram().items() if v["waiting"]}
    assert len(expected) >= 3  # the demo leaves dossiers at several places

    context = open_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, server, "an.thietke")
    page.goto(server + "/designer/live")
    with page.expect_navigation():
        page.click("#live-P02")
    page.wait_for_selector(".live-badge")
    badges = page.eval_on_selector_all(
        ".live-badge", "(bs) => bs.map((b) => [b.dataset.element, b.childNodes[0].textContent])"
    )
    assert {element: int(count) for element, count in badges} == expected
    assert page.locator(".motcua-lane-label", has_text="Phòng Thu").count() == 1  # the role's name, not "collection"
    screens.shot(page, "live-1280")
    assert _violations(page) == []

    # a click on the badge of the step where the leader's approval waits lists that dossier
    page.click('.live-badge[data-element="approval"]')
    page.wait_for_selector("#live-dossiers table")
    listed = page.locator("#live-dossiers tbody th").all_inner_texts()
    assert left["happy-4"] in listed
    screens.shot(page, "live-clicked-1280")
    assert _violations(page) == []
    context.close()

    phone = open_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True).new_page()
    _login(phone, server, "an.thietke")
    phone.goto(server + "/designer/procedures/P02/live")
    phone.wait_for_selector(".live-badge")
    assert phone.evaluate(WIDER_THAN_SCREEN) == []
    screens.shot(phone, "live-390")


def test_the_officer_dossier_page_highlights_the_current_step(server, browser, runtime, office, catalogue, screens):
    left = _demo_dossiers(runtime, office, catalogue)
    code = left["sent_back-2"]  # sent back by leadership: at collection's review again
    context = open_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    _login(page, server, "hai.thu")
    page.goto(server + f"/officer/dossiers/{code}")
    assert page.locator("#path-canvas svg").count() == 0  # nothing drawn until asked for
    page.click("#dossier-path summary")
    page.wait_for_selector('.djs-element.path-current[data-element-id="collect_review"]')
    assert page.locator('.djs-element.path-done[data-element-id="reception"]').count() == 1
    assert page.locator('.djs-element.path-done[data-element-id="approval"]').count() == 1
    assert page.locator('#dossier-path li[aria-current="step"]').inner_text().startswith("Thẩm định")
    screens.shot(page, "dossier-path-1280")
    assert _violations(page) == []
    context.close()


def test_the_applicant_sees_where_the_dossier_is_on_a_phone(server, browser, runtime, office, password_hash, screens):
    with runtime.db.write() as session:
        account = Account(
            kind="individual",
            id_number=P02_APPLICATION["citizen_id"],
            full_name=P02_APPLICATION["full_name"],
            phone=P02_APPLICATION["phone"],
            password_hash=password_hash,
            created_at=runtime.clock.now(),
        )
        session.add(account)
        session.flush()
        account_id = account.id
    code = runtime.dossiers.start(
        "P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]), account_id=account_id
    )
    do_task(runtime, office, code, "reception_check", decision="accept")

    context = open_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(server + "/login")
    page.fill("#field-identifier", P02_APPLICATION["citizen_id"])
    page.fill("#field-password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.goto(server + f"/dossiers/{code}")
    assert page.locator('#dossier-stages li[aria-current="step"]').get_attribute("data-stage") == "processing"
    assert page.locator("#dossier-stages li").count() == 5
    assert page.locator(".djs-container").count() == 0  # no BPMN for citizens
    assert page.evaluate(WIDER_THAN_SCREEN) == []
    assert _violations(page) == []
    screens.shot(page, "where-is-my-dossier-390")
    context.close()
