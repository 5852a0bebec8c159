"""The metadata's JSON Schema: every file of the catalogue passes it, it knows what metadata.py
knows, and every problem found in a metadata file names its line and key path."""

from __future__ import annotations

import re

import pytest

from engine.config import Settings
from engine.forms import FIELD_TYPES
from engine.statuses import DossierStatus
from engine.workflow.metadata import LIMIT_UNITS, ON_SUPPLEMENT, PURPOSES, STEPS
from engine.workflow.metadata_schema import check_metadata_text, schemas

WORKFLOWS_DIR = Settings().workflows_dir
METADATA = sorted(
    p for p in [*WORKFLOWS_DIR.glob("*.yaml"), *WORKFLOWS_DIR.glob("shared/*.yaml")] if p.stem not in {"roles", "rates"}
)
P02 = (WORKFLOWS_DIR / "P02.yaml").read_text("utf-8")


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


@pytest.mark.parametrize("path", METADATA, ids=lambda p: p.relative_to(WORKFLOWS_DIR).as_posix())
def test_every_metadata_file_of_the_catalogue_passes(path):
    label = f"workflows/{path.relative_to(WORKFLOWS_DIR).as_posix()}"
    assert check_metadata_text(path.read_text("utf-8"), label) == []


def test_the_schema_knows_what_metadata_py_knows():
    common = schemas()["common.schema.json"]["$defs"]
    procedure = schemas()["procedure.schema.json"]["properties"]
    assert tuple(common["field"]["properties"]["type"]["enum"]) == FIELD_TYPES
    assert set(common["purpose"]["enum"]) == set(PURPOSES)
    limit_unit = {"$ref": "#/$defs/limit_unit"}  # one list of units for the limit, the legal one and the cases
    assert tuple(schemas()["procedure.schema.json"]["$defs"]["limit_unit"]["enum"]) == LIMIT_UNITS
    assert procedure["limit"]["properties"]["unit"] == limit_unit
    assert procedure["limit"]["properties"]["when"]["items"]["properties"]["unit"] == limit_unit
    assert tuple(procedure["limit"]["properties"]["on_supplement"]["enum"]) == ON_SUPPLEMENT
    assert tuple(procedure["limit"]["properties"]["steps"]["properties"]) == STEPS
    status = procedure["paths"]["additionalProperties"]["properties"]["expect_status"]
    assert (status["minimum"], status["maximum"]) == (min(DossierStatus), max(DossierStatus))
    for schema in schemas().values():
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_an_unknown_key_is_named_with_its_line_and_path():
    text = P02.replace(
        "        type: choice\n        required: true\n", "        type: choice\n        requird: true\n", 1
    )

    [problem] = check_metadata_text(text, "workflows/P02.yaml")

    assert str(problem).startswith(
        f"workflows/P02.yaml line {line_of(text, 'requird')} (tasks.collect_review.fields[0].requird): "
        "unknown key 'requird'; the keys here are name, type, label, required,"
    )


def test_a_value_of_the_wrong_type_is_named_with_its_line_and_path():
    """metadata.py reads `required: "yes"` as true; the schema says what is wrong, and where."""
    text = P02.replace(
        "    fields:\n      - name: household_category\n        type: choice\n        required: true",
        '    fields:\n      - name: household_category\n        type: choice\n        required: "yes"',
        1,
    )

    [problem] = check_metadata_text(text, "workflows/P02.yaml")

    line = line_of(text, 'required: "yes"')
    assert str(problem) == (
        f"workflows/P02.yaml line {line} (tasks.collect_review.fields[0].required): 'yes' is not of type 'boolean'"
    )


def test_metadata_py_messages_get_their_line_too_and_are_not_repeated():
    text = P02.replace(
        "      - name: household_category\n        type: choice",
        "      - name: household_category\n        type: chioce",
        1,
    )

    problems = check_metadata_text(text, "workflows/P02.yaml")

    assert [p.line for p in problems] == [line_of(text, "chioce") - 1]  # the field's first line (its name)
    assert problems[0].element == "tasks.collect_review.fields[0] (household_category)"
    assert "unknown field type 'chioce'" in problems[0].reason


def test_a_missing_key_is_named():
    text = re.sub(r"^process_id: .*\n", "", P02, flags=re.M)

    problems = check_metadata_text(text, "workflows/P02.yaml")

    assert [(p.element, p.reason) for p in problems] == [("process_id", "'process_id' is missing")]
    assert problems[0].line == line_of(text, "code: P02")  # where the mapping it is missing from begins


def test_a_shared_step_is_checked_against_its_own_schema():
    text = (
        (WORKFLOWS_DIR / "shared" / "reception.yaml")
        .read_text("utf-8")
        .replace("purpose: intake\n", "purpose: intak\n")
    )

    [problem] = check_metadata_text(text, "workflows/shared/reception.yaml")

    assert problem.line == line_of(text, "purpose: intak\n")
    assert problem.element == "tasks.reception_check"
    assert "unknown purpose 'intak'" in problem.reason


def test_yaml_that_cannot_be_read_names_the_line():
    [problem] = check_metadata_text("code: P02\nname: {vi: 'a', en: 'b'\nlimit: 3\n", "workflows/P02.yaml")

    assert problem.line == 3
    assert problem.reason.startswith("cannot read YAML:")


def test_a_metadata_text_above_the_limit_is_refused_unread():
    [problem] = check_metadata_text("# " + "x" * (2 * 1024 * 1024) + "\ncode: P02\n", "workflows/P02.yaml")

    assert problem.reason.startswith("the file is 2.0 MB; a metadata file may have at most 2.0 MB")
