"""The designers' studio through the Flask test client: who comes in, drafts started, saved,
checked, test-run and deployed, and every bad input answered plainly with nothing changed."""

from __future__ import annotations

import dataclasses
import re
import time
from io import BytesIO

import pytest

from engine.data.models import Procedure
from engine.workflow.catalogue import BPMN_NS

from .helpers import Web

JSON = {"Accept": "application/json"}
SCRIPT_SECONDS = 1.0  # the studio runs its test paths under the office's script bounds


@pytest.fixture
def settings(settings):
    return dataclasses.replace(settings, script_seconds=SCRIPT_SECONDS)


def _start(web: Web, code: str = "P02") -> int:
    response = web.post(f"/designer/procedures/{code}/drafts", page="/designer/")
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(re.search(r"/designer/drafts/(\d+)$", response.headers["Location"]).group(1))


def _ajax(web: Web, url: str, data: dict | None = None, token_page: str = "/designer/"):
    return web.client.post(url, data=data or {}, headers={**JSON, "X-CSRFToken": web.token(token_page)})


def test_the_overview_lists_procedures_versions_and_dossiers(designer, runtime):
    page = designer.text("/designer/")
    assert "Designer studio" in page or "Thiết kế" in page or "P02" in page
    assert 'id="procedure-P02"' in page and 'id="new-draft-P02"' in page
    draft_id = _start(designer)
    page = designer.text("/designer/")
    assert f"/designer/drafts/{draft_id}" in page and "Nguyễn Văn An" in page


def test_a_designer_lands_in_the_studio_not_in_an_empty_inbox(designer):
    answer = designer.get("/officer/")  # where the login leads
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/designer/")
    page = designer.text("/designer/")
    assert 'href="/officer/"' not in page and 'href="/designer/">' in page  # no "Inbox" in the header


def test_other_officers_get_403_and_visitors_the_officer_login(app, web, office):
    assert web.get("/designer/").status_code == 302
    assert "/officer/login" in web.get("/designer/").headers["Location"]
    web.officer_login("lan.desk")
    assert web.get("/designer/").status_code == 403


def test_a_draft_page_loads_the_modeler_from_our_own_files(designer):
    draft_id = _start(designer)
    page = designer.text(f"/designer/drafts/{draft_id}")
    assert "/static/vendor/bpmn-js-18.31.1/bpmn-modeler.production.min.js" in page
    assert "/static/designer/studio.js" in page
    assert "<script>" not in page  # no inline script: the policy allows only the site's files
    xml = designer.get(f"/designer/drafts/{draft_id}/diagram.bpmn")
    assert xml.status_code == 200 and b'<bpmn:process id="P02"' in xml.data
    assert xml.headers["Content-Disposition"].startswith("attachment")  # never shown as a page


def test_save_check_and_deploy_gate(designer, runtime, catalogue):
    draft_id = _start(designer)
    url = f"/designer/drafts/{draft_id}"
    detail = designer.get(f"{url}/diagram.bpmn").get_data(as_text=True)
    meta = re.search(r'<textarea id="meta-yaml"[^>]*>(.*?)</textarea>', designer.text(url), re.S).group(1)
    # a user task without a form, a lane or a withdrawal boundary, drawn on the diagram
    broken = detail.replace(
        '<bpmn:userTask id="collect_review"',
        '<bpmn:userTask id="extra_review" name="Kiểm tra thêm" /><bpmn:userTask id="collect_review"',
        1,
    )
    saved = _ajax(designer, f"{url}/save", {"bpmn": broken, "meta_yaml": _unescape(meta)})
    assert saved.status_code == 200 and saved.json["saved"] is True
    problems = _ajax(designer, f"{url}/validate").json["problems"]
    on_task = [p for p in problems if p["element"] == "extra_review"]
    assert on_task and all(p["where"] == "diagram" for p in on_task)

    # untested: the server refuses to deploy, and nothing goes live
    with runtime.db.read() as session:
        live = session.get(Procedure, "P02").current_version_id
    refused = _ajax(designer, f"{url}/deploy")
    assert refused.status_code == 409 and "every declared path" in refused.json["error"]
    with runtime.db.read() as session:
        assert session.get(Procedure, "P02").current_version_id == live

    # back to the catalogue's content: every path passes, then it may go live
    assert _ajax(designer, f"{url}/save", {"bpmn": detail, "meta_yaml": _unescape(meta)}).status_code == 200
    run = _ajax(designer, f"{url}/test-run").json
    assert run["problems"] == [] and run["paths"] and all(p["ok"] for p in run["paths"]), run
    assert run["deployable"] is True
    deployed = designer.post(f"{url}/deploy", page=url)
    assert deployed.status_code == 302
    assert "deployed before as v1; that version is live again" in designer.text("/designer/")
    # a deployed draft does not change any more
    again = _ajax(designer, f"{url}/save", {"bpmn": detail, "meta_yaml": "x: 1"})
    assert again.status_code == 400


def test_a_script_that_never_ends_fails_its_test_run_naming_the_element(designer):
    draft_id = _start(designer)
    url = f"/designer/drafts/{draft_id}"
    diagram = designer.get(f"{url}/diagram.bpmn").get_data(as_text=True)
    meta = re.search(r'<textarea id="meta-yaml"[^>]*>(.*?)</textarea>', designer.text(url), re.S).group(1)
    looping = diagram.replace(
        "<bpmn:script>set_status(4)</bpmn:script>", "<bpmn:script>while True:\n    pass</bpmn:script>", 1
    )
    assert looping != diagram
    assert _ajax(designer, f"{url}/save", {"bpmn": looping, "meta_yaml": _unescape(meta)}).json["saved"] is True

    started = time.monotonic()
    run = _ajax(designer, f"{url}/test-run", {"path": "happy"}).json

    assert time.monotonic() - started < 30  # one path, stopped at its limit: not a hung request
    (path,) = run["paths"]
    assert path["ok"] is False
    assert "set_in_processing" in path["reason"] and "ran longer than 1 s" in path["reason"], path
    assert run["deployable"] is False


def _unescape(text: str) -> str:
    return (
        text.replace("&#34;", '"').replace("&#39;", "'").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    )


def test_save_without_the_csrf_token_is_refused(designer):
    draft_id = _start(designer)
    response = designer.client.post(f"/designer/drafts/{draft_id}/save", data={"bpmn": "x", "meta_yaml": "y"})
    assert response.status_code == 400


def test_an_oversize_upload_is_refused_before_it_is_read(designer):
    big = b"<bpmn:definitions>" + b" " * (3 * 1024 * 1024)
    response = designer.post(
        "/designer/procedures/P02/import",
        {"diagram": (BytesIO(big), "big.bpmn")},
        page="/designer/",
        headers=JSON,
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "2 MB" in response.json["error"]
    assert "/designer/drafts/" not in designer.text("/designer/")


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"this is not xml", "not well-formed XML"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "not a BPMN 2.0 diagram"),
        (
            b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "boom">]>'
            b'<definitions xmlns="' + BPMN_NS.encode() + b'">&x;</definitions>',
            "DTD",
        ),
    ],
)
def test_a_non_bpmn_upload_is_refused_clearly(designer, body, message):
    response = designer.post(
        "/designer/procedures/P02/import",
        {"diagram": (BytesIO(body), "x.bpmn")},
        page="/designer/",
        headers=JSON,
        content_type="multipart/form-data",
    )
    assert response.status_code == 400 and message in response.json["error"]
    assert "/designer/drafts/" not in designer.text("/designer/")


def test_an_imported_diagram_becomes_a_draft_with_its_problems_listed(designer):
    diagram = f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="{BPMN_NS}" id="d" targetNamespace="x">
  <process id="P02" isExecutable="true">
    <startEvent id="start"/><userTask id="look"/><endEvent id="end"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="look"/><sequenceFlow id="f2" sourceRef="look" targetRef="end"/>
  </process>
</definitions>"""
    response = designer.post(
        "/designer/procedures/P02/import",
        {"diagram": (BytesIO(diagram.encode()), "other-tool.bpmn")},
        page="/designer/",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    draft_url = response.headers["Location"].split("motcua.test", 1)[-1]
    problems = _ajax(designer, f"{draft_url}/validate").json["problems"]
    assert any(p["element"] == "look" and "lane" in p["reason"] for p in problems), problems


def test_unknown_procedure_draft_and_path_are_answered_plainly(designer):
    assert designer.post("/designer/procedures/P99/drafts", page="/designer/").status_code == 302
    assert "No procedure P99" in designer.text("/designer/") or "Không có thủ tục P99" in designer.text("/designer/")
    assert designer.get("/designer/drafts/999").status_code == 404
    assert _ajax(designer, "/designer/drafts/999/validate").status_code == 404
    draft_id = _start(designer)
    response = _ajax(designer, f"/designer/drafts/{draft_id}/test-run", {"path": "no_such_path"})
    assert response.status_code == 400 and "no_such_path" in response.json["error"]


def test_a_draft_can_be_started_from_a_version_and_discarded(designer, runtime):
    with runtime.db.read() as session:
        version = session.get(Procedure, "P02").current_version_id
    response = designer.post("/designer/procedures/P02/drafts", {"version": str(version)}, page="/designer/")
    draft_url = response.headers["Location"].split("motcua.test", 1)[-1]
    assert _ajax(designer, f"{draft_url}/validate").json["problems"] == []
    assert designer.post(f"{draft_url}/discard", page=draft_url).status_code == 302
    assert designer.get(draft_url).status_code == 404


def test_the_forms_work_without_javascript(designer):
    """Without the modeler: the page's own form saves the XML and YAML, and Check answers on the page."""
    draft_id = _start(designer)
    url = f"/designer/drafts/{draft_id}"
    page = designer.text(url)
    xml = _unescape(re.search(r'<textarea id="bpmn-xml"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    meta = _unescape(re.search(r'<textarea id="meta-yaml"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    broken = xml.replace(
        '<bpmn:userTask id="collect_review"', '<bpmn:userTask id="lone" /><bpmn:userTask id="collect_review"'
    )
    response = designer.post(f"{url}/save", {"bpmn": broken, "meta_yaml": meta}, page=url)
    assert response.status_code == 302
    assert "Draft saved." in designer.text(url)
    designer.post(f"{url}/validate", page=url)
    flashes = re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', designer.text(url), re.S)
    assert any(f.startswith("lone: ") for f in flashes), flashes
