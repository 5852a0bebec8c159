"""`motcua db`: the database schema, and the move of the whole database to PostgreSQL."""

from __future__ import annotations

import sys
from dataclasses import replace

import click

from cli.common import get_runtime
from engine.data.audit import verify_changes, verify_database
from engine.data.copy_database import TableCount, copy_database, count_rows
from engine.data.db import Database
from engine.data.migrate import one_upgrade_at_a_time
from engine.dossiers.rehearsal import rehearse_open_dossiers
from engine.runtime import Runtime


@click.group()
def db() -> None:
    """The database schema."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version, then deploy the catalogue."""
    runtime = get_runtime()
    with one_upgrade_at_a_time(runtime.db):
        runtime.upgrade_database()
        for d in runtime.deploy():
            click.echo(d.describe())
    click.echo(f"database ready: {runtime.db.url.render_as_string(hide_password=True)}")


@db.command("copy")
@click.option(
    "--to", "url", required=True, metavar="URL", help="An empty PostgreSQL database, postgresql+psycopg://..."
)
def db_copy(url: str) -> None:
    """Copy the whole database (the configured one, e.g. the embedded SQLite file) into the empty
    PostgreSQL database at URL, then check the copy: rows per table, every history's hash chain,
    and one rehearsed step of every open dossier. Stop `motcua serve` first. Exits 1 on any mismatch."""
    runtime = get_runtime()
    source = runtime.db
    copied = copy_database(source, url, progress=_progress)
    where = Database(url)  # (copy_database checked the URL)
    shown = where.url.render_as_string(hide_password=True)
    click.echo(
        f"copied {copied.rows} row(s) into {shown} at schema {copied.revision}; "
        f"{copied.sequences} id sequence(s) set past the largest id"
    )
    problems: list[str] = []

    counts = count_rows(source, url)
    _print_counts(counts)
    problems += [f"{c.table}: {c.source} row(s) here, {c.target} there" for c in counts if not c.equal]

    report = verify_database(where)
    with where.read() as session:
        bad_changes = verify_changes(session)
    if report.intact:
        click.echo(f"{report.dossiers} dossier(s), {report.events} event(s): every history intact on the copy")
    problems += [f"history: {p}" for p in report.problems]
    problems += [f"administration change #{seq}: edited, removed before it or out of order" for seq in bad_changes]

    target = Runtime(replace(runtime.settings, database_url=url), where, runtime.clock)
    try:
        rehearsed = rehearse_open_dossiers(target.dossiers, progress=_progress)
    finally:
        target.close()
    if not rehearsed.failed:
        click.echo(f"{rehearsed.tried} open dossier(s): each ran one step on the copy (rolled back)")
    problems += [f"dossier {code} cannot go on: {said}" for code, said in rehearsed.failed]

    for problem in problems:
        click.echo(problem)
    if problems:
        click.echo(f"error: the copy has {len(problems)} problem(s); keep working on the source database", err=True)
        sys.exit(1)
    click.echo(f"the copy checks out: set MOTCUA_DATABASE_URL={shown} and start Motcua on it")


def _progress(line: str) -> None:
    """How far a long step got, on stderr: stdout keeps the copy's findings alone."""
    click.echo(line, err=True)


def _print_counts(counts: list[TableCount]) -> None:
    width = max(len(c.table) for c in counts)
    click.echo(f"{'table':<{width}}  {'source':>9}  {'copy':>9}")
    for c in counts:
        mark = "" if c.equal else "  MISMATCH"
        click.echo(f"{c.table:<{width}}  {c.source:>9}  {c.target:>9}{mark}")
