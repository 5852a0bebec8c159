"""`motcua outbox`: deliver the messages to outside systems, list and retry dead letters."""

from __future__ import annotations

import click

from cli.common import get_runtime
from engine.integration.outbox import OutboxWorker


@click.group()
def outbox() -> None:
    """Messages to outside systems (portal, post, bank, SMS and e-mail)."""


def report_outbox(counts: dict) -> None:
    """Print what an outbox pass did (also for `motcua serve`)."""
    click.echo(", ".join(f"{n} {what}" for what, n in counts.items() if n and what != "claimed") or "nothing due")


def _outbox_worker() -> OutboxWorker:
    runtime = get_runtime()
    return OutboxWorker(runtime.db, runtime.clock, runtime.settings)


@outbox.command("run")
@click.option("--once", is_flag=True, help="Deliver what is due now and exit.")
@click.option("--interval", default=2.0, show_default=True, help="Seconds between polls when nothing is due.")
@click.option("--batch", default=50, show_default=True, type=click.IntRange(min=1), help="Messages per pass.")
def outbox_run(once, interval, batch) -> None:
    """Deliver due messages with retries; safe to run in several processes at once."""
    worker = _outbox_worker()
    if once:
        report_outbox(worker.run_once(batch))
        return
    click.echo(f"outbox worker running (lease {worker.lease.total_seconds():g} s)")
    try:
        worker.run(interval, batch, report=report_outbox)
    except KeyboardInterrupt:
        click.echo("stopped")


@outbox.command("dead")
def outbox_dead() -> None:
    """List the messages that will not be retried by themselves (dead letters)."""
    letters = _outbox_worker().dead_letters()
    for d in letters:
        click.echo(f"#{d.id} {d.kind} {d.dossier_code or '-'} after {d.attempts} attempt(s): {d.last_error}")
    click.echo(f"{len(letters)} dead letter(s)")


@outbox.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-dead", is_flag=True, help="Retry every dead letter.")
def outbox_retry(ids, all_dead) -> None:
    """Queue dead letters again, due now."""
    if bool(ids) == all_dead:
        raise click.UsageError("give message IDs or --all-dead")
    worker = _outbox_worker()
    if all_dead:
        ids = [d.id for d in worker.dead_letters()]
    click.echo(f"{worker.retry(ids)} message(s) queued again")
