"""A designer's catalogue (MOTCUA_BPMN_DIR) holding a 3 MB diagram and one with a DOCTYPE:
`procedures validate`, `list` and `deploy` name both, quickly, and every other procedure still
loads and deploys; nothing of the refused diagrams is stored."""

from __future__ import annotations

import re
import shutil
import time

import pytest

from tests.cli.test_cli import Motcua
from tests.engine.workflow.test_safe_xml import BILLION_LAUGHS, BPMN_DIR, WORKFLOWS_DIR, annotations

OTHERS = len(list(BPMN_DIR.glob("*.bpmn"))) - 2


@pytest.fixture
def designer(tmp_path) -> Motcua:
    bpmn, workflows = tmp_path / "bpmn", tmp_path / "workflows"
    shutil.copytree(BPMN_DIR, bpmn)
    shutil.copytree(WORKFLOWS_DIR, workflows)
    (bpmn / "P02.bpmn").write_text(annotations(3), encoding="utf-8")
    (bpmn / "P03.bpmn").write_text(BILLION_LAUGHS.replace('"P02"', '"P03"'), encoding="utf-8")
    cli = Motcua(tmp_path / "motcua.db")
    cli.env.update({"MOTCUA_BPMN_DIR": str(bpmn), "MOTCUA_WORKFLOWS_DIR": str(workflows)})
    return cli


def refusals(stderr: str) -> list[str]:
    return sorted(
        re.findall(r"(P0[23]\.bpmn: (?:line 2: the document declares a DOCTYPE|the file is 3\.0 MB))", stderr)
    )


EXPECTED = ["P02.bpmn: the file is 3.0 MB", "P03.bpmn: line 2: the document declares a DOCTYPE"]


def test_validate_names_the_refused_diagrams_and_passes_the_others(designer):
    started = time.perf_counter()
    result = designer.run("procedures", "validate", "--skip-paths")

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert refusals(result.stderr) == EXPECTED, result.stderr
    assert f"{OTHERS} procedure(s) valid, 2 problem(s)" in result.stdout
    assert time.perf_counter() - started < 30  # the whole catalogue; the 3 MB file took minutes before


def test_list_and_deploy_go_on_without_them(designer):
    listing = designer.run("procedures", "list")
    assert listing.returncode == 0, listing.stderr
    codes = [line.split()[0] for line in listing.stdout.splitlines()]
    assert "P02" not in codes and "P03" not in codes and len(codes) == OTHERS
    assert "(2 problem(s): run `motcua procedures validate`)" in listing.stderr

    designer.ok("db", "upgrade")
    deployed = designer.run("procedures", "deploy")
    assert "Traceback" not in deployed.stderr
    assert deployed.returncode == 1 and "invalid: P02, P03" in deployed.stderr, deployed.stderr
    stored = re.findall(r"^(P\d\d): v\d+ ", deployed.stdout, re.M)
    assert "P02" not in stored and "P03" not in stored and len(stored) == OTHERS, deployed.stdout
