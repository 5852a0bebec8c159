"""`motcua timers`: fire the timer events of diagrams that are due."""

from __future__ import annotations

import time

import click

from cli.common import get_runtime


@click.group()
def timers() -> None:
    """Timer events in diagrams."""


@timers.command("run")
@click.option("--once", is_flag=True, help="Fire what is due now and exit.")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between polls.")
def timers_run(once, interval) -> None:
    """Fire due timers; safe to run in several processes at once."""
    service = get_runtime().dossiers
    while True:
        fired = service.fire_due_timers()
        if fired or once:
            click.echo(f"{fired} timer(s) fired")
        if once:
            return
        time.sleep(interval)
