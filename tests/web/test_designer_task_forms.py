"""The properties panel's form fields and step limits through the Flask test client: the task's
fields read from the YAML the page holds, edits answered with the new YAML (nothing saved), the
"no form fields" problem fixed from the panel, and every bad input refused plainly."""

from __future__ import annotations

import json
import re

import pytest

from engine.design.task_forms import STUB_FIELD
from tests.draft_diagrams import Draft

from .helpers import Web
from .test_designer import JSON, _ajax, _start, _unescape


def _page_yaml(web: Web, draft_id: int) -> str:
    page = web.text(f"/designer/drafts/{draft_id}")
    return _unescape(re.search(r'<textarea id="meta-yaml"[^>]*>(.*?)</textarea>', page, re.S).group(1))


def test_the_page_carries_the_panel_addresses_and_field_types(designer):
    draft_id = _start(designer)
    page = designer.text(f"/designer/drafts/{draft_id}")
    assert f"/designer/drafts/{draft_id}/task-form/read" in page
    assert f"/designer/drafts/{draft_id}/step-limits" in page
    assert "citizen_id" in _unescape(page)  # the field types the panel offers


def test_a_task_form_is_read_from_the_saved_and_the_page_yaml(designer):
    draft_id = _start(designer)
    saved = designer.get(f"/designer/drafts/{draft_id}/task-form/collect_review").json
    assert [f["name"] for f in saved["fields"]][:2] == ["household_category", "monthly_income"]
    assert saved["steps"] == {"processing": 3, "approval": 1, "payout": 0, "return": 1} and saved["limit_days"] == 5
    unsaved = _page_yaml(designer, draft_id).replace("name: note\n", "name: remark\n")
    read = _ajax(
        designer, f"/designer/drafts/{draft_id}/task-form/read", {"meta_yaml": unsaved, "task": "collect_review"}
    )
    assert "remark" in [f["name"] for f in read.json["fields"]]
    new = _ajax(designer, f"/designer/drafts/{draft_id}/task-form/read", {"meta_yaml": unsaved, "task": "extra_review"})
    assert new.json["fields"] == [] and new.json["declared"] is False and new.json["stub"] == STUB_FIELD


def test_adding_a_form_from_the_panel_fixes_the_no_form_fields_problem(designer, tmp_path):
    draft_id = _start(designer)
    url = f"/designer/drafts/{draft_id}"
    meta = _page_yaml(designer, draft_id)
    # a new user task on the flow into collect_review, with its shapes and withdrawal boundary
    with_task = Draft(tmp_path).insert_before_review("userTask", "extra_review").bpmn.read_text("utf-8")
    assert _ajax(designer, f"{url}/save", {"bpmn": with_task, "meta_yaml": meta}).status_code == 200
    before = _ajax(designer, f"{url}/validate").json["problems"]
    assert any(p["element"] == "extra_review" and "no form fields" in p["reason"] for p in before), before

    edit = _ajax(
        designer,
        f"{url}/task-form",
        {"meta_yaml": meta, "task": "extra_review", "fields": json.dumps([STUB_FIELD])},
    )
    assert edit.status_code == 200, edit.json
    assert edit.json["form"]["fields"] == [STUB_FIELD]
    # the answer is text for the page; nothing is saved until the page saves it
    assert _page_yaml(designer, draft_id) == meta
    assert _ajax(designer, f"{url}/save", {"bpmn": with_task, "meta_yaml": edit.json["meta_yaml"]}).status_code == 200
    after = _ajax(designer, f"{url}/validate").json["problems"]
    assert not any("no form fields" in p["reason"] for p in after), after
    assert not any(p["element"] == "extra_review" for p in after), after


def test_the_step_limits_are_set_and_cleared(designer):
    draft_id = _start(designer)
    url = f"/designer/drafts/{draft_id}/step-limits"
    meta = _page_yaml(designer, draft_id)
    steps = {"processing": 2, "approval": 2, "payout": 0, "return": 1}
    answer = _ajax(designer, url, {"meta_yaml": meta, "task": "collect_review", "steps": json.dumps(steps)})
    assert answer.status_code == 200 and answer.json["form"]["steps"] == steps
    assert "steps: {processing: 2, approval: 2, payout: 0, return: 1}" in answer.json["meta_yaml"]
    cleared = _ajax(designer, url, {"meta_yaml": answer.json["meta_yaml"], "task": "collect_review", "steps": ""})
    assert cleared.json["form"]["steps"] is None


@pytest.mark.parametrize(
    ("route", "data", "message"),
    [
        ("task-form", {"task": "collect_review", "fields": "[{"}, "fields must be JSON"),
        ("task-form", {"task": "collect_review", "fields": json.dumps([{**STUB_FIELD, "type": "integr"}])}, "integr"),
        ("task-form", {"task": "collect_review", "fields": json.dumps({"name": "x"})}, "must be a list of fields"),
        ("task-form", {"task": "a: b", "fields": "[]"}, "Not a valid task id"),
        ("task-form", {"task": "x", "fields": "[]", "meta_yaml": "code: [P02"}, "does not parse"),
        ("step-limits", {"steps": json.dumps({"processing": 9})}, "the steps add up to 9 days, the limit is 5"),
        ("step-limits", {"steps": "[1]"}, "The steps are processing"),
        ("task-form/read", {"task": ""}, "Not a valid task id"),
    ],
)
def test_bad_input_is_refused_plainly_and_changes_nothing(designer, route, data, message):
    draft_id = _start(designer)
    meta = _page_yaml(designer, draft_id)
    response = _ajax(designer, f"/designer/drafts/{draft_id}/{route}", {"meta_yaml": meta, **data})
    assert response.status_code == 400 and message in response.json["error"], response.json
    assert "meta_yaml" not in response.json
    assert _page_yaml(designer, draft_id) == meta


def test_the_refusal_reads_in_vietnamese_too(designer):
    draft_id = _start(designer)
    designer.post("/language", {"lang": "vi", "next": "/designer/"}, page="/designer/")
    response = _ajax(designer, f"/designer/drafts/{draft_id}/task-form", {"task": "x", "fields": "[{"})
    assert response.status_code == 400 and "phải là JSON" in response.json["error"]


def test_without_the_csrf_token_or_the_role_nothing_is_answered(designer, app, web):
    draft_id = _start(designer)
    url = f"/designer/drafts/{draft_id}/task-form"
    refused = designer.client.post(url, data={"task": "x", "fields": "[]"}, headers=JSON)
    assert refused.status_code == 400 and "meta_yaml" not in (refused.get_data(as_text=True))
    web.officer_login("lan.desk")
    assert web.get(f"/designer/drafts/{draft_id}/task-form/collect_review").status_code == 403
    assert _ajax(web, url, {"task": "x", "fields": "[]"}, token_page="/officer/").status_code == 403


def test_an_unknown_draft_is_a_404(designer):
    assert designer.get("/designer/drafts/999/task-form/collect_review").status_code == 404
    assert _ajax(designer, "/designer/drafts/999/task-form", {"task": "x", "fields": "[]"}).status_code == 404
