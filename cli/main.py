"""The `motcua` command's root: the group every command hangs from, and `main()`, which turns the
engine's refusals into one `error: ...` line and exit status 1. The commands live in the modules
named for their groups (see cli/__init__.py)."""

from __future__ import annotations

import sys

import click
from sqlalchemy.exc import DBAPIError

from cli import (
    audit,
    backup,
    database,
    deadlines,
    dossiers,
    incidents,
    outbox,
    payouts,
    people,
    procedures,
    production,
    reminders,
    reports,
    serving,
    tasks,
    timers,
)
from cli.common import _Context
from engine.errors import EngineError
from engine.forms import FormError


def main() -> None:
    try:
        cli(obj=_Context())
    except FormError as err:
        for name, message in err.errors.items():
            click.echo(f"error: {name}: {message.en}", err=True)
        sys.exit(1)
    except EngineError as err:
        click.echo(f"error: {err.message.en}", err=True)
        sys.exit(1)
    except DBAPIError as err:
        if _schema_missing(err):
            click.echo("error: the database has no Motcua tables yet: run `motcua db upgrade` first", err=True)
        else:
            click.echo(f"error: the database refused: {err.orig}", err=True)
        sys.exit(1)


def _schema_missing(err: DBAPIError) -> bool:
    text = str(err.orig).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


@click.group()
def cli() -> None:
    """Motcua: the one-stop workflow engine of a provincial social-insurance office."""


# in the order of the README's table of commands
cli.add_command(database.db)
cli.add_command(procedures.procedures)
cli.add_command(procedures.simulate_command)
cli.add_command(dossiers.dossier)
cli.add_command(tasks.task)
cli.add_command(people.units)
cli.add_command(people.users)
cli.add_command(deadlines.calendar)
cli.add_command(timers.timers)
cli.add_command(incidents.incidents)
cli.add_command(deadlines.flag_late)
cli.add_command(serving.serve)
cli.add_command(production.production)
cli.add_command(production.scheduler_command)
cli.add_command(reports.report)
cli.add_command(serving.simulators_command)
cli.add_command(outbox.outbox)
cli.add_command(payouts.payouts)
cli.add_command(reminders.reminders)
cli.add_command(audit.audit)
cli.add_command(backup.backup_command)
cli.add_command(backup.restore_command)
cli.add_command(serving.demo)


if __name__ == "__main__":
    main()
