"""The `motcua` command's root: the group every command hangs from, which turns the engine's
refusals into one `error: ...` line and exit status 1, and `main()`, the console script. The
commands live in the modules named for their groups (see cli/__init__.py)."""

from __future__ import annotations

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
    replay,
    reports,
    serving,
    tasks,
    timers,
)
from cli.common import _Context
from engine.errors import EngineError
from engine.forms import FormError


def main() -> None:
    cli()


def _schema_missing(err: DBAPIError) -> bool:
    text = str(err.orig).lower()
    return "no such table" in text or ("relation" in text and "does not exist" in text)


class _Root(click.Group):
    """The root group. It turns the engine's refusals into `error: ...` lines and exit status 1
    here rather than in main(), so a command run in-process (click's CliRunner, as most tests do)
    answers exactly as the console script does; and it closes the run's runtime at the end."""

    def invoke(self, ctx: click.Context):
        context = ctx.ensure_object(_Context)
        ctx.call_on_close(context.close)
        try:
            return super().invoke(ctx)
        except FormError as err:
            for name, message in err.errors.items():
                click.echo(f"error: {name}: {message.en}", err=True)
        except EngineError as err:
            click.echo(f"error: {err.message.en}", err=True)
        except DBAPIError as err:
            if _schema_missing(err):
                click.echo("error: the database has no Motcua tables yet: run `motcua db upgrade` first", err=True)
            else:
                click.echo(f"error: the database refused: {err.orig}", err=True)
        ctx.exit(1)


@click.group(cls=_Root)
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
cli.add_command(replay.replay_command)


if __name__ == "__main__":
    main()
