"""The live diagram page, the officer's dossier on its diagram, the applicant's "where is my
dossier" (issue 12, item 10), through the Flask test client."""

from __future__ import annotations

import html
import json
import re

import pytest

from tests.engine.dossiers.test_dossiers import start_p02
from tests.helpers import do_task

from .helpers import Web
from .test_portal import apply_p02

JSON = {"Accept": "application/json"}


def painted(page: str) -> dict:
    raw = re.search(r'data-painted="([^"]*)"', page).group(1)
    return json.loads(html.unescape(raw))


def row_of(page: str, element: str) -> str:
    return re.search(rf'<tr data-element="{element}">(.*?)</tr>', page, re.S).group(1)


def test_the_live_page_counts_where_dossiers_wait(designer, runtime, office):
    at_desk = [start_p02(runtime) for _ in range(2)]
    reviewed = start_p02(runtime)
    do_task(runtime, office, reviewed, "reception_check", decision="accept")

    assert 'href="/designer/procedures/P02/live"' in designer.text("/designer/")
    overview = designer.text("/designer/live")
    assert re.search(r'id="live-P02".*?</th>\s*<td>v1</td>\s*<td>3</td>', overview, re.S)
    page = designer.text("/designer/procedures/P02/live")
    assert "Live diagram of P02 v1" in page and "bpmn-modeler.production.min.js" in page
    shown = painted(page)
    assert (shown["reception"]["waiting"], shown["collect_review"]["waiting"]) == (2, 1)
    assert "reception_check" in shown["reception"]["title"] or "Kiểm tra" in shown["reception"]["title"]
    assert re.search(r'class="live-waiting">2<', row_of(page, "reception_check"))
    assert re.search(r'class="live-waiting">1<', row_of(page, "collect_review"))
    assert "1 h" not in row_of(page, "collect_review")  # nothing finished there: no times
    assert designer.get("/designer/procedures/P02/live?version=1").status_code == 200

    listing = designer.client.get("/designer/procedures/P02/live/elements/reception", headers=JSON).get_json()
    assert sorted(i["code"] for i in listing["items"]) == sorted(at_desk)
    assert all(i["url"] is None for i in listing["items"])  # a designer does not open dossiers
    no_js = designer.text("/designer/procedures/P02/live/elements/collect_review")
    assert reviewed in no_js and f'href="/officer/dossiers/{reviewed}"' not in no_js
    diagram = designer.get("/designer/procedures/P02/live/diagram.bpmn")
    assert diagram.headers["Content-Type"].startswith("application/xml") and b'id="P02"' in diagram.data


def test_a_leader_sees_it_with_links_to_the_dossiers(app, runtime, office):
    code = start_p02(runtime)
    web = Web(app.test_client())
    web.officer_login("hoa.lanhdao")
    assert web.get("/designer/procedures/P02/live").status_code == 200
    listing = web.client.get("/designer/procedures/P02/live/elements/reception", headers=JSON).get_json()
    assert [(i["code"], i["url"]) for i in listing["items"]] == [(code, f"/officer/dossiers/{code}")]

    other = Web(app.test_client())
    other.officer_login("khac.huyen")  # leads another unit: the figures, but none of this unit's dossiers
    assert painted(other.text("/designer/procedures/P02/live"))["reception"]["waiting"] == 1
    listing = other.client.get("/designer/procedures/P02/live/elements/reception", headers=JSON).get_json()
    assert (listing["total"], listing["items"]) == (0, [])


@pytest.mark.parametrize(
    "url",
    [
        "/designer/procedures/P02/live?version=9",
        "/designer/procedures/P02/live?version=abc",
        "/designer/procedures/P99/live",
        "/designer/procedures/P02/live/elements/no_such_step",
        "/designer/procedures/P02/live/diagram.bpmn?version=0",
    ],
)
def test_bad_versions_and_elements_are_404(designer, url):
    assert designer.get(url).status_code == 404


def test_an_unknown_element_answers_a_message_to_the_script(designer):
    response = designer.client.get("/designer/procedures/P02/live/elements/no_such_step", headers=JSON)
    assert response.status_code == 404 and "no_such_step" in response.get_json()["error"]


def test_the_officer_dossier_page_shows_done_path_and_current_step(web, runtime, office):
    code = start_p02(runtime)
    do_task(runtime, office, code, "reception_check", decision="accept")
    web.officer_login("hai.thu")
    page = web.text(f"/officer/dossiers/{code}")
    details = re.search(r'<details class="dossier-path no-print" id="dossier-path">(.*?)</details>', page, re.S)
    assert details, "the diagram is under a closed <details>"
    current = re.findall(r'<li class="step-current" data-element="(\w+)" aria-current="step">', details.group(1))
    done = re.findall(r'<li class="step-done" data-element="(\w+)"', details.group(1))
    assert current == ["collect_review"] and "reception" in done
    diagram = web.get(f"/officer/dossiers/{code}/diagram.bpmn")
    assert diagram.status_code == 200 and b'id="P02"' in diagram.data


def test_the_applicant_sees_where_the_dossier_is(web, runtime, office):
    web.signup()
    code = apply_p02(web)
    web.post("/language", {"lang": "en", "next": "/"}, page="/")
    page = web.text(f"/dossiers/{code}")
    stages = re.search(r'<ol class="stages" id="dossier-stages">(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r'data-stage="(\w+)" aria-current="step"', stages) == ["submitted"]
    assert "bpmn" not in page.lower()  # no diagram for citizens

    do_task(runtime, office, code, "reception_check", decision="accept")
    stages = re.search(r'<ol class="stages" id="dossier-stages">(.*?)</ol>', web.text(f"/dossiers/{code}"), re.S).group(
        1
    )
    assert re.findall(r'data-stage="(\w+)"', stages) == [
        "submitted",
        "accepted",
        "processing",
        "result_ready",
        "returned",
    ]
    assert re.findall(r'data-stage="(\w+)" aria-current="step"', stages) == ["processing"]
    assert "Result returned" in stages and "(still to come)" in stages
