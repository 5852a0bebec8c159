"""`motcua incidents` and scripts that fail or run too long, as a process designer meets them on the
command line: a clear line naming the element, never a traceback, and a bound on the time."""

from __future__ import annotations

import re
import time

import pytest

from engine.config import Settings
from engine.runtime import Runtime
from tests.cli.test_cli import Motcua
from tests.scripted import load_procedures, write_procedure


@pytest.fixture
def motcua(tmp_path) -> Motcua:
    """`motcua` on a database file of this test's own, not created yet."""
    return Motcua(tmp_path / "motcua.db")


def deployed(motcua: Motcua, tmp_path, code: str, scripts: dict[str, str]) -> None:
    motcua.ok("db", "upgrade")
    runtime = Runtime.create(Settings(database_url=f"sqlite:///{motcua.database}"))
    try:
        runtime.deploy(load_procedures(write_procedure(tmp_path / code, code, scripts)))
    finally:
        runtime.close()


def test_a_dossier_whose_first_script_fails_is_kept_listed_and_retried_from_the_command_line(motcua, tmp_path):
    deployed(motcua, tmp_path, "X91", {"set_submitted": "set_status(1)\nsize = len('a' * 80_000_000)"})

    started = motcua.run("dossier", "start", "X91", "--set", "full_name=Nguyễn Văn An")

    assert started.returncode == 0, started.stderr
    code = started.stdout.strip()
    assert re.fullmatch(r"BHXH\.QNI-\d{6}-\d{4}", code)
    assert started.stderr == (
        "warning: the dossier is stored but its first step failed (incident #1): Script in element "
        "'set_submitted' (Ghi nhận hồ sơ) was stopped: repeating a sequence (*) would make about 76.3 MB, "
        "more than the 64 MB a script may use (line 2)\n"
    )
    listed = motcua.ok("incidents", "list")
    assert re.match(
        rf"#1  {re.escape(code)}  X91 \(version \d+\)  set_submitted \(Ghi nhận hồ sơ\)  submit  since "
        r"\d{4}-\d\d-\d\d \d\d:\d\d  1 attempt\(s\)  open\n    Script in element 'set_submitted'",
        listed,
    ), listed

    # retried as it is: fails again, said plainly, counted
    again = motcua.fails("incidents", "retry", "1")
    assert again.startswith("error: The step failed: Script in element 'set_submitted' (Ghi nhận hồ sơ) was stopped")
    assert "the process designer can see incident #1 and retry it after a fix" in again
    assert "2 attempt(s)  open" in motcua.ok("incidents", "list")

    # the fix: scripts may use 128 MB
    motcua.env["MOTCUA_SCRIPT_MEMORY_MB"] = "128"
    assert motcua.ok("incidents", "retry", "1") == "incident #1 resolved: retried\n"
    assert motcua.ok("incidents", "list") == "no open incidents\n"
    assert re.search(r"2 attempt\(s\)  resolved \S+ \S+ by system \(retried\)", motcua.ok("incidents", "list", "--all"))
    assert "desk_check" in motcua.ok("task", "list", "--dossier", code)
    shown = motcua.ok("dossier", "show", code)
    assert "Incident #1 at the step “Ghi nhận hồ sơ”" in shown and "Incident #1 resolved" in shown


def test_retrying_what_is_not_an_open_incident_is_refused_plainly(motcua):
    motcua.ok("db", "upgrade")

    assert motcua.fails("incidents", "retry", "7") == "error: No incident #7\n"
    assert motcua.ok("incidents", "list", "--all") == "no incidents\n"


def test_validate_stops_a_looping_script_within_the_limit_naming_its_element(motcua, tmp_path):
    draft = write_procedure(tmp_path / "X92", "X92", {"set_submitted": "set_status(1)\nwhile True:\n    pass"})
    motcua.env["MOTCUA_SCRIPT_SECONDS"] = "1"

    began = time.monotonic()
    result = motcua.run("procedures", "validate", str(draft))
    took = time.monotonic() - began

    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert "Script in element 'set_submitted' (Ghi nhận hồ sơ) ran longer than 1 s and was stopped" in result.stderr
    assert "X92.yaml: paths.approved: " in result.stderr
    assert took < 30  # loading the catalogue and a scratch database take most of it; the script 1 s
