"""`motcua ARGS...` run the way the tests need it: in this process through click's CliRunner (the
same root group the console script runs, so the same output, `error: ...` lines and exit status,
without starting Python and importing the engine again for every command), or, for the few tests
that prove the installed console script itself works, as a real process."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli

PROJECT = Path(__file__).resolve().parents[2]
MOTCUA = Path(sys.executable).parent / "motcua"  # the console script installed beside this Python


@dataclass(frozen=True)
class Ran:
    """What a run of `motcua` left: as subprocess.CompletedProcess names it."""

    returncode: int
    stdout: str
    stderr: str


def run_motcua(args: tuple[str, ...], env: dict[str, str], real: bool = False) -> Ran:
    """Run `motcua ARGS...` from the project folder with exactly the environment `env`."""
    if real:
        assert MOTCUA.exists(), f"the console script is not installed at {MOTCUA}"
        done = subprocess.run([str(MOTCUA), *args], cwd=PROJECT, env=env, capture_output=True, text=True, timeout=300)
        return Ran(done.returncode, done.stdout, done.stderr)
    # variables of this process that `env` leaves out are unset for the run, as for a new process
    unset: dict[str, str | None] = {name: None for name in os.environ if name not in env}
    with contextlib.chdir(PROJECT):
        # an exception the root group does not turn into a message propagates: the test fails
        # with its traceback, as the console script would have printed one
        result = CliRunner().invoke(cli, list(args), env={**unset, **env}, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)
