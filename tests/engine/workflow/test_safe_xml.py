"""Diagrams are read safely: a file above the size limit is refused before it is parsed, and a
DOCTYPE (entity expansion, external entities) is refused, quickly, with the line, by the catalogue
and by the parser SpiffWorkflow gets its trees from; the other procedures still load."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

from engine.config import Settings
from engine.workflow import safe_xml
from engine.workflow.bpmn_specs import parse_sources
from engine.workflow.catalogue import load_catalogue

BPMN_DIR = Settings().bpmn_dir
WORKFLOWS_DIR = Settings().workflows_dir
P02 = (BPMN_DIR / "P02.bpmn").read_text("utf-8")
PROCESS_OPEN = '<bpmn:process id="P02"'


def with_doctype(doctype: str) -> str:
    """P02 with a DOCTYPE after its XML declaration (line 2) and an entity used in a name."""
    declaration, rest = P02.split("\n", 1)
    rest = rest.replace('name="', 'name="&e; ', 1)
    return f"{declaration}\n{doctype}\n{rest}"


BILLION_LAUGHS = with_doctype(
    '<!DOCTYPE bpmn:definitions [<!ENTITY l0 "lol">'
    + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    + '<!ENTITY e "&l9;">]>'
)


def external_entity(secret: Path) -> str:
    return with_doctype(f'<!DOCTYPE bpmn:definitions [<!ENTITY e SYSTEM "file://{secret}">]>')


def annotations(megabytes: float) -> str:
    """P02 padded with text annotations to about this size, the way the 55 MB diagram was."""
    note = '<bpmn:textAnnotation id="note_{}"><bpmn:text>{}</bpmn:text></bpmn:textAnnotation>'
    text = "chú thích " * 100
    count = int(megabytes * 1_048_576 / len(note.format(100000, text).encode("utf-8")))
    padding = "".join(note.format(i, text) for i in range(count))
    head, tail = P02.split("</bpmn:process>", 1)
    return f"{head}{padding}</bpmn:process>{tail}"


def draft(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "P02.bpmn"
    path.write_text(text, encoding="utf-8")
    shutil.copy(WORKFLOWS_DIR / "P02.yaml", tmp_path / "P02.yaml")
    return path


def problems_of(path: Path) -> list[str]:
    return [str(p) for p in load_catalogue(BPMN_DIR, WORKFLOWS_DIR, only=[path]).problems]


@pytest.mark.parametrize("text", [BILLION_LAUGHS, "external"], ids=["billion-laughs", "external-entity"])
def test_a_diagram_with_a_doctype_is_refused_fast_naming_the_line(tmp_path, text):
    secret = tmp_path / "secret.txt"
    secret.write_text("the office's database password", encoding="utf-8")
    path = draft(tmp_path, external_entity(secret) if text == "external" else text)

    started = time.perf_counter()
    problems = problems_of(path)
    elapsed = time.perf_counter() - started

    assert len(problems) == 1, problems
    assert problems[0].endswith("P02.bpmn: line 2: " + safe_xml.DOCTYPE_REFUSED)
    assert "password" not in problems[0]
    assert elapsed < 1.0


def test_spiffworkflows_parser_never_sees_a_doctype(tmp_path):
    """Stored versions and drafts reach SpiffWorkflow through parse_sources, not through the
    catalogue's checks: it refuses them as a validation error on the file, not a crash or a read."""
    secret = tmp_path / "secret.txt"
    secret.write_text("the office's database password", encoding="utf-8")
    for text in (BILLION_LAUGHS, external_entity(secret)):
        started = time.perf_counter()
        with pytest.raises(ValidationException) as refused:
            parse_sources({"P02.bpmn": text}, "P02")
        assert time.perf_counter() - started < 1.0
        assert "DOCTYPE" in str(refused.value)
        assert refused.value.file_name == "P02.bpmn"
        assert "password" not in str(refused.value)


def test_a_diagram_above_the_limit_is_refused_before_it_is_parsed(tmp_path):
    path = draft(tmp_path, annotations(2.5))
    assert path.stat().st_size > 2 * 1_048_576

    started = time.perf_counter()
    problems = problems_of(path)
    elapsed = time.perf_counter() - started

    assert len(problems) == 1, problems
    size = path.stat().st_size / 1_048_576
    assert f"P02.bpmn: the file is {size:.1f} MB; a diagram or decision table may have at most 2.0 MB" in problems[0]
    assert elapsed < 1.0


def test_the_limit_is_a_setting(tmp_path, monkeypatch):
    path = draft(tmp_path, P02)
    assert problems_of(path) == []

    monkeypatch.setenv("MOTCUA_MAX_DIAGRAM_BYTES", "20000")  # P02, a shared step and a table are larger
    problems = problems_of(path)

    refused = sorted(p.split(": ")[0].rsplit("/", 1)[1] for p in problems if "at most 20 KB" in p)
    assert refused == ["P02.bpmn", "payout.bpmn", "pension_eligibility.dmn"], problems


def test_the_rest_of_the_catalogue_loads_beside_a_huge_diagram(tmp_path):
    bpmn, workflows = tmp_path / "bpmn", tmp_path / "workflows"
    shutil.copytree(BPMN_DIR, bpmn)
    shutil.copytree(WORKFLOWS_DIR, workflows)
    (bpmn / "P02.bpmn").write_text(annotations(3), encoding="utf-8")

    catalogue = load_catalogue(bpmn, workflows)

    assert [p.reason.split(";")[0][:12] for p in catalogue.problems] == ["the file is "]
    assert [p.file.endswith("P02.bpmn") for p in catalogue.problems] == [True]
    assert "P02" not in catalogue.procedures
    assert len(catalogue.procedures) == len(list(BPMN_DIR.glob("*.bpmn"))) - 1


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", None, "the file is empty"),
        ("<definitions>\n<process>\n</definitions>", 3, "not well-formed XML"),
        ("\ufeff<?xml version='1.0'?>\n<!-- fine -->\n<!DOCTYPE x>\n<x/>", 3, "DOCTYPE"),
        ("not xml at all", 1, "not well-formed XML"),
    ],
)
def test_bad_documents_say_what_and_where(text, line, words):
    with pytest.raises(safe_xml.XMLRefused) as refused:
        safe_xml.parse(text.encode("utf-8"))
    assert refused.value.line == line
    assert words in refused.value.reason


def test_a_doctype_in_another_encoding_is_refused_too():
    text = '<?xml version="1.0" encoding="UTF-16"?>\n<!DOCTYPE x [<!ENTITY e "a">]>\n<x>&e;</x>'
    with pytest.raises(safe_xml.XMLRefused, match="DOCTYPE"):
        safe_xml.parse(text.encode("utf-16"))


def test_a_stored_version_larger_than_a_lowered_limit_still_runs(monkeypatch):
    """Its size was checked when it was deployed; running dossiers must not stop on a new setting."""
    monkeypatch.setenv("MOTCUA_MAX_DIAGRAM_BYTES", "1000")

    text = (BPMN_DIR / "shared" / "withdrawal.bpmn").read_text("utf-8")
    assert len(text.encode()) > 1000

    parsed = parse_sources({"shared/withdrawal.bpmn": text}, "shared_withdrawal")

    assert parsed.spec.name == "shared_withdrawal"
