"""`motcua procedures import FILE --code CODE --into DIR` as a designer uses it: the list of what
must change, a draft `validate` then checks; a file it cannot read refused with a reason and
nothing written."""

from __future__ import annotations

import re

from tests.cli.test_cli import PROJECT, Motcua

FOREIGN = PROJECT / "tests" / "fixtures" / "foreign"


def test_import_lists_what_to_change_and_validate_checks_the_draft(tmp_path):
    motcua = Motcua(tmp_path / "motcua.db")
    drafts = tmp_path / "drafts"

    result = motcua.run("procedures", "import", str(FOREIGN / "lanes.bpmn"), "--code", "X20", "--into", str(drafts))

    assert result.returncode == 0, result.stderr
    assert "to change: B_id: lane 'B' is not an officer role; name it with a role code: desk (One-stop desk)" in (
        result.stdout
    )
    assert "changed: Implement_Feature: a manual task is an officer's work: it is now a user task" in result.stdout
    assert re.search(r"^to change: Activity_A1: no withdrawal boundary event", result.stdout, re.M)
    last = result.stdout.splitlines()[-1]
    assert re.fullmatch(
        rf"wrote {drafts}/X20\.bpmn and {drafts}/X20\.yaml: \d+ thing\(s\) to change, \d+ changed; "
        rf"then run `motcua procedures validate {drafts}/X20\.bpmn`",
        last,
    ), last

    checked = motcua.run("procedures", "validate", "--skip-paths", str(drafts / "X20.bpmn"))

    assert checked.returncode == 1
    assert "Traceback" not in checked.stderr
    assert re.search(
        rf"^error: {drafts}/X20\.yaml line \d+ \(limit\.days\): the time limit must be", checked.stderr, re.M
    )
    assert re.search(
        r"^error: \S+X20\.yaml line \d+ \(tasks\.Activity_A1\.fields\[0\] \(NewBPMNFeautre\)\)", checked.stderr, re.M
    )


def test_a_file_that_is_not_a_diagram_is_refused_and_nothing_is_written(tmp_path):
    motcua = Motcua(tmp_path / "motcua.db")
    garbage = tmp_path / "scan.bpmn"
    garbage.write_bytes(b"%PDF-1.7 not a diagram")

    refused = motcua.fails("procedures", "import", str(garbage), "--code", "X20", "--into", str(tmp_path / "d"))

    assert refused == f"error: cannot import {garbage}: cannot read the file: line 1: not well-formed XML: " + (
        "Start tag expected, '<' not found\n"
    )
    assert not (tmp_path / "d").exists()


def test_a_diagram_too_big_is_refused_before_it_is_read(tmp_path):
    motcua = Motcua(tmp_path / "motcua.db")
    big = tmp_path / "big.bpmn"
    big.write_bytes(b"<x>" + b" " * (3 * 1024 * 1024) + b"</x>")

    refused = motcua.fails("procedures", "import", str(big), "--code", "X20", "--into", str(tmp_path / "d"))

    assert "the file is 3.0 MB; a diagram or decision table may have at most 2.0 MB" in refused


def test_the_draft_goes_nowhere_near_the_catalogue_and_overwrites_nothing(tmp_path):
    motcua = Motcua(tmp_path / "motcua.db")
    lanes = str(FOREIGN / "lanes.bpmn")

    refused = motcua.fails("procedures", "import", lanes, "--code", "X20", "--into", "bpmn")
    assert "a draft stays outside the catalogue" in refused

    (tmp_path / "X20.yaml").write_text("mine", encoding="utf-8")
    refused = motcua.fails("procedures", "import", lanes, "--code", "X20", "--into", str(tmp_path))
    assert f"{tmp_path}/X20.yaml exists already" in refused
    assert (tmp_path / "X20.yaml").read_text("utf-8") == "mine"
    assert not (tmp_path / "X20.bpmn").exists()
