"""`motcua procedures deploy / versions / diff / migrate` as a process designer uses them, run
in-process (tests/cli/running.py) on the test's database, with a copy of the catalogue the test
changes (MOTCUA_BPMN_DIR, MOTCUA_WORKFLOWS_DIR)."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from tests.cli.running import PROJECT, Ran, run_motcua
from tests.engine.design.test_migration import at_review
from tests.engine.design.versions_helpers import with_second_review


class Designer:
    """Runs `motcua ARGS...` on the test's database and catalogue copy; edits the copy."""

    def __init__(self, database_url: str, folder: Path):
        self.bpmn, self.workflows = folder / "bpmn", folder / "workflows"
        shutil.copytree(PROJECT / "bpmn", self.bpmn)
        shutil.copytree(PROJECT / "workflows", self.workflows)
        self.env = {
            **os.environ,
            "MOTCUA_DATABASE_URL": database_url,
            "MOTCUA_BPMN_DIR": str(self.bpmn),
            "MOTCUA_WORKFLOWS_DIR": str(self.workflows),
        }

    def run(self, *args: str) -> Ran:
        result = run_motcua(args, self.env)
        assert "Traceback" not in result.stderr, result.stderr
        return result

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, f"motcua {' '.join(args)} exited {result.returncode}:\n{result.stderr}"
        return result.stdout

    def declare_task(self, task_id: str) -> None:
        """Give a new user task of P02 its form in the metadata."""
        path = self.workflows / "P02.yaml"
        text = path.read_text("utf-8")
        form = (
            f"tasks:\n  {task_id}:\n    fields:\n      - name: second_note\n        type: text\n"
            '        label: {vi: "Ghi chú", en: "Note"}\n'
        )
        path.write_text(text.replace("tasks:\n", form, 1), "utf-8")

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.bpmn / name
        text = path.read_text("utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), "utf-8")


@pytest.fixture
def designer(runtime, tmp_path) -> Designer:
    """The catalogue is deployed (v1 of every procedure) before the designer starts."""
    return Designer(runtime.settings.database_url, tmp_path)


RENAME = ('name="Thẩm định đăng ký, xác định mức hỗ trợ"', 'name="Xem xét đăng ký"')


def test_deploy_with_a_broken_procedure_exits_non_zero_and_names_what_stays_live(designer):
    designer.edit("P02.bpmn", *RENAME)
    designer.edit("P03.bpmn", 'targetRef="', 'targetRef="nowhere_')  # a flow to an element that is not there

    result = designer.run("procedures", "deploy", "--skip-paths")

    assert result.returncode == 1
    assert "P02: v2 is live (new; was v1)" in result.stdout
    assert "P01: v1 unchanged (already live)" in result.stdout
    assert "P03" not in result.stdout
    assert result.stderr.startswith("error: P03 is not deployed (v1 stays live):\n")
    assert "sequence flow leads to 'nowhere_" in result.stderr
    others = len(list((PROJECT / "bpmn").glob("P*.bpmn"))) - 1  # every procedure but the broken P03
    assert result.stderr.rstrip().endswith(f"{others} deployed, 1 invalid: P03")


def test_a_change_that_breaks_a_declared_path_is_not_deployed(designer):
    designer.edit(
        "P02.bpmn", "<bpmn:script>set_status(9)</bpmn:script>", "<bpmn:script>set_status(9)\nx = 1 / 0</bpmn:script>"
    )

    result = designer.run("procedures", "deploy", "P02")

    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.startswith("error: P02 is not deployed (v1 stays live):\n")
    assert "workflows/P02.yaml: paths.happy: simulation:" in result.stderr
    assert "division by zero" in result.stderr
    assert "* v1" in designer.ok("procedures", "versions", "P02")
    assert "v2" not in designer.ok("procedures", "versions", "P02")


def test_redeploying_an_earlier_version_says_so(designer):
    original = (designer.bpmn / "P02.bpmn").read_text("utf-8")
    designer.edit("P02.bpmn", *RENAME)
    assert designer.ok("procedures", "deploy", "P02", "--skip-paths") == "P02: v2 is live (new; was v1)\n"
    (designer.bpmn / "P02.bpmn").write_text(original, "utf-8")

    out = designer.ok("procedures", "deploy", "P02", "--skip-paths")

    assert out == "P02: v1 is live again (was v2; an earlier version redeployed)\n"
    versions = designer.ok("procedures", "versions", "P02")
    assert re.search(r"^\* v1 ", versions, re.M) and re.search(r"^  v2 ", versions, re.M)
    assert "v1 redeploy (was v2) by cli" in versions
    assert designer.ok("procedures", "deploy", "P02", "--skip-paths") == "P02: v1 unchanged (already live)\n"


def test_unknown_codes_and_versions_are_refused_with_a_message(designer):
    for args, message in [
        (("procedures", "deploy", "P99"), "no procedure P99 in bpmn/"),
        (("procedures", "versions", "P99"), "error: No procedure P99"),
        (("procedures", "diff", "P02", "1", "9"), "error: P02 has no version v9 (v1)"),
        (("procedures", "diff", "P02", "one", "2"), "'one' is not a version number"),
        (("procedures", "migrate", "P02", "--from", "1", "--to", "1"), "error: v1 and v1 are one version"),
    ]:
        result = designer.run(*args)
        assert result.returncode != 0, args
        assert message in result.stderr, (args, result.stderr)


def test_versions_diff_and_migrate_a_running_dossier(designer, runtime, office):
    waiting, later = at_review(runtime, office), at_review(runtime, office)
    p02 = designer.bpmn / "P02.bpmn"
    p02.write_text(with_second_review(p02.read_text("utf-8")), "utf-8")
    designer.declare_task("second_review")
    assert designer.ok("procedures", "deploy", "P02", "--skip-paths") == "P02: v2 is live (new; was v1)\n"

    versions = designer.ok("procedures", "versions", "P02").splitlines()
    assert re.match(r"  v1 +\S+ \S+ +cli +[0-9a-f]{12} +2 +2$", versions[1]), versions
    assert re.match(r"\* v2 +\S+ \S+ +cli +[0-9a-f]{12} +0 +0$", versions[2]), versions

    diff = designer.ok("procedures", "diff", "P02", "v1", "v2")
    assert "+ second_review (userTask) Kiểm tra lại kết quả thẩm định" in diff
    assert "- flow_review_to_decision (sequenceFlow)" in diff
    assert "~ collect_review (userTask)" in diff
    assert "    outgoing: flow_review_to_decision -> flow_review_to_second" in diff
    assert "metadata:\n  + tasks.second_review.fields[0].name: second_note" in diff
    dry = designer.ok("procedures", "migrate", "P02", "--from", "1", "--to", "2", "--dry-run")
    assert f"{waiting}  movable (waits in collect_review, withdrawal_at_collect_review)" in dry
    assert "2 of 2 dossier(s) can move from v1 to v2" in dry

    out = designer.ok("procedures", "migrate", "P02", "--from", "1", "--to", "2", "--dossier", waiting)
    assert out.splitlines() == [
        f"{waiting}  moved (waits in collect_review, withdrawal_at_collect_review)",
        "1 of 1 dossier(s) moved from v1 to v2",
    ]
    versions = designer.ok("procedures", "versions", "P02").splitlines()
    assert re.match(r"  v1 .* 1 +1$", versions[1]) and re.match(r"\* v2 .* 1 +1$", versions[2]), versions
    shown = designer.ok("dossier", "show", waiting)
    assert "Moved from v1 to v2 by" in shown or "Chuyển từ phiên bản v1 sang v2" in shown
    assert runtime.dossiers.get(later).version_id != runtime.dossiers.get(waiting).version_id
