"""`motcua calendar` and `motcua flag-late`: the office's working-day calendar, deadlines, late dossiers."""

from __future__ import annotations

from datetime import datetime

import click

from cli.common import get_runtime, parse_date
from engine.sla.office_calendar import list_days, load_calendar, remove_day, set_day


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
@click.option("--holiday", "kind", flag_value="holiday", help="A day off for the office.")
@click.option("--workday", "kind", flag_value="workday", help="A working day for the office.")
@click.option("--note", default="", help="Why (shown in the list).")
def calendar_add(day, kind, note) -> None:
    """Add the office's own day off or working day."""
    if kind is None:
        raise click.UsageError("say --holiday or --workday")
    with get_runtime().db.write() as session:
        set_day(session, parse_date(day), kind == "workday", note)
    click.echo(f"{day}: {'working day' if kind == 'workday' else 'day off'}")


@calendar.command("remove")
@click.argument("day")
def calendar_remove(day) -> None:
    """Drop the office's own change for a day."""
    with get_runtime().db.write() as session:
        remove_day(session, parse_date(day))
    click.echo(f"{day}: national calendar")


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
