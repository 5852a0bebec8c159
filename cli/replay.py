"""`motcua replay`: a province's half-year of dossiers through the real engine, with the accounting."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta

import click
from sqlalchemy import func, select

from engine.clock import ManualClock
from engine.config import Settings
from engine.data.models import Dossier
from engine.replay import mix
from engine.replay.accounting import Accounting, measure
from engine.replay.drive import add_officers, drive
from engine.replay.plan import make_replay, scaled_staff
from engine.runtime import Runtime
from engine.sla.office_calendar import load_calendar
from engine.statuses import DossierStatus


def _staff(text: str | None) -> dict[str, int]:
    staff: dict[str, int] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        role, _, count = item.partition("=")
        role = role.strip()
        if role not in mix.STAFF:
            raise click.BadParameter(
                f"'{role}' is not a role; the roles are {', '.join(mix.STAFF)}", param_hint="--staff"
            )
        if not count.strip().isdigit() or int(count) < 1:
            raise click.BadParameter(f"'{item}' is not ROLE=N with N at least 1", param_hint="--staff")
        staff[role] = int(count)
    return staff


@click.command("replay")
@click.option("--database-url", help="The database to fill (default: MOTCUA_DATABASE_URL). It must hold no dossiers.")
@click.option("--dossiers", "total", type=click.IntRange(min=1), help="How many dossiers (default: the half-year's).")
@click.option("--scale", type=click.FloatRange(min=0, min_open=True, max=1), help="A share of the half-year instead.")
@click.option("--workers", type=click.IntRange(min=1, max=32), default=2, show_default=True, help="Worker processes.")
@click.option("--staff", "staff_text", help="Officers per role, e.g. desk=14,benefits=26 (others: scaled defaults).")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed makes the same dossiers.")
@click.option(
    "--start",
    "start_text",
    default="2026-01-01",
    show_default=True,
    help="The first day of the period (YYYY-MM-DD).",
)
@click.option(
    "--days", type=click.IntRange(min=1, max=366), default=181, show_default=True, help="The period's length."
)
def replay_command(database_url, total, scale, workers, staff_text, seed, start_text, days) -> None:
    """Generate a province's half-year of dossiers (the mix of engine/replay/mix.py) and drive them
    through the engine, officers simulated per role on the office's calendar; then account for
    every dossier and set the generated shares beside those measured in the database."""
    if total is not None and scale is not None:
        raise click.UsageError("give --dossiers or --scale, not both")
    try:
        period_start = date.fromisoformat(start_text)
    except ValueError:
        raise click.BadParameter(f"'{start_text}' is not YYYY-MM-DD", param_hint="--start") from None
    total = total or round(mix.HALF_YEAR_DOSSIERS * (scale or 1.0)) or 1
    staff = scaled_staff(total, _staff(staff_text))
    settings = Settings.from_env(**({"database_url": database_url} if database_url else {}))
    clock = ManualClock(datetime.combine(period_start, datetime.min.time(), UTC))
    runtime = Runtime.create(settings, clock)
    try:
        runtime.upgrade_database()
        with runtime.db.read() as session:
            already = session.scalar(select(func.count(Dossier.id))) or 0
        if already:
            _refuse(
                f"the database already holds {already:,} dossiers; a replay needs one without any, "
                "so that every dossier it counts is its own"
            )
        catalogue = runtime.load_catalogue()
        runtime.deploy(catalogue, by="replay")
        with runtime.db.read() as session:
            calendar = load_calendar(session, settings)
        plan = make_replay(catalogue, calendar, total, seed, period_start, days, staff)
        add_officers(runtime, plan)
    finally:
        runtime.close()
    click.echo(
        f"Replay: {len(plan.plans):,} dossiers of {len({p.procedure for p in plan.plans})} procedures, "
        f"{period_start} to {period_start + timedelta(days=days - 1)}, seed {seed}, {workers} worker(s)"
    )
    click.echo("Staff: " + ", ".join(f"{role} {n}" for role, n in plan.staff.items()))
    with _progress(len(plan.plans)) as update:
        result = drive(settings, plan, workers, update)
    rate = result.dossiers / result.seconds if result.seconds else 0.0
    click.echo(
        f"Done in {result.seconds:,.0f} s: {rate:,.1f} dossiers/s, {result.steps:,} steps "
        f"({result.steps / max(result.dossiers, 1):.1f} per dossier)"
    )
    runtime = Runtime.create(settings, clock)
    try:
        with runtime.db.read() as session:
            accounting = measure(session, plan)
    finally:
        runtime.close()
    _report(accounting, plan)
    for failure in result.failures[:10]:
        click.echo(
            f"failed: {failure.procedure} ({failure.outcome}) {failure.dossier or '(not submitted)'} "
            f"step {failure.step}: {failure.error}",
            err=True,
        )
    if result.failures or not accounting.balanced:
        _refuse(
            f"{len(result.failures)} dossier(s) failed on the way; every dossier accounted for: {accounting.balanced}"
        )


@contextmanager
def _progress(total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on a terminal; into a log (a run of an hour, under nohup), a line at every tenth
    of the dossiers with the rate and the time left, since a bar redraws nothing there."""
    if sys.stdout.isatty():
        with click.progressbar(length=total, label="Dossiers", show_pos=True, show_eta=True) as bar:
            yield bar.update
        return
    began, done, shown = time.monotonic(), 0, 0

    def update(count: int) -> None:
        nonlocal done, shown
        done += count
        tenth = done * 10 // total
        if tenth > shown:
            shown = tenth
            rate = done / max(time.monotonic() - began, 1e-9)
            left = (total - done) / rate
            click.echo(
                f"Dossiers: {done:,} of {total:,} ({done / total:.0%}), {rate:,.1f}/s, about {left / 60:,.0f} min left"
            )

    yield update


def _refuse(message: str) -> None:
    """One `error: ...` line and exit status 1, as the other commands answer."""
    click.echo(f"error: {message}", err=True)
    click.get_current_context().exit(1)


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def _report(accounting: Accounting, plan) -> None:
    a = accounting
    click.echo("Accounting")
    click.echo(f"  received  {a.received:>9,}")
    click.echo(f"  finished  {a.finished:>9,}")
    click.echo(f"  open      {a.open:>9,}")
    click.echo(f"  received = finished + open: {'yes' if a.balanced else 'NO'}")
    click.echo("  by status:")
    for status, count in sorted(a.by_status.items()):
        click.echo(f"    {status:>2} {DossierStatus(status).label_en:<24} {count:>9,}")
    click.echo(f"  {'share':<24} {'generated':>9} {'measured':>9}")
    for share in a.shares:
        click.echo(f"  {share.name:<24} {_percent(share.generated):>9} {_percent(share.measured):>9}")
    click.echo("  " + ", ".join(f"{name} {count:,}" for name, count in a.events.items()))
    click.echo(f"  on time: {_percent(a.on_time)} of {a.processed:,} dossiers processed ({a.late:,} late)")
    if a.overdue is not None:
        click.echo(f"  still in processing past their appointment at the end: {a.overdue:,}")
    backlog = ", ".join(f"{role} {n:,}" for role, n in sorted(a.backlog_by_role.items())) or "none"
    click.echo(f"  backlog at the end, open tasks by role: {backlog}")
    units = ", ".join(f"{unit} {n:,}" for unit, n in sorted(a.backlog_by_unit.items())) or "none"
    click.echo(f"  open dossiers by unit: {units}")
    used = ", ".join(
        f"{role} {plan.busy_minutes.get(role, 0) / (plan.office_minutes * n):.0%}"
        for role, n in plan.staff.items()
        if plan.office_minutes
    )
    click.echo(f"  officers' time used over the period: {used}")
