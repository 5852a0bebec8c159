"""`motcua audit`: check that the dossiers' histories are as they were written."""

from __future__ import annotations

import sys

import click

from cli.common import get_runtime
from engine.data.audit import verify_database


@click.group()
def audit() -> None:
    """The dossiers' histories and their hash chains."""


@audit.command("verify")
@click.option("--dossier", "dossier_code", metavar="CODE", help="Check one dossier's history only.")
def audit_verify(dossier_code) -> None:
    """Check every history's hash chain (or one dossier's): exit 0 when intact, else exit 1 with
    one line per edited, removed or reordered event."""
    report = verify_database(get_runtime().db, dossier_code)
    if report.intact:
        click.echo(f"{report.dossiers} dossier(s), {report.events} event(s): every history intact")
        return
    for problem in report.problems:
        click.echo(str(problem))
    click.echo(
        f"error: {len(report.problems)} problem(s) in {report.dossiers_with_problems} of {report.dossiers} "
        "dossier(s) checked",
        err=True,
    )
    sys.exit(1)
