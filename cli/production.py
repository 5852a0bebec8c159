"""`motcua production` and `motcua scheduler`: the product as an office runs it on PostgreSQL and
Redis, in several processes per machine and on as many machines as it needs.

`motcua production` supervises three children on its machine (cli/supervisor.py): gunicorn serving
the web application in several worker processes, a Celery worker pool delivering the outbox, and
`motcua scheduler`, a candidate for the one scheduler that fires timers, flags late dossiers and
queues reminders. The candidates of all machines elect one (engine/background/leader.py); the
others stand by and one of them takes over when the leader's process ends.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import threading

import click

from cli.common import get_runtime
from cli.serving import _report
from cli.supervisor import Child, supervise
from engine.background.leader import Election
from engine.background.readiness import check_broker, check_database
from engine.background.scheduler import Scheduler
from engine.runtime import Runtime


@click.command("production")
@click.option("--bind", envvar="MOTCUA_BIND", default="0.0.0.0:8000", show_default=True, help="host:port to serve on.")
@click.option(
    "--web-workers",
    envvar="MOTCUA_WEB_WORKERS",
    default=lambda: 2 * (os.cpu_count() or 1) + 1,
    show_default="2 × CPUs + 1",
    type=int,
    help="gunicorn worker processes.",
)
@click.option("--web-threads", envvar="MOTCUA_WEB_THREADS", default=4, show_default=True, help="Threads per worker.")
@click.option(
    "--celery-workers",
    envvar="MOTCUA_CELERY_WORKERS",
    default=2,
    show_default=True,
    help="Celery worker processes delivering the outbox.",
)
@click.option(
    "--interval",
    envvar="MOTCUA_SCHEDULER_INTERVAL",
    default=30.0,
    show_default=True,
    help="Seconds between the scheduler's passes.",
)
@click.option(
    "--grace",
    envvar="MOTCUA_STOP_GRACE",
    default=30.0,
    show_default=True,
    help="Seconds each process has to finish its work when stopped, before it is killed.",
)
def production(bind, web_workers, web_threads, celery_workers, interval, grace) -> None:
    """Run the product on PostgreSQL and Redis: gunicorn's web workers, Celery's outbox workers and a
    scheduler (elected: one leads among all machines), until SIGTERM or Ctrl+C stops them all."""
    runtime = get_runtime()
    _refuse_unless_ready_for_production(runtime)
    python = sys.executable
    children = [
        Child(
            "web (gunicorn)",
            [
                *(python, "-m", "gunicorn", "--bind", bind, "--workers", str(web_workers)),
                *("--worker-class", "gthread", "--threads", str(web_threads)),
                *("--graceful-timeout", f"{grace:g}", "--access-logfile", "-", "--name", "motcua-web"),
                "--no-control-socket",  # this supervisor controls it; two on one host would share the socket
                "web:create_app()",  # each worker makes its own app, database pool and all, after the fork
            ],
        ),
        Child(
            "outbox (celery worker)",
            [
                *(python, "-m", "celery", "-A", "engine.background.celery_app", "worker"),
                *("--concurrency", str(celery_workers), "--loglevel", "INFO"),
                *("--hostname", f"motcua-{os.getpid()}@{socket.gethostname()}"),  # unique if two run on one host
            ],
        ),
        Child("scheduler", [python, "-m", "cli.main", "scheduler", "--interval", f"{interval:g}"]),
    ]
    database = runtime.db.url.render_as_string(hide_password=True)
    click.echo(f"Motcua production on {database}, web on http://{bind}/ (SIGTERM or Ctrl+C stops)")
    runtime.close()  # the children make their own connections
    status = supervise(children, dict(os.environ), click.echo, grace=grace)
    sys.exit(status)


def _refuse_unless_ready_for_production(runtime: Runtime) -> None:
    """What production mode needs before it starts anything: PostgreSQL at the newest schema, a
    broker that answers, one secret key for every process and machine, and safe settings."""
    settings = runtime.settings
    problems = []
    if runtime.db.is_sqlite:
        problems.append("MOTCUA_DATABASE_URL must name a PostgreSQL database (SQLite is for `motcua serve`)")
    else:
        checks = check_database(runtime.db)
        if checks["database"] != "ok":
            problems.append(f"the database is {checks['database']}")
        elif checks["migrations"] != "ok":
            problems.append(f"the database schema: {checks['migrations']}")
    if not settings.celery_broker:
        problems.append("MOTCUA_CELERY_BROKER must name the Redis broker (e.g. redis://127.0.0.1:6379/0)")
    elif (broker := check_broker(settings.celery_broker)) != "ok":
        problems.append(f"the broker is {broker}")
    if not os.environ.get("MOTCUA_SECRET_KEY"):
        problems.append("MOTCUA_SECRET_KEY must be set: every web process and machine signs sessions with it")
    unsafe = settings.unsafe_defaults()
    if settings.is_production:
        problems.extend(unsafe)
    else:
        for problem in unsafe:  # fine to try production mode on a developer's machine, never in an office
            click.echo(f"warning: {problem}", err=True)
    if problems:
        raise click.ClickException("cannot start production mode: " + "; ".join(problems))


@click.command("scheduler")
@click.option("--interval", default=30.0, show_default=True, help="Seconds between passes.")
def scheduler_command(interval) -> None:
    """Run the background work alone (timers, late dossiers, reminders; the outbox too without a
    Celery broker) until SIGTERM or Ctrl+C. On PostgreSQL, several may run: one leads, elected by
    the database, and the others stand by to take over."""
    runtime = get_runtime()
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda _number, _frame: stop.set())
    election = None if runtime.db.is_sqlite else Election(runtime.settings.database_url)
    scheduler = Scheduler(runtime)  # the outbox too, unless a Celery broker is set: then the Celery workers do it
    if runtime.settings.celery_broker:
        from engine.background.celery_app import queue_outbox_passes  # imports Celery: only with a broker

        threading.Thread(
            target=queue_outbox_passes,
            args=(stop, lambda: election is None or election.leading),
            name="motcua-outbox-beat",
            daemon=True,
        ).start()
    click.echo(f"scheduler {os.getpid()} started on {runtime.db.url.render_as_string(hide_password=True)}")
    try:
        scheduler.run(stop, interval=interval, report=_report, election=election, on_leading=_announce)
    finally:
        if election is not None:
            election.close()
        scheduler.close()
        runtime.close()
        click.echo(f"scheduler {os.getpid()} stopped")


def _announce(leading: bool) -> None:
    if leading:
        click.echo(f"scheduler {os.getpid()} leads: timers, late dossiers and reminders run here")
    else:
        click.echo(f"scheduler {os.getpid()} stands by: another process leads")
