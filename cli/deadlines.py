"""`motcua calendar` and `motcua flag-late`: the office's working-day calendar, deadlines, late dossiers."""

from __future__ import annotations

from datetime import datetime

import click

from cli.common import get_actor, get_runtime
from engine.sla.office_calendar import list_days, load_calendar, parse_day, remove_calendar_day, set_calendar_day


@click.group()
def calendar() -> None:
    """The office's working-day calendar and deadlines."""


@calendar.command("deadline")
@click.option("--from", "start", required=True, help='When the dossier was accepted: "YYYY-MM-DD HH:MM" (office time).')
@click.option("--days", type=click.IntRange(min=0), required=True, help="The time limit.")
@click.option("--calendar-days", is_flag=True, help="The limit counts calendar days, not working days.")
@click.option(
    "--no-holidays",
    is_flag=True,
    help="The limit counts calendar days but not public holidays and Tết (unit calendar_no_holidays, e.g. P08).",
)
def calendar_deadline(start, days, calendar_days, no_holidays) -> None:
    """Print when a limit falls due, as YYYY-MM-DD HH:MM in office time."""
    try:
        accepted = datetime.strptime(start, "%Y-%m-%d %H:%M")
    except ValueError:
        raise click.BadParameter(f"'{start}' is not YYYY-MM-DD HH:MM", param_hint="--from") from None
    runtime = get_runtime()
    with runtime.db.read() as session:
        cal = load_calendar(session, runtime.settings)
    unit = "calendar_no_holidays" if no_holidays else "calendar" if calendar_days else "working"
    due = cal.deadline(accepted.replace(tzinfo=cal.zone), days, working=unit)
    click.echo(due.strftime("%Y-%m-%d %H:%M"))


@calendar.command("add")
@click.argument("day")
@click.option("--holiday", "kind", flag_value="off", help="A day off for the office.")
@click.option("--workday", "kind", flag_value="working", help="A working day for the office.")
@click.option("--note", default="", help="Why (shown in the list).")
@click.option("--as", "username", help="Who makes the change, as the change log names them (default: the system).")
def calendar_add(day, kind, note, username) -> None:
    """Add the office's own day off or working day: recorded in the administration change log, and
    open dossiers whose time limit runs over the day get a new appointment (as the admin page does)."""
    if kind is None:
        raise click.UsageError("say --holiday or --workday")
    runtime, actor = get_runtime(), get_actor(username)
    values = {"day": day, "kind": kind, "note": note}
    with runtime.db.write() as session:
        moved = set_calendar_day(session, runtime.settings, values, actor, runtime.clock.now())
    said = "working day" if kind == "working" else "day off"
    click.echo(f"{day}: {said}; {moved} open dossier(s) got a new appointment")


@calendar.command("remove")
@click.argument("day")
@click.option("--as", "username", help="Who makes the change, as the change log names them (default: the system).")
def calendar_remove(day, username) -> None:
    """Drop the office's own change for a day, recorded and with appointments moved back."""
    runtime, actor = get_runtime(), get_actor(username)
    with runtime.db.write() as session:
        moved = remove_calendar_day(session, runtime.settings, parse_day(day), actor, runtime.clock.now())
    click.echo(f"{day}: national calendar; {moved} open dossier(s) got a new appointment")


@calendar.command("list")
@click.option("--year", type=int)
def calendar_list(year) -> None:
    """The office's own changes to the national calendar."""
    with get_runtime().db.read() as session:
        for row in list_days(session, year):
            click.echo(f"{row.day.isoformat()}  {'working day' if row.working else 'day off'}  {row.note}")


@click.command("flag-late")
def flag_late() -> None:
    """Give an apology task (form 04) for each dossier that will miss its appointment within one
    working day; safe to run from several processes at once."""
    click.echo(f"{get_runtime().dossiers.flag_late_dossiers()} late dossier(s) flagged")
