"""The properties panel's form fields and step limits in a real Chromium: a new user task on P02's
draft is selected, gets a form from the panel (add form, a second field, a choice, reordered), the
"no form fields" problem goes away on Check, and the limit's split is set, refused when it does not
add up, and cleared; the metadata textarea follows every edit."""

from __future__ import annotations

import yaml

from tests.web.helpers import PASSWORD

from .conftest import SCREENSHOTS, open_context
from .test_accessibility import _violations
from .test_designer_studio import ADD_TASK, WIDER_THAN_SCREEN, _designer

NEW_TASK = "extra_review"
SELECT = """(id) => { const m = window.motcuaModeler;
  m.get('selection').select(m.get('elementRegistry').get(id)); }"""


def _open_draft(browser, server, **context_args):
    context = open_context(browser, **context_args)
    page = context.new_page()
    page.goto(server + "/officer/login")
    page.fill("#field-username", "an.thietke")
    page.fill("#field-password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.goto(server + "/designer/")
    with page.expect_navigation():
        page.click("#new-draft-P02")
    page.wait_for_selector("#studio[data-ready=true]")
    return context, page


def _task_fields(page) -> list[dict]:
    return yaml.safe_load(page.input_value("#meta-yaml"))["tasks"][NEW_TASK]["fields"]


def _settled(page) -> None:
    page.wait_for_selector("#studio:not([data-busy])")


def test_a_new_user_task_gets_its_form_from_the_panel(server, browser, runtime, office, password_hash, screens):
    _designer(runtime, office, password_hash)
    context, page = _open_draft(browser, server, viewport={"width": 1280, "height": 900})
    assert page.evaluate(ADD_TASK, NEW_TASK) == NEW_TASK
    page.click("#validate-draft")
    _settled(page)
    assert "no form fields" in page.locator("#diagram-problems").inner_text()

    page.evaluate(SELECT, NEW_TASK)
    add_form = page.locator("#task-form button.add-form")
    add_form.wait_for()
    assert "chưa có biểu mẫu" in page.locator("#task-form").inner_text()  # the page's language
    add_form.click()
    page.locator("#task-form .form-field").first.wait_for()
    _settled(page)
    assert [f["name"] for f in _task_fields(page)] == ["note"]

    # a second field, renamed, made a required choice (an option appears), then moved first
    page.click("#task-form button.add-field")
    page.locator("#task-form .form-field").nth(1).wait_for()
    _settled(page)
    second = page.locator("#task-form .form-field").nth(1)
    second.locator('input[data-key="1.name"]').fill("outcome")
    second.locator('input[data-key="1.name"]').press("Tab")  # the browser's own change event
    _settled(page)
    page.locator('#task-form select[data-key="1.type"]').select_option("choice")
    _settled(page)
    page.locator('#task-form input[data-key="1.required"]').check()
    _settled(page)
    page.locator("#task-form .form-field").nth(1).locator("button.move-up").click()
    _settled(page)
    fields = _task_fields(page)
    assert [f["name"] for f in fields] == ["outcome", "note"]
    assert fields[0]["type"] == "choice" and fields[0]["required"] is True and fields[0]["choices"]
    assert "# P02 - " in page.input_value("#meta-yaml")  # the file's comments stay

    # a bad entry: refused with the reason, the text unchanged, the entry kept to correct
    before = page.input_value("#meta-yaml")
    label = page.locator('#task-form input[data-key="0.label.en"]')
    label.fill("")
    label.press("Tab")
    _settled(page)
    alert = page.locator("#task-form [role=alert]")
    assert "tiếng Việt và tiếng Anh" in alert.inner_text() or "Vietnamese and English" in alert.inner_text()
    assert page.input_value("#meta-yaml") == before
    label.fill("Outcome")
    label.press("Tab")
    _settled(page)
    assert page.locator("#task-form [role=alert]").count() == 0, page.locator("#task-form [role=alert]").inner_text()

    # step limits: set, refused when they do not add up, cleared to the default split
    limits = page.locator("#task-form .step-limits")
    limits.locator('input[data-key="steps.processing"]').fill("2")
    limits.locator('input[data-key="steps.approval"]').fill("2")
    limits.locator("button.set-limits").click()
    _settled(page)
    meta = yaml.safe_load(page.input_value("#meta-yaml"))
    assert meta["limit"]["steps"] == {"processing": 2, "approval": 2, "payout": 0, "return": 1}
    limits = page.locator("#task-form .step-limits")
    limits.locator('input[data-key="steps.processing"]').fill("9")
    limits.locator("button.set-limits").click()
    _settled(page)
    assert "5" in page.locator("#task-form .step-limits [role=alert]").inner_text()
    assert yaml.safe_load(page.input_value("#meta-yaml"))["limit"]["steps"]["processing"] == 2
    screens.shot(page, "task-form-1280")
    page.locator("#properties").screenshot(path=str(SCREENSHOTS / "task-form--panel-1280.png"))
    assert _violations(page) == []
    page.locator("#task-form button.clear-limits").click()
    _settled(page)
    assert "steps" not in yaml.safe_load(page.input_value("#meta-yaml"))["limit"]

    # Check: the form is there, so the problem is gone (the missing withdrawal boundary stays)
    page.click("#validate-draft")
    _settled(page)
    problems = page.locator("#diagram-problems").inner_text()
    assert "no form fields" not in problems and "withdrawal boundary" in problems, problems
    context.close()


def test_the_panel_on_a_phone(server, browser, runtime, office, password_hash, screens):
    _designer(runtime, office, password_hash)
    context, page = _open_draft(browser, server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.evaluate(SELECT, "collect_review")
    page.locator("#task-form .form-field").first.wait_for()
    assert page.locator("#task-form .form-field").count() == 5
    page.locator("#properties").scroll_into_view_if_needed()
    screens.shot(page, "task-form-390")
    assert page.evaluate(WIDER_THAN_SCREEN) == []
    assert _violations(page) == []
    context.close()
