"""The properties panel's edits of a draft's metadata text: a user task's form fields and the
limit's split over the steps, written in place with the designer's comments and layout kept,
refused with the schema's (or metadata.py's) word when the result would be wrong."""

from __future__ import annotations

import pytest
import yaml

from engine.config import PROJECT_ROOT
from engine.design.task_forms import (
    STUB_FIELD,
    FormEditRefused,
    read_task_form,
    set_step_limits,
    set_task_fields,
)
from engine.workflow.metadata_schema import check_metadata_text

P02 = (PROJECT_ROOT / "workflows" / "P02.yaml").read_text("utf-8")
LABEL = "workflows/P02.yaml"
COMMENTS = [line for line in P02.splitlines() if line.lstrip().startswith("#")]


def _lines_outside(text: str, task: str) -> list[str]:
    """The text's lines, less the entry of one task under tasks:."""
    out, inside = [], False
    for line in text.splitlines():
        if line.startswith(f"  {task}:"):
            inside = True
            continue
        if inside and line.startswith("    "):
            continue
        inside = False
        out.append(line)
    return out


def test_a_new_task_form_is_added_and_everything_else_stays_as_written():
    edit = set_task_fields(P02, "extra_review", [STUB_FIELD], LABEL)

    form = read_task_form(edit.text, "extra_review")
    assert form.declared and [f["name"] for f in form.fields] == ["note"]
    assert form.fields[0]["label"] == {"vi": "Ghi chú", "en": "Note"}
    # every other line, comments included, is the file's own
    assert _lines_outside(edit.text, "extra_review") == P02.splitlines()
    assert '        label: {vi: "Ghi chú", en: "Note"}' in edit.text.splitlines()
    assert check_metadata_text(edit.text, LABEL) == []


def test_fields_reordered_edited_and_removed_touch_only_that_task():
    before = read_task_form(P02, "collect_review").fields
    fields = [dict(f) for f in before]
    fields[3]["label"] = {"vi": "Ghi chú thêm", "en": "Further note"}
    fields.insert(0, fields.pop(4))  # decision first
    del fields[2]  # no monthly_income

    edit = set_task_fields(P02, "collect_review", fields, LABEL)

    after = read_task_form(edit.text, "collect_review").fields
    assert [f["name"] for f in after] == ["decision", "household_category", "support_checked", "note"]
    assert after[3]["label"] == {"vi": "Ghi chú thêm", "en": "Further note"}
    assert after[0]["choices"][1]["unless"] == "processing_supplement_used"  # what the panel does not show, kept
    assert _lines_outside(edit.text, "collect_review") == _lines_outside(P02, "collect_review")
    old, new = yaml.safe_load(P02), yaml.safe_load(edit.text)
    assert {k: v for k, v in old.items() if k != "tasks"} == {k: v for k, v in new.items() if k != "tasks"}
    assert old["tasks"].keys() == new["tasks"].keys()
    # the file's comments outside the edited fields are all still there
    kept = [c for c in COMMENTS if "missing_documents" not in c]
    assert all(c in edit.text for c in kept)


def test_a_task_purpose_is_kept_when_its_fields_change():
    text = P02.replace("  collect_review:\n", "  collect_review:\n    purpose: supplement_request\n", 1)
    edit = set_task_fields(text, "collect_review", [STUB_FIELD], LABEL)
    assert read_task_form(edit.text, "collect_review").purpose == "supplement_request"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ([{**STUB_FIELD, "type": "integr"}], "unknown field type 'integr'"),
        ([{**STUB_FIELD, "label": {"vi": "Ghi chú", "en": ""}}], "needs a name in Vietnamese and English"),
        ([{**STUB_FIELD, "type": "choice"}], "a choice field needs choices"),
        ([STUB_FIELD, STUB_FIELD], "field 'note' is declared twice"),
        ([{**STUB_FIELD, "max_length": 0}], "max_length"),
        ([{**STUB_FIELD, "colour": "red"}], "unknown key 'colour'"),
        ("note", "The fields must be a list of fields"),
    ],
)
def test_an_invalid_field_is_refused_with_the_reason_and_nothing_changes(fields, reason):
    with pytest.raises(FormEditRefused) as refused:
        set_task_fields(P02, "collect_review", fields, LABEL)
    assert reason in refused.value.message.en
    assert refused.value.message.vi  # both languages


@pytest.mark.parametrize(
    ("text", "task", "reason"),
    [
        ("code: [P02\n", "x", "does not parse (line 2)"),
        ("", "x", "empty"),
        ("- a\n- b\n", "x", "must be a mapping"),
        (P02, "bad: id", "Not a valid task id"),
        (P02, "", "Not a valid task id"),
    ],
)
def test_text_that_cannot_be_edited_is_refused_plainly(text, task, reason):
    with pytest.raises(FormEditRefused) as refused:
        set_task_fields(text, task, [STUB_FIELD], LABEL)
    assert reason in refused.value.message.en


def test_a_metadata_without_tasks_gets_the_section_before_its_paths():
    text = P02[: P02.index("\ntasks:\n")] + "\n" + P02[P02.index("\npaths:\n") :]
    edit = set_task_fields(text, "collect_review", [STUB_FIELD], LABEL)
    assert edit.text.index("\ntasks:\n") < edit.text.index("\npaths:\n")
    assert [f["name"] for f in read_task_form(edit.text, "collect_review").fields] == ["note"]


def test_the_step_limits_are_set_and_cleared_on_the_limit_line_only():
    assert read_task_form(P02, "collect_review").steps == {"processing": 3, "approval": 1, "payout": 0, "return": 1}

    edit = set_step_limits(P02, {"processing": 2, "approval": 2, "payout": 0, "return": 1}, LABEL)
    changed = [(a, b) for a, b in zip(P02.splitlines(), edit.text.splitlines(), strict=True) if a != b]
    head = "limit: {days: 5, unit: working, on_supplement: resume, steps: "
    assert changed == [
        (
            head + "{processing: 3, approval: 1, payout: 0, return: 1}}",
            head + "{processing: 2, approval: 2, payout: 0, return: 1}}",
        )
    ]
    cleared = set_step_limits(edit.text, None, LABEL)
    assert "limit: {days: 5, unit: working, on_supplement: resume}" in cleared.text
    assert read_task_form(cleared.text, "collect_review").steps is None


@pytest.mark.parametrize(
    ("steps", "reason"),
    [
        ({"processing": 1}, "the steps add up to 1 days, the limit is 5"),
        ({"processing": -1, "approval": 6}, "must be a whole number"),
        ({"review": 5}, "The steps are processing, approval, payout, return"),
        ([5], "The steps are"),
    ],
)
def test_wrong_step_limits_are_refused(steps, reason):
    with pytest.raises(FormEditRefused) as refused:
        set_step_limits(P02, steps, LABEL)
    assert reason in refused.value.message.en


@pytest.mark.parametrize("empty", ["tasks:\n", "tasks: {}\n", "tasks: ~  # none yet\n"])
def test_an_empty_tasks_section_gets_the_first_task(empty):
    text = P02[: P02.index("tasks:\n")] + empty + "\n" + P02[P02.index("\npaths:\n") + 1 :]
    edit = set_task_fields(text, "collect_review", [STUB_FIELD], LABEL)
    assert list(yaml.safe_load(edit.text)["tasks"]) == ["collect_review"]
    assert edit.text.index("\ntasks:\n") < edit.text.index("\npaths:\n")


def test_a_task_written_on_one_line_is_rewritten_as_a_block_and_a_flow_tasks_section_is_refused():
    one_line = (
        P02[: P02.index("tasks:\n")] + "tasks:\n  collect_review: {fields: []}\n\n" + P02[P02.index("\npaths:\n") + 1 :]
    )
    edit = set_task_fields(one_line, "collect_review", [STUB_FIELD], LABEL)
    assert "    fields:\n      - name: note\n" in edit.text
    flow = one_line.replace("tasks:\n  collect_review: {fields: []}\n", "tasks: {collect_review: {fields: []}}\n")
    with pytest.raises(FormEditRefused) as refused:
        set_task_fields(flow, "collect_review", [STUB_FIELD], LABEL)
    assert "as a block" in refused.value.message.en
