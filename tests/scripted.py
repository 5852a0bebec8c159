"""Test procedures with scripts of the test's choosing: tests/fixtures/minimal/X01 (or the timer
procedure X05) under another code, with the script of some script tasks replaced, written to a
folder and loaded as a draft against the real catalogue's roles and shared steps."""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape

from engine.config import Settings
from engine.workflow.catalogue import Catalogue, load_catalogue

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BASES = {"X01": FIXTURES / "minimal" / "X01.bpmn", "X05": FIXTURES / "timers" / "X05.bpmn"}


def write_procedure(folder: Path, code: str, scripts: dict[str, str], base: str = "X01") -> Path:
    """`folder/<code>.bpmn` and its metadata: `base` with each script task named in `scripts`
    running that script instead. Returns the diagram's path."""
    folder.mkdir(parents=True, exist_ok=True)
    diagram = BASES[base].read_text("utf-8").replace(base, code)
    for element, script in scripts.items():
        pattern = re.compile(rf'(<bpmn:scriptTask id="{element}".*?<bpmn:script>)(.*?)(</bpmn:script>)', re.S)
        escaped = escape(script)
        diagram, found = pattern.subn(lambda m, text=escaped: m[1] + text + m[3], diagram)
        assert found == 1, element
    path = folder / f"{code}.bpmn"
    path.write_text(diagram, "utf-8")
    metadata = BASES[base].with_suffix(".yaml").read_text("utf-8").replace(base, code)
    path.with_suffix(".yaml").write_text(metadata, "utf-8")
    return path


def load_procedures(*paths: Path) -> Catalogue:
    settings = Settings()
    catalogue = load_catalogue(settings.bpmn_dir, settings.workflows_dir, only=list(paths))
    assert catalogue.problems == [], "\n".join(map(str, catalogue.problems))
    return catalogue
