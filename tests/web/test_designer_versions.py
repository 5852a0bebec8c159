"""The studio's version pages through the Flask test client: a procedure's versions and deploy log,
two versions compared, running dossiers moved between versions (dry run, then the move), and the
incidents of live dossiers retried; every bad input answered plainly with nothing changed."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from tests.engine.design.versions_helpers import added_review_step, review_replaced
from tests.engine.dossiers.test_dossiers import start_p02
from tests.helpers import do_task, open_task
from tests.scripted import load_procedures, write_procedure


def _text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def _at_review(runtime, office) -> str:
    code = start_p02(runtime)
    do_task(runtime, office, code, "reception_check", decision="accept")
    assert open_task(runtime, code, "collect_review")
    return code


PAGES = ["/designer/procedures/P02", "/designer/procedures/P02/diff?a=1&b=2", "/designer/incidents"]


@pytest.mark.parametrize("url", [*PAGES, "/designer/procedures/P02/migrate?from=1&to=2"])
def test_visitors_go_to_the_login_and_other_officers_get_403(app, web, runtime, catalogue, url):
    runtime.deploy(added_review_step(catalogue))
    assert "/officer/login" in web.get(url).headers["Location"]
    web.officer_login("lan.desk")
    assert web.get(url).status_code == 403
    assert web.post("/designer/incidents/1/retry", page="/officer/").status_code == 403


def test_the_procedure_page_lists_versions_deploys_and_drafts(designer, runtime, catalogue, office):
    _at_review(runtime, office)
    runtime.deploy(added_review_step(catalogue), by="an.thietke")
    overview = designer.text("/designer/")
    assert 'href="/designer/procedures/P02"' in overview and 'href="/designer/incidents"' in overview
    page = _text(designer.get("/designer/procedures/P02"))
    version_1 = re.search(r'id="version-1".*?name="version" value="(\d+)"', page, re.S).group(1)
    designer.post("/designer/procedures/P02/drafts", {"version": version_1}, page="/designer/procedures/P02")

    page = _text(designer.get("/designer/procedures/P02"))
    assert "New dossiers start on v2." in page
    v2, v1 = page.index('id="version-2"'), page.index('id="version-1"')
    assert v2 < v1  # newest first
    assert "1 / 1" in page[v1:]  # the dossier started before runs on v1
    assert "live" in page[v2:v1] and "an.thietke" in page[v2:v1]
    assert "v2 deployed (new) · was v1" in " ".join(page.split())
    assert "started from version v1" in page  # the draft just made
    assert "/designer/procedures/P02/diff?a=1&amp;b=2" in designer.text("/designer/procedures/P02")
    assert "/designer/procedures/P02/migrate?from=1&amp;to=2" in designer.text("/designer/procedures/P02")


def test_an_unknown_procedure_is_404(designer):
    for url in (
        "/designer/procedures/P99",
        "/designer/procedures/P99/diff?a=1&b=2",
        "/designer/procedures/P99/migrate",
    ):
        assert designer.get(url).status_code == 404


def test_the_diff_lists_the_added_task_and_colours_it_on_b(designer, runtime, catalogue):
    runtime.deploy(added_review_step(catalogue))

    page = _text(designer.get("/designer/procedures/P02/diff?a=1&b=2"))

    added = page[page.index('id="added-list"') : page.index("</ul>", page.index('id="added-list"'))]
    assert 'data-element="second_review" data-side="b"' in added and "Kiểm tra lại kết quả thẩm định" in added
    assert "withdrawal_at_second_review" in added
    changed = page[page.index('id="changed-list"') :]
    assert 'data-element="collect_review"' in changed and "outgoing" in changed  # now leads to the second review
    assert '"added": ["second_review"' in page or "&#34;added&#34;: [&#34;second_review&#34;" in page.replace(
        "&quot;", "&#34;"
    )
    assert "/designer/procedures/P02/versions/1/diagram.bpmn" in page and "/static/designer/diff.js" in page
    assert "<script>" not in page
    # with no numbers: the live version against the one before it
    assert 'id="added-list"' in designer.text("/designer/procedures/P02/diff")
    diagram = designer.get("/designer/procedures/P02/versions/2/diagram.bpmn")
    assert b'id="second_review"' in diagram.data and diagram.headers["Content-Disposition"].startswith("attachment")
    assert designer.get("/designer/procedures/P02/versions/7/diagram.bpmn").status_code == 404


@pytest.mark.parametrize(
    "query, message",
    [
        ("a=1&b=9", "P02 has no version v9 (v1, v2)"),
        ("a=2&b=2", "Choose two different versions to compare."),
        ("a=one&b=2", "Choose two versions by their numbers (for example 1 and 2)."),
        ("a=1", "Choose two versions by their numbers (for example 1 and 2)."),
    ],
)
def test_a_diff_of_bad_versions_says_why(designer, runtime, catalogue, query, message):
    runtime.deploy(added_review_step(catalogue))
    response = designer.get(f"/designer/procedures/P02/diff?{query}", follow_redirects=True)
    assert response.request.path == "/designer/procedures/P02"
    assert message in _text(response)


def test_a_dry_run_lists_movable_dossiers_and_why_others_are_not(designer, runtime, catalogue, office):
    at_desk, at_review = start_p02(runtime), _at_review(runtime, office)
    runtime.deploy(review_replaced(catalogue))

    page = _text(designer.get("/designer/procedures/P02/migrate?from=1&to=2"))

    assert "Dry run: nothing has changed yet." in page
    desk_row = page[page.index(f'id="dossier-{at_desk}"') :].split("</tr>")[0]
    review_row = page[page.index(f'id="dossier-{at_review}"') :].split("</tr>")[0]
    assert "movable" in desk_row and "not movable" not in desk_row and 'value="' + at_desk + '"' in desk_row
    assert "not movable" in review_row and "it waits in collect_review" in review_row
    assert 'name="dossier"' not in review_row  # nothing to tick
    assert runtime.dossiers.get(at_desk).version_id == runtime.dossiers.get(at_review).version_id  # a dry run
    designer.post("/language", {"lang": "vi", "next": "/designer/"}, page="/designer/")
    page = _text(designer.get("/designer/procedures/P02/migrate?from=1&to=2"))
    assert "không thể chuyển" in page and "hồ sơ đang chờ ở collect_review" in page


def test_a_move_is_written_in_the_dossiers_history_and_the_others_stay(designer, runtime, catalogue, office):
    at_desk, other, at_review = start_p02(runtime), start_p02(runtime), _at_review(runtime, office)
    (deployed,) = runtime.deploy(review_replaced(catalogue))
    before = runtime.dossiers.get(other).version_id

    response = designer.post(
        "/designer/procedures/P02/migrate",
        {"from": "1", "to": "2", "dossier": [at_desk]},
        page="/designer/procedures/P02/migrate?from=1&to=2",
    )

    page = _text(response)
    assert response.status_code == 200 and "1 of 1 dossier(s) moved to v2." in page
    assert "moved" in page[page.index(f'id="dossier-{at_desk}"') :].split("</tr>")[0]
    assert runtime.dossiers.get(at_desk).version_id == deployed.version_id
    assert runtime.dossiers.get(other).version_id == before  # not ticked
    last = runtime.dossiers.history(at_desk)[-1]
    assert (last.kind, last.data["from_version"], last.data["to_version"]) == ("version_moved", 1, 2)
    assert last.actor == "Nguyễn Văn An"

    # all movable: the other one at the desk; the one waiting in the replaced task stays, with why
    response = designer.post(
        "/designer/procedures/P02/migrate",
        {"from": "1", "to": "2", "all": "1"},
        page="/designer/procedures/P02/migrate?from=1&to=2",
    )
    page = _text(response)
    assert "1 of 2 dossier(s) moved to v2." in page
    assert "not moved" in page and "it waits in collect_review" in page
    assert runtime.dossiers.get(other).version_id == deployed.version_id
    assert runtime.dossiers.get(at_review).version_id == before


@pytest.mark.parametrize(
    "form, message",
    [
        ({"from": "1", "to": "1", "all": "1"}, "v1 and v1 are one version"),
        ({"from": "1", "to": "5", "all": "1"}, "P02 has no version v5 (v1, v2)"),
        ({"from": "x", "to": "2", "all": "1"}, "Choose two versions by their numbers"),
        ({"from": "1", "to": "2"}, "Tick the dossiers to move, or move all movable ones."),
    ],
)
def test_a_bad_move_says_why_and_moves_nothing(designer, runtime, catalogue, office, form, message):
    waiting = start_p02(runtime)
    runtime.deploy(added_review_step(catalogue))
    version = runtime.dossiers.get(waiting).version_id

    response = designer.post(
        "/designer/procedures/P02/migrate", form, page="/designer/procedures/P02", follow_redirects=True
    )

    assert message in _text(response)
    assert runtime.dossiers.get(waiting).version_id == version
    assert runtime.dossiers.history(waiting)[-1].kind != "version_moved"


def test_a_move_without_the_csrf_token_is_refused(designer, runtime, catalogue):
    waiting = start_p02(runtime)
    runtime.deploy(added_review_step(catalogue))
    version = runtime.dossiers.get(waiting).version_id
    response = designer.client.post("/designer/procedures/P02/migrate", data={"from": "1", "to": "2", "all": "1"})
    assert response.status_code == 400
    assert runtime.dossiers.get(waiting).version_id == version


# --- incidents ---------------------------------------------------------------------------------------


def _refuse_at_the_desk(runtime, office, dossier: str) -> None:
    task = open_task(runtime, dossier, "desk_check")
    runtime.dossiers.claim(task.id, office.desk)
    runtime.dossiers.complete_task(task.id, office.desk, {"decision": "refuse"})


def _submit(runtime, code: str) -> str:
    from engine.people.officers import Actor  # the applicant who submits

    return runtime.dossiers.start(code, {"full_name": "Nguyễn Văn An"}, Actor.applicant("Nguyễn Văn An"))


@pytest.fixture
def timer_incident(runtime, office, tmp_path, clock) -> tuple[str, int]:
    """A dossier of X89 whose timer's script failed, then refused at the desk: a retry resolves it."""
    runtime.deploy(load_procedures(write_procedure(tmp_path / "X89", "X89", {"set_stopped": "x = 1 / 0"}, "X05")))
    dossier = _submit(runtime, "X89")
    clock.advance(timedelta(days=20))
    runtime.dossiers.fire_due_timers()
    (incident,) = runtime.dossiers.incidents(dossier)
    _refuse_at_the_desk(runtime, office, dossier)
    return dossier, incident.id


@pytest.fixture
def failing_incident(runtime, office, tmp_path) -> tuple[str, int]:
    """A dossier of X84 whose refusal script divides by zero: a retry fails again."""
    from engine.errors import StepFailed  # what the desk is told

    runtime.deploy(
        load_procedures(write_procedure(tmp_path / "X84", "X84", {"set_refused": "set_status(3)\nx = 1 / 0"}))
    )
    dossier = _submit(runtime, "X84")
    with pytest.raises(StepFailed):
        _refuse_at_the_desk(runtime, office, dossier)
    (incident,) = runtime.dossiers.incidents(dossier)
    return dossier, incident.id


def test_open_incidents_are_listed_and_filtered_by_procedure(timer_incident, failing_incident, designer):
    # the incidents first: the timer's 20 days would end the designer's session
    page = _text(designer.get("/designer/incidents"))
    for dossier, incident_id in (timer_incident, failing_incident):
        row = page[page.index(f'id="incident-{incident_id}"') :].split("</tr>")[0]
        assert dossier in row and "Retry" in row
    assert "ZeroDivisionError: division by zero" in page and "set_refused" in page

    only = _text(designer.get("/designer/incidents?procedure=X84"))
    assert f'id="incident-{failing_incident[1]}"' in only and f'id="incident-{timer_incident[1]}"' not in only


def test_a_retried_incident_is_resolved_and_shown_with_resolved_ones(timer_incident, designer):
    _dossier, incident_id = timer_incident
    response = designer.post(
        f"/designer/incidents/{incident_id}/retry", page="/designer/incidents", follow_redirects=True
    )
    page = _text(response)
    assert f"Incident #{incident_id} resolved (the step was done meanwhile)." in page
    assert f'id="incident-{incident_id}"' not in page  # open ones only
    shown = _text(designer.get("/designer/incidents?resolved=1"))
    row = shown[shown.index(f'id="incident-{incident_id}"') :].split("</tr>")[0]
    assert "resolved" in row and "Nguyễn Văn An" in row and "Retry" not in row


def test_an_incident_failing_again_says_so_and_counts_the_attempt(designer, runtime, failing_incident):
    dossier, incident_id = failing_incident
    response = designer.post(
        f"/designer/incidents/{incident_id}/retry",
        {"procedure": "X84"},
        page="/designer/incidents",
        follow_redirects=True,
    )
    page = _text(response)
    assert response.request.args.get("procedure") == "X84"
    assert f"Incident #{incident_id} failed again: The step failed:" in page and "ZeroDivisionError" in page
    assert runtime.dossiers.incidents(dossier)[0].attempts == 2


def test_retrying_an_unknown_or_resolved_incident_says_why(timer_incident, designer):
    _dossier, incident_id = timer_incident
    page = _text(designer.post("/designer/incidents/999/retry", page="/designer/incidents", follow_redirects=True))
    assert "No incident #999" in page
    designer.post(f"/designer/incidents/{incident_id}/retry", page="/designer/incidents")
    again = designer.post(f"/designer/incidents/{incident_id}/retry", page="/designer/incidents", follow_redirects=True)
    assert f"Incident #{incident_id} is resolved" in _text(again)


def test_a_retry_without_the_csrf_token_is_refused(designer, runtime, failing_incident):
    dossier, incident_id = failing_incident
    assert designer.client.post(f"/designer/incidents/{incident_id}/retry").status_code == 400
    assert runtime.dossiers.incidents(dossier)[0].attempts == 1


def test_every_link_of_the_version_pages_opens_for_the_designer(timer_incident, designer, runtime, catalogue, office):
    _at_review(runtime, office)
    runtime.deploy(added_review_step(catalogue))
    pages = [*PAGES, "/designer/procedures/P02/migrate?from=1&to=2", "/designer/incidents?resolved=1"]
    links = set()
    for url in pages:
        links |= set(re.findall(r'href="(/[^"]*)"', designer.text(url)))
    links = {html.unescape(link) for link in links if not link.startswith("/static/")}
    assert any("/migrate?" in link for link in links) and any("/diff?" in link for link in links)
    answers = {link: designer.get(link).status_code for link in sorted(links)}
    assert {link: code for link, code in answers.items() if code not in (200, 302)} == {}
