"""The officer's workspace in a real browser, on a desktop and a phone: the task page (documents
previewed beside the form, the chosen decision's fields, shortcuts, complete and open next) and the
inbox (cards on a phone, counts that refresh themselves); axe-core finds no WCAG 2.1 A/AA violation."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from engine.dossiers.documents import check_upload
from engine.people.officers import Actor
from tests.helpers import P02_APPLICATION

from ..web.helpers import PASSWORD
from .conftest import open_context
from .test_accessibility import _violations

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _start(runtime, name: str = "Nguyễn Văn An") -> str:
    return runtime.dossiers.start(
        "P02",
        {**P02_APPLICATION, "full_name": name},
        Actor.applicant(name),
        documents=[check_upload("tk1_ts", "to-khai.pdf", PDF)],
    )


def _officer(browser, server, size, **extra):
    context = open_context(browser, viewport=size, **extra)
    page = context.new_page()
    page.goto(server + "/officer/login")
    page.fill("#field-username", "lan.desk")
    page.fill("#field-password", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/officer/"))
    return context, page


def test_a_reception_task_completed_with_complete_and_open_next(server, browser, runtime, screens):
    first, second = _start(runtime), _start(runtime, "Lê Thị Bình")
    context, page = _officer(browser, server, DESKTOP)
    assert page.locator("#tabs-mine").text_content() == "Việc của tôi"
    assert page.locator("nav[aria-labelledby=tabs-desk] #tabs-desk").text_content() == "Theo dõi hồ sơ"
    wrap = "document.querySelector('.table-wrap')"
    assert page.evaluate(f"{wrap}.scrollWidth <= {wrap}.clientWidth")  # the table fits the screen's width
    screens.shot(page, "inbox-1280")
    problems = {"inbox": _violations(page)}
    # sorted by received date, saved under a name, and shown as a link
    page.locator("details summary").first.click()
    page.select_option("#field-sort", "received")
    with page.expect_navigation():
        page.get_by_role("button", name="Áp dụng").click()
    assert page.locator("details").first.get_attribute("open") is not None  # open while filters are set
    page.fill("#field-filter-name", "Theo ngày nhận")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu bộ lọc").click()
    assert page.locator(".saved-filters a", has_text="Theo ngày nhận").get_attribute("aria-current") == "page"
    screens.shot(page, "inbox-saved-filter-1280")
    problems["inbox with a saved filter"] = _violations(page)
    with page.expect_navigation():
        page.locator(f"tr:has-text('{first}') a[href*='/officer/tasks/']").first.click()
    assert "sort%3Dreceived" in page.url

    # documents beside the form: two columns on a wide screen, the PDF previewed in a frame; measured
    # from the top of the page (the form column is sticky: scrolled, it would sit lower than the documents)
    page.evaluate("window.scrollTo(0, 0)")
    docs, work = page.locator(".task-documents").bounding_box(), page.locator(".task-work").bounding_box()
    assert work["x"] >= docs["x"] + docs["width"] and abs(work["y"] - docs["y"]) < 5
    assert page.locator(".doc-preview iframe").get_attribute("src").endswith("?preview=1")
    # only the chosen decision's fields show
    supplement, refuse = page.locator("#group-decision-supplement"), page.locator("#group-decision-refuse")
    assert supplement.is_hidden() and refuse.is_hidden()
    page.check("input[name=decision][value=supplement]")
    assert supplement.is_visible() and refuse.is_hidden() and page.locator("#field-missing_documents").is_visible()
    page.check("input[name=decision][value=refuse]")
    assert supplement.is_hidden() and page.locator("#field-refusal_reason").is_visible()
    problems["task"] = _violations(page)
    page.fill("#field-refusal_reason", "Sai nơi nộp")  # typed, then the officer changes their mind
    page.check("input[name=decision][value=accept]")
    assert supplement.is_hidden() and refuse.is_hidden()

    # "?" lists the shortcuts, but not while typing in a box
    shortcuts = page.locator("#shortcuts")
    page.locator("#field-note").type("Đủ?")
    assert shortcuts.is_hidden() and page.input_value("#field-note") == "Đủ?"
    page.evaluate("document.activeElement.blur()")  # out of the box
    page.keyboard.press("?")
    assert shortcuts.is_visible() and "Alt" in shortcuts.inner_text()
    screens.shot(page, "task-1280")

    with page.expect_navigation():
        page.keyboard.press("Alt+Shift+KeyN")  # complete and open the next task
    assert "/officer/tasks/" in page.url and second in page.locator(".task-summary").inner_text()
    assert page.locator("#task-state").inner_text().strip() == "Nguyễn Thị Lan đã nhận xử lý"  # claimed for her
    assert runtime.dossiers.get(first).status in (2, 4)  # accepted, and on to processing
    assert runtime.dossiers.workflow_data(first).get("refusal_reason") is None
    screens.shot(page, "next-task-1280")
    context.close()
    assert {name: found for name, found in problems.items() if found} == {}


def test_the_inbox_and_the_task_page_on_a_phone(server, browser, runtime, screens):
    codes = [_start(runtime, name) for name in ("Nguyễn Văn An", "Trần Thị Mai Phương Thảo", "Lê Bình")]
    context, page = _officer(browser, server, PHONE, is_mobile=True, has_touch=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    card = page.locator(f"tr:has-text('{codes[0]}')")
    for cell in ("td[data-label] .tag-status", "td[data-label] .tag-due-today"):
        box = card.locator(cell).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], cell
    screens.shot(page, "inbox-390")
    problems = {"inbox": _violations(page)}

    # the counts refresh without a reload
    assert page.locator(".tab-groups .count[data-view=offered]").inner_text() == "3"
    _start(runtime, "Phạm Văn Dũng")
    page.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(page.locator(".tab-groups .count[data-view=offered]")).to_have_text("4")

    with page.expect_navigation():
        card.locator("a[href*='/officer/tasks/']").first.click()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    docs, work = page.locator(".task-documents").bounding_box(), page.locator(".task-work").bounding_box()
    assert work["y"] >= docs["y"] + docs["height"]  # stacked
    screens.shot(page, "task-390")
    problems["task"] = _violations(page)
    context.close()
    assert {name: found for name, found in problems.items() if found} == {}


def test_without_javascript_every_decisions_fields_show_under_their_decision(server, browser, runtime, screens):
    code = _start(runtime)
    context, page = _officer(browser, server, DESKTOP, java_script_enabled=False)
    with page.expect_navigation():
        page.locator(f"tr:has-text('{code}') a[href*='/officer/tasks/']").first.click()
    assert (
        page.locator("#group-decision-supplement").is_visible() and page.locator("#group-decision-refuse").is_visible()
    )
    assert "Từ chối tiếp nhận" in page.locator("#group-decision-refuse legend").inner_text()
    assert page.locator("#shortcuts").is_hidden()  # the shortcuts need JavaScript: not offered
    page.check("input[name=decision][value=refuse]")
    with page.expect_navigation():
        page.locator("#complete-button").click()
    assert "Vui lòng nhập Lý do từ chối" in page.locator("#error-summary").inner_text()
    assert page.locator("#group-decision-refuse").is_visible()
    screens.shot(page, "task-without-javascript-1280")
    context.close()
    assert runtime.dossiers.get(code).status == 1  # nothing changed
