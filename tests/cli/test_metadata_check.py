"""`motcua procedures validate` on a draft whose metadata breaks the schema: each problem with the
file, its line and the key path, and the draft is not counted valid."""

from __future__ import annotations

import shutil

from tests.cli.test_cli import PROJECT, Motcua


def test_validate_names_the_line_and_key_path_of_a_metadata_problem(tmp_path):
    shutil.copy(PROJECT / "bpmn" / "P02.bpmn", tmp_path / "P02.bpmn")
    text = (PROJECT / "workflows" / "P02.yaml").read_text("utf-8")
    text = text.replace("unit: working,", "unit: working, days_off: 2,", 1)
    (tmp_path / "P02.yaml").write_text(text, encoding="utf-8")
    line = text[: text.index("days_off")].count("\n") + 1

    result = Motcua(tmp_path / "motcua.db").run("procedures", "validate", "--skip-paths", str(tmp_path / "P02.bpmn"))

    assert result.returncode == 1
    assert result.stderr == (
        f"error: {tmp_path}/P02.yaml line {line} (limit.days_off): unknown key 'days_off'; "
        "the keys here are days, unit, source, label, legal, when, on_supplement, steps\n"
    )
    assert "0 procedure(s) valid, 1 problem(s)" in result.stdout
