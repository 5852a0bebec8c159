"""The designers' studio in a real Chromium: the demo designer opens P02, adds a review step on the
diagram, sees the problems painted on it, fixes them, test-runs every path green and deploys; a
dossier started before stays on its version, a new one runs the new step."""

from __future__ import annotations

from sqlalchemy import select

from engine.data.models import Dossier, Procedure
from engine.people.officers import Actor, add_user, grant
from tests.helpers import P02_APPLICATION, do_task, open_task
from tests.web.helpers import PASSWORD

from .conftest import SCREENSHOTS, open_context
from .test_accessibility import _violations

NEW_TASK = "extra_review"

# the drawing itself through the modeler's own API (as the palette would do it): a user task in the
# collection lane, put on the flow into collect_review
ADD_TASK = """(id) => {
  const m = window.motcuaModeler, registry = m.get('elementRegistry'), modeling = m.get('modeling');
  const factory = m.get('elementFactory');
  const flow = registry.get('flow_processing_to_review');
  const target = flow.target;
  const task = modeling.createShape(
    factory.createShape({type: 'bpmn:UserTask'}), {x: 745, y: 490}, registry.get('participant_P02'));
  modeling.updateProperties(task, {id: id, name: 'Kiểm tra thêm'});
  modeling.reconnectEnd(flow, task, {x: task.x, y: task.y + task.height / 2});
  modeling.connect(task, target);
  return task.businessObject.id;
}"""

# the fix on the diagram: the withdrawal boundary event the procedure's other steps carry
ADD_BOUNDARY = """(id) => {
  const m = window.motcuaModeler, registry = m.get('elementRegistry'), modeling = m.get('modeling');
  const task = registry.get(id);
  const shape = m.get('elementFactory').createShape(
    {type: 'bpmn:BoundaryEvent', eventDefinitionType: 'bpmn:MessageEventDefinition'});
  const boundary = modeling.createShape(shape, {x: task.x + 70, y: task.y + task.height}, task, {attach: true});
  m.get('selection').select(boundary);
  return boundary.id;
}"""
CONNECT_TO_WITHDRAWAL = """(id) => {
  const m = window.motcuaModeler, registry = m.get('elementRegistry');
  m.get('modeling').connect(registry.get(id), registry.get('withdrawal'));
}"""

# what sticks out of a phone's screen (a table scrolls inside its own box instead)
WIDER_THAN_SCREEN = """() => [...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .filter((e) => !e.closest('.table-wrap, .djs-container'))
  .map((e) => e.tagName + '#' + e.id + '.' + e.className)"""

FORM = f"""  {NEW_TASK}:
    fields:
      - name: extra_note
        type: text
        required: false
        label: {{vi: "Ghi chú kiểm tra thêm", en: "Note of the extra check"}}
"""


def _fixed_metadata(text: str) -> str:
    """The metadata with the new task's form and, in every path, the new step before the first review."""
    text = text.replace("\ntasks:\n", "\ntasks:\n" + FORM, 1)
    lines, out, seen = text.splitlines(), [], False
    for line in lines:
        if line.strip() == "steps:":
            seen = False
        if "- {task: collect_review" in line and not seen:
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}- {{task: {NEW_TASK}}}")
            seen = True
        out.append(line)
    return "\n".join(out) + "\n"


def _designer(runtime, office, password_hash):
    with runtime.db.write() as session:
        user = add_user(session, "an.thietke", "Nguyễn Văn An")
        user.password_hash = password_hash
        grant(session, user, "designer", office.unit)


def _version_of(runtime, code: str) -> int:
    with runtime.db.read() as session:
        return session.scalars(select(Dossier.version_id).where(Dossier.code == code)).one()


def test_a_designer_adds_a_step_fixes_it_tests_every_path_and_deploys(
    server, browser, runtime, office, password_hash, screens
):
    _designer(runtime, office, password_hash)
    before = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]))
    old_version = _version_of(runtime, before)

    context = open_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(server + "/officer/login")
    page.fill("#field-username", "an.thietke")
    page.fill("#field-password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.goto(server + "/designer/")
    screens.shot(page, "overview-1280")
    assert _violations(page) == []
    with page.expect_navigation():
        page.click("#new-draft-P02")
    page.wait_for_selector("#studio[data-ready=true]")
    # lanes read as their roles' names, not their codes
    assert page.locator(".motcua-lane-label", has_text="Phòng Thu").count() == 1
    page.evaluate("window.motcuaModeler.get('canvas').viewbox({x: 0, y: 40, width: 820, height: 630})")
    page.locator("#canvas").screenshot(path=str(SCREENSHOTS / "studio--lanes-1280.png"))
    page.evaluate("window.motcuaModeler.get('canvas').zoom('fit-viewport')")
    assert page.locator("#deploy-draft").is_disabled()

    assert page.evaluate(ADD_TASK, NEW_TASK) == NEW_TASK
    page.click("#validate-draft")
    page.wait_for_selector("#studio:not([data-busy])")
    problems = page.locator("#diagram-problems").inner_text()
    assert "no form fields" in problems
    assert "withdrawal boundary" in problems
    assert page.locator(f'.djs-element.motcua-problem[data-element-id="{NEW_TASK}"]').count() == 1
    assert page.locator(".motcua-problem-note").first.is_visible()
    screens.shot(page, "problems-1280")
    assert _violations(page) == []  # the draft page with its problems listed and painted
    # a problem in the list selects its element and shows its properties
    page.click(f'#diagram-problems a[data-element="{NEW_TASK}"]')
    page.wait_for_selector(f'#properties-body code:text-is("{NEW_TASK}")')
    assert page.input_value("#properties-body [name=name]") == "Kiểm tra thêm"

    # fix: the form (and the path steps) in the metadata, the withdrawal boundary on the diagram
    yaml_text = page.input_value("#meta-yaml")
    page.fill("#meta-yaml", _fixed_metadata(yaml_text))
    boundary = page.evaluate(ADD_BOUNDARY, NEW_TASK)
    page.wait_for_selector("#properties-body input")
    page.fill("#properties-body [name=message]", "withdrawal_requested")
    page.dispatch_event("#properties-body [name=message]", "change")
    page.evaluate(CONNECT_TO_WITHDRAWAL, boundary)

    page.select_option("#path-name", "refusal")  # one path first: it never reaches the new step
    page.click("#test-one")
    page.wait_for_selector("#studio:not([data-busy])")
    assert page.locator("#test-results details").count() == 1
    assert page.locator("#deploy-draft").is_disabled()  # one path is not every path

    page.click("#test-all")
    page.wait_for_selector("#studio:not([data-busy])", timeout=60_000)
    results = page.locator("#test-results").inner_text()
    problems = page.locator("#diagram-problems").inner_text() + page.locator("#metadata-problems").inner_text()
    assert page.locator("#test-results details.failed").count() == 0, results + problems
    assert page.locator("#test-results details.passed").count() == 11
    page.wait_for_function("!document.querySelector('#deploy-draft').disabled")
    screens.shot(page, "tested-1280")

    with page.expect_navigation():
        page.click("#deploy-draft")
    assert page.url.endswith("/designer/")
    assert "P02" in page.locator(".flash-success").inner_text()
    with runtime.db.read() as session:
        new_version = session.get(Procedure, "P02").current_version_id
    assert new_version != old_version
    screens.shot(page, "deployed-1280")

    # the dossier started before stays on its version; a new one waits at the new step
    assert _version_of(runtime, before) == old_version
    after = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]))
    assert _version_of(runtime, after) == new_version
    do_task(runtime, office, after, "reception_check", decision="accept")
    assert open_task(runtime, after, NEW_TASK) is not None
    do_task(runtime, office, before, "reception_check", decision="accept")
    assert open_task(runtime, before, "collect_review") is not None
    context.close()


def test_the_studio_on_a_phone(server, browser, runtime, office, password_hash):
    _designer(runtime, office, password_hash)
    context = open_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(server + "/officer/login")
    page.fill("#field-username", "an.thietke")
    page.fill("#field-password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.goto(server + "/designer/")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "studio--overview-390.png"), full_page=True)
    assert _violations(page) == []
    assert page.evaluate(WIDER_THAN_SCREEN) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, page.evaluate(
        "() => [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > 391)"
        ".slice(0, 8).map((e) => e.tagName + '.' + e.className + ' ' + e.getBoundingClientRect().right)"
    )
    with page.expect_navigation():
        page.click("#new-draft-P02")
    page.wait_for_selector("#studio[data-ready=true]")
    page.screenshot(path=str(SCREENSHOTS / "studio--draft-390.png"), full_page=True)
    assert _violations(page) == []
    assert page.evaluate(WIDER_THAN_SCREEN) == []
    context.close()
