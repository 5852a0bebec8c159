"""`motcua serve`, `motcua simulators` and `motcua demo`: running the product, its stand-ins and demo data."""

from __future__ import annotations

import threading

import click
from waitress import serve as waitress_serve

import simulators
from cli.common import get_runtime
from cli.outbox import report_outbox
from engine.background.scheduler import POLL_INTERVAL, Done, Scheduler
from engine.demo import ACCOUNTS, DEMO_PASSWORD, seed_demo


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="Port to listen on.")
@click.option("--threads", default=8, show_default=True, help="Web worker threads.")
@click.option(
    "--interval", default=POLL_INTERVAL, show_default=True, help="Seconds between polls of the background work."
)
def serve(host, port, threads, interval) -> None:
    """Serve the web application and run the background work (timers, late dossiers, card renewal
    reminders, the outbox unless a Celery broker is set) until Ctrl+C."""
    import web  # here, not at the top: the web app takes most of a second to import, and only serve needs it

    runtime = get_runtime()
    problems = runtime.settings.unsafe_defaults()
    if runtime.settings.is_production and problems:
        raise click.ClickException("refusing to start in production: " + "; ".join(problems))
    for problem in problems:  # fine on a developer's machine, never in an office
        click.echo(f"warning: {problem}", err=True)
    app = web.create_app(runtime=runtime)
    stop = threading.Event()
    scheduler = Scheduler(runtime)  # the outbox too, unless a Celery broker is set: then the Celery workers do it
    threading.Thread(
        target=scheduler.run,
        kwargs={"stop": stop, "interval": interval, "report": _report},
        name="motcua-background",
        daemon=True,
    ).start()
    click.echo(f"Motcua is running on {runtime.db.url.render_as_string(hide_password=True)}")
    click.echo(f"Open http://{host}:{port}/  (Ctrl+C stops)")
    try:
        waitress_serve(app, host=host, port=port, threads=threads, ident="motcua")
    finally:
        stop.set()
        click.echo("stopped")


def _report(done: Done) -> None:
    """Print what a pass of the background work did, when it did something."""
    if done.timers_fired or done.late_flagged:
        click.echo(f"{done.timers_fired} timer(s) fired, {done.late_flagged} late dossier(s) flagged")
    if done.reminders_queued:
        click.echo(f"{done.reminders_queued} renewal reminder(s) queued")
    if done.outbox.get("claimed"):
        report_outbox(done.outbox)


@click.command("simulators")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8100, show_default=True, type=int, help="Port to listen on.")
def simulators_command(host, port) -> None:
    """Serve stand-ins for the post, population registry, national portal, bank and SMS/e-mail
    gateway (state in memory) until Ctrl+C."""
    click.echo(f"Simulators on http://{host}:{port}/  (Ctrl+C stops)")
    # several threads: a webhook sent inside one request may make the product call back in another
    waitress_serve(simulators.create_app(), host=host, port=port, threads=8, ident="motcua-simulators")


@click.group()
def demo() -> None:
    """Demo data."""


@demo.command("seed")
def demo_seed() -> None:
    """Officers in every role, applicant accounts and dossiers at different steps (dossiers only
    into an empty database)."""
    runtime = get_runtime()
    officers = seed_demo(runtime, runtime.load_catalogue())
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD})")
    click.echo("  Officers, at /officer/login (username: name, roles):")
    for username, name, roles in officers:
        click.echo(f"    {username}: {name}, {', '.join(roles)}")
    click.echo("  Applicants, at /login (citizen ID or tax code: name):")
    for _kind, id_number, name, _phone, _email in ACCOUNTS:
        click.echo(f"    {id_number}: {name}")
