"""`motcua reminders`: reminders to applicants (health-insurance card renewal)."""

from __future__ import annotations

import click

from cli.common import get_runtime
from engine.integration.reminders import queue_renewal_reminders


@click.group()
def reminders() -> None:
    """Reminders to applicants (health-insurance card renewal)."""


@reminders.command("run")
@click.option(
    "--days",
    default=30,
    show_default=True,
    type=click.IntRange(min=0),
    help="Remind about cards expiring within this many days.",
)
def reminders_run(days) -> None:
    """Queue an SMS / e-mail for each health-insurance card expiring soon, once per card and expiry
    date; safe to run from several processes at once."""
    runtime = get_runtime()
    queued = queue_renewal_reminders(runtime.db, runtime.clock, runtime.settings, days)
    click.echo(f"{queued} renewal reminder(s) queued")
