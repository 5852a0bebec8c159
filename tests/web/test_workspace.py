"""The officer's workspace (issue 14, items 3 and 4): the task page built for the work (summary and
SLA clock, document previews, the chosen decision's fields, complete and open next) and the inbox
(saved filters, sort orders, the counts the page refreshes itself with)."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from engine.people.officers import Actor
from tests.helpers import do_task, open_task

from .test_inbox import english, follow, start, task_state, view_of


def group(page: str, name: str) -> str:
    """The fields of one decision on the task page: from its group to the next group or the buttons."""
    found = re.search(
        rf'<fieldset class="decision-group" id="group-decision-{name}".*?(?=id="group-decision-|<div class="actions">)',
        page,
        re.S,
    )
    assert found, f"no group of fields for the decision {name}"
    return found.group(0)


def test_the_task_page_groups_fields_under_their_decision_and_requires_only_the_chosen_ones(web, runtime, office):
    code = start(runtime)
    task = open_task(runtime, code, "reception_check").id
    web.officer_login("lan.desk")
    english(web)
    url = f"/officer/tasks/{task}"
    page = web.text(url)
    assert 'name="missing_documents"' in group(page, "supplement") and "Only for “Request a supplement”" in page
    assert 'name="refusal_reason"' in group(page, "refuse") and 'name="refusal_reason"' not in group(page, "supplement")
    assert 'id="group-decision-accept"' not in page  # accepting needs no field of its own
    assert "hidden" not in group(page, "refuse").split(">")[0]  # without JavaScript every group shows
    assert page.index('name="decision"') < page.index('id="group-decision-supplement"')  # the choice comes first

    # a refusal needs its reason, nothing else
    refused = web.post(f"{url}/complete", {"decision": "refuse"}, page=url)
    assert refused.status_code == 400 and "Enter Reason for refusal" in refused.get_data(as_text=True)
    assert "Documents to supply" not in re.search(
        r'id="error-summary".*?</div>', refused.get_data(as_text=True), re.S
    ).group(0)
    assert view_of(runtime, code).status == 1

    # accepting with a reason typed for another decision: accepted, the stray reason not kept
    follow(web, web.post(f"{url}/complete", {"decision": "accept", "refusal_reason": "Sai nơi nộp"}, page=url))
    assert view_of(runtime, code).status == 4
    assert runtime.dossiers.workflow_data(code).get("refusal_reason") is None


def test_complete_and_open_next_lands_on_the_next_task_of_the_view_claimed(web, runtime, office):
    first, second = start(runtime), start(runtime)
    tasks = [open_task(runtime, code, "reception_check").id for code in (first, second)]
    web.officer_login("lan.desk")
    english(web)
    inbox = web.text("/officer/?view=offered")
    link = re.search(rf'href="(/officer/tasks/{tasks[0]}\?inbox=[^"]+)"', inbox).group(1).replace("&amp;", "&")
    origin = parse_qs(urlsplit(link).query)["inbox"][0]
    assert parse_qs(origin) == {"view": ["offered"]}

    done = web.post(
        f"/officer/tasks/{tasks[0]}/complete", {"decision": "accept", "then": "next", "inbox": origin}, page=link
    )
    assert done.status_code == 302
    assert urlsplit(done.headers["Location"]).path == f"/officer/tasks/{tasks[1]}"
    page = web.text(done.headers["Location"])
    assert f"Done: Kiểm tra thành phần hồ sơ (dossier {first})" in page
    assert task_state(page) == "Claimed by Nguyễn Thị Lan"  # it was offered: now it is hers
    assert second in page

    # the last one: back to the view, which says nothing is left
    last = web.post(
        f"/officer/tasks/{tasks[1]}/complete",
        {"decision": "accept", "then": "next", "inbox": origin},
        page=done.headers["Location"],
    )
    assert last.headers["Location"].endswith("/officer/?view=offered")
    assert "Nothing else is waiting in this view." in web.text(last.headers["Location"])


def test_next_task_keeps_the_views_filters_and_skips_a_colleagues_task(web, runtime, office, catalogue):
    p01 = catalogue.procedures["P01"].meta.paths["happy"].start
    first = start(runtime)
    runtime.dossiers.start("P01", p01, Actor.applicant(p01["representative"]))  # filtered out below
    taken = start(runtime)
    last = start(runtime)
    runtime.dossiers.claim(open_task(runtime, taken, "reception_check").id, office.desk2)
    task = open_task(runtime, first, "reception_check").id
    web.officer_login("lan.desk")
    done = web.post(
        f"/officer/tasks/{task}/complete",
        {"decision": "accept", "then": "next", "inbox": "view=intake&procedure=P02"},
        page=f"/officer/tasks/{task}",
    )
    location = urlsplit(done.headers["Location"])
    assert location.path == f"/officer/tasks/{open_task(runtime, last, 'reception_check').id}"
    assert parse_qs(parse_qs(location.query)["inbox"][0]) == {"view": ["intake"], "procedure": ["P02"]}


def test_the_task_page_sums_up_the_dossier_and_its_sla_clock(web, runtime, office, clock):
    code = start(runtime)
    task = open_task(runtime, code, "reception_check").id
    web.officer_login("lan.desk")
    english(web)
    page = web.text(f"/officer/tasks/{task}")
    summary = re.search(r'<section aria-labelledby="summary-heading".*?</section>', page, re.S).group(0)
    for shown in (code, "P02", "Nguyễn Văn An", "Submitted", "Due today"):
        assert shown in summary, shown
    assert 'id="task-warnings"' in summary

    clock.advance(timedelta(days=3))  # Thursday: due on Monday, three working days ago
    web.officer_login("lan.desk")  # the session of Monday has ended
    summary = re.search(
        r'<section aria-labelledby="summary-heading".*?</section>', web.text(f"/officer/tasks/{task}"), re.S
    )
    assert "Late by 3 working days" in summary.group(0)


def test_documents_are_previewed_inline_from_the_document_route(web, runtime, office):
    code = start(runtime)
    task = open_task(runtime, code, "reception_check").id
    doc = view_of(runtime, code).documents[0]
    web.officer_login("lan.desk")
    url = f"/officer/dossiers/{code}/documents/{doc.id}"
    assert f'<iframe src="{url}?preview=1"' in web.text(f"/officer/tasks/{task}")
    shown = web.get(f"{url}?preview=1")
    assert shown.status_code == 200 and shown.headers["Content-Type"] == "application/pdf"
    assert shown.headers["Content-Disposition"].startswith("inline")
    assert "frame-ancestors 'self'" in shown.headers["Content-Security-Policy"]
    assert shown.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert web.get(url).headers["Content-Disposition"].startswith("attachment")  # the download stays one
    page = web.text(f"/officer/tasks/{task}")
    assert "frame-ancestors 'none'" in web.get(f"/officer/tasks/{task}").headers["Content-Security-Policy"]
    assert page.count("to-khai.pdf") >= 1


def test_saved_filters_belong_to_their_officer(web, other_web, runtime, office):
    start(runtime)
    web.officer_login("lan.desk")
    english(web)
    query = "view=overdue&procedure=P02&sort=received"
    saved = web.post("/officer/filters", {"name": "  Quá hạn   P02 ", "query": query}, page=f"/officer/?{query}")
    assert saved.headers["Location"].endswith(f"/officer/?{query}")
    page = web.text(saved.headers["Location"])
    assert "Filter saved: Quá hạn P02" in page
    assert f'href="/officer/?{query.replace("&", "&amp;")}" aria-current="page">Quá hạn P02</a>' in page

    blank = web.post("/officer/filters", {"name": " ", "query": "view=mine"}, page="/officer/")
    assert "Give the filter a name" in web.text(blank.headers["Location"])
    # the same name again replaces it; unknown arguments are dropped
    web.post("/officer/filters", {"name": "Quá hạn P02", "query": "view=mine&evil=1&sort=bogus"}, page="/officer/")
    page = web.text("/officer/")
    assert page.count(">Quá hạn P02</a>") == 1 and 'href="/officer/?view=mine">Quá hạn P02' in page

    other_web.officer_login("minh.desk")
    assert "Quá hạn P02" not in other_web.text("/officer/")
    filter_id = re.search(r'action="/officer/filters/(\d+)/delete"', page).group(1)
    assert other_web.post(f"/officer/filters/{filter_id}/delete", {}, page="/officer/").status_code == 404
    assert "Quá hạn P02" in web.text("/officer/")

    deleted = web.post(f"/officer/filters/{filter_id}/delete", {"next": "/officer/"}, page="/officer/")
    page = web.text(deleted.headers["Location"])
    assert "Filter deleted: Quá hạn P02" in page and ">Quá hạn P02</a>" not in page


def test_the_inbox_sorts_by_due_date_received_date_or_procedure(web, runtime, office, catalogue, clock):
    p01 = catalogue.procedures["P01"].meta.paths["happy"].start
    early = start(runtime)
    clock.advance(timedelta(hours=1))
    company = runtime.dossiers.start("P01", p01, Actor.applicant(p01["representative"]))
    clock.advance(timedelta(hours=1))
    late = start(runtime)
    # the early dossier went back for a supplement and came back: its new check is due last
    do_task(runtime, office, early, "reception_check", decision="supplement", missing_documents="Bản sao CCCD")
    clock.advance(timedelta(days=1))
    runtime.dossiers.deliver_message(early, "supplement_received", {"documents": ["tk1_ts"]}, office.desk)
    web.officer_login("lan.desk")

    def order(sort: str) -> list[str]:
        page = web.text(f"/officer/?view=offered&sort={sort}")
        found = re.findall(r'href="/officer/dossiers/([^"]+)"', page)
        return [c for c in found if c in (early, company, late)]

    assert order("due") == [company, late, early]
    assert order("received") == [early, company, late]
    assert order("procedure") == [company, late, early]  # P01, then P02 by due date
    assert order("newest") == [early, late, company]  # the newest task first


def test_the_counts_endpoint_answers_each_views_count_with_the_filters(web, runtime, office):
    first, _second = start(runtime), start(runtime)
    web.officer_login("lan.desk")
    counts = web.get("/officer/counts.json").get_json()
    assert counts["views"]["offered"] == 2 and counts["views"]["intake"] == 2 and counts["views"]["mine"] == 0
    web.post(f"/officer/tasks/{open_task(runtime, first, 'reception_check').id}/claim", page="/officer/")
    counts = web.get("/officer/counts.json").get_json()
    assert counts["views"]["offered"] == 1 and counts["views"]["mine"] == 1
    assert web.get("/officer/counts.json?procedure=P01").get_json()["views"]["intake"] == 0
    assert 'data-counts-url="/officer/counts.json"' in web.text("/officer/")
    web.logout()
    assert web.get("/officer/counts.json").status_code in (302, 401)
