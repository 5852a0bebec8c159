"""Decision tables in the studio through the Flask test client: listed with their procedures,
opened, saved as a draft, checked, evaluated on typed inputs; bad input answered plainly with
nothing changed, tokens required."""

from __future__ import annotations

from engine.config import PROJECT_ROOT

from .helpers import Web

JSON = {"Accept": "application/json"}
TABLE = "/designer/decisions/p02_state_support.dmn"
P02 = (PROJECT_ROOT / "bpmn" / "dmn" / "p02_state_support.dmn").read_text("utf-8")


def _ajax(web: Web, url: str, data: dict | None = None):
    return web.client.post(url, data=data or {}, headers={**JSON, "X-CSRFToken": web.token(TABLE)})


def test_the_list_names_each_table_with_the_procedures_calling_it(designer):
    assert 'href="/designer/decisions"' in designer.get("/designer/").get_data(as_text=True)
    page = designer.get("/designer/decisions").get_data(as_text=True)
    assert "p02_state_support.dmn" in page and "determine_support" in page and "<code>P08</code>" in page


def test_the_table_page_loads_dmn_js_from_our_own_files(designer):
    page = designer.get(TABLE).get_data(as_text=True)
    assert "vendor/dmn-js-17.10.2/dmn-modeler.production.min.js" in page
    assert 'name="submitted_on"' in page and 'type="date"' in page
    assert '<div id="draft-actions" hidden>' in page  # nothing to deploy before a draft


def test_the_table_text_is_a_download(designer):
    response = designer.get(f"{TABLE}/table.dmn")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.get_data(as_text=True) == P02


def test_save_check_evaluate_discard(designer):
    edited = P02.replace("<text>50</text>", "<text>55</text>")
    assert _ajax(designer, f"{TABLE}/save", {"dmn": edited}).get_json()["saved"] is True
    assert "Draft saved by Nguyễn Văn An" in designer.get(TABLE).get_data(as_text=True)
    assert _ajax(designer, f"{TABLE}/validate").get_json() == {"problems": []}
    answer = _ajax(designer, f"{TABLE}/evaluate", {"household_category": "poor", "submitted_on": "2026-01-01"})
    assert answer.get_json() == {
        "matched": [5],
        "matched_ids": ["p02_state_support_r05"],
        "outputs": {"support_percent": 55},
    }
    # without JavaScript: the page with the result
    page = designer.post(f"{TABLE}/evaluate", {"household_category": "poor", "submitted_on": "2025-01-01"}, page=TABLE)
    assert page.status_code == 200 and "Matched rule(s): 1" in page.get_data(as_text=True)
    designer.post(f"{TABLE}/discard", page=TABLE)
    assert "no draft yet" in designer.get(TABLE).get_data(as_text=True)


def test_problems_come_with_rule_and_column(designer):
    cell = '<inputEntry id="p02_state_support_r08_i2"><text>&gt;= date(2025, 7, 1)</text>'
    edited = P02.replace(cell, cell.replace("2025, 7, 1", "2025, 1, 1"))
    _ajax(designer, f"{TABLE}/save", {"dmn": edited})
    problems = _ajax(designer, f"{TABLE}/validate").get_json()["problems"]
    assert [(p["rule"], p["rule_id"], p["column_id"], p["text"]) for p in problems] == [
        (
            8,
            "p02_state_support_r08",
            "submitted_on",
            "rule 8, column 'Submitted on': its validity overlaps rule 4's (same inputs): both apply from 2025-01-01",
        )
    ]


def test_bad_input_is_refused_and_changes_nothing(designer):
    refused = _ajax(designer, f"{TABLE}/save", {"dmn": '<!DOCTYPE d [<!ENTITY x "y">]><definitions/>'})
    assert refused.status_code == 400 and "The table cannot be saved" in refused.get_json()["error"]
    wrong = _ajax(designer, f"{TABLE}/evaluate", {"household_category": "poor", "submitted_on": "tomorrow"})
    assert wrong.status_code == 400
    assert wrong.get_json() == {"error": "'submitted_on' must be a date (YYYY-MM-DD): 'tomorrow'"}
    assert "no draft yet" in designer.get(TABLE).get_data(as_text=True)
    assert designer.get("/designer/decisions/nothing.dmn").status_code == 404
    assert designer.get("/designer/decisions/..%2FP02.bpmn").status_code == 404


def test_posts_need_the_form_token(designer):
    response = designer.client.post(f"{TABLE}/save", data={"dmn": P02})
    assert response.status_code == 400
    assert "no draft yet" in designer.get(TABLE).get_data(as_text=True)


def test_vietnamese_by_default(app, designer):
    designer.post("/language", {"lang": "vi", "next": TABLE}, page=TABLE)
    wrong = _ajax(designer, f"{TABLE}/evaluate", {"household_category": "poor", "submitted_on": "mai"})
    assert wrong.get_json() == {"error": "'submitted_on' phải là một ngày (YYYY-MM-DD): 'mai'"}


def test_deploy_from_the_page(designer):
    designer.post(f"{TABLE}/save", {"dmn": P02.replace("<text>50</text>", "<text>'fifty'</text>")}, page=TABLE)
    refused = designer.post(f"{TABLE}/deploy", page=TABLE, follow_redirects=True).get_data(as_text=True)
    assert "With this table, the procedures calling it no longer pass" in refused
    designer.post(f"{TABLE}/save", {"dmn": P02.replace("<text>50</text>", "<text>55</text>")}, page=TABLE)
    page = designer.post(f"{TABLE}/deploy", page=TABLE, follow_redirects=True).get_data(as_text=True)
    assert "Deployed with the procedures calling it: P02 v2." in page
    assert "Deployed as P02 v2 by Nguyễn Văn An" in page
