"""`motcua audit`: check that the dossiers' histories are as they were written."""

from __future__ import annotations

import sys

import click
from sqlalchemy import func, select

from cli.common import get_runtime
from engine.data.audit import verify_changes, verify_database
from engine.data.models import AdminChange


@click.group()
def audit() -> None:
    """The dossiers' histories and their hash chains."""


@audit.command("verify")
@click.option("--dossier", "dossier_code", metavar="CODE", help="Check one dossier's history only.")
def audit_verify(dossier_code) -> None:
    """Check every history's hash chain (or one dossier's): exit 0 when intact, else exit 1 with
    one line per edited, removed or reordered event."""
    runtime = get_runtime()
    report = verify_database(runtime.db, dossier_code)
    bad_changes: list[int] = []
    if dossier_code is None:  # the administration's change log is chained alike: checked with the histories
        with runtime.db.read() as session:
            changes = session.scalar(select(func.count()).select_from(AdminChange)) or 0
            bad_changes = verify_changes(session)
    if report.intact:
        click.echo(f"{report.dossiers} dossier(s), {report.events} event(s): every history intact")
    for problem in report.problems:
        click.echo(str(problem))
    if dossier_code is None and not bad_changes:
        click.echo(f"{changes} administration change(s): the change log intact")
    for seq in bad_changes:
        click.echo(f"administration change #{seq}: edited, removed before it or out of order")
    if report.intact and not bad_changes:
        return
    if not report.intact:
        click.echo(
            f"error: {len(report.problems)} problem(s) in {report.dossiers_with_problems} of {report.dossiers} "
            "dossier(s) checked",
            err=True,
        )
    if bad_changes:
        click.echo(f"error: {len(bad_changes)} problem(s) in the administration change log", err=True)
    sys.exit(1)
