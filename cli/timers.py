"""`motcua timers`: fire the timer events of diagrams that are due."""

from __future__ import annotations

import time

import click

from cli.common import get_runtime
from engine.background.scheduler import POLL_INTERVAL, Scheduler


@click.group()
def timers() -> None:
    """Timer events in diagrams."""


@timers.command("run")
@click.option("--once", is_flag=True, help="Fire what is due now and exit.")
@click.option("--interval", default=POLL_INTERVAL, show_default=True, help="Seconds between polls.")
def timers_run(once, interval) -> None:
    """Fire due timers; safe to run in several processes at once."""
    scheduler = Scheduler(get_runtime(), outbox=False)  # its timer job alone
    while True:
        fired = scheduler.fire_timers()
        if fired or once:
            click.echo(f"{fired} timer(s) fired")
        if once:
            return
        time.sleep(interval)
