"""`motcua report`: the office's figures (dossiers finished on time, the forecast's error)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click

from cli.common import get_runtime, parse_date
from engine.sla.forecast import forecast_error
from engine.sla.reports import on_time_figures


@click.group()
def report() -> None:
    """The office's figures."""


@report.command("on-time")
@click.option("--from", "first", required=True, help="First day, YYYY-MM-DD (office time).")
@click.option("--to", "last", required=True, help="Last day, YYYY-MM-DD (inclusive).")
def report_on_time(first, last) -> None:
    """Share of dossiers whose processing finished on or before their appointment."""
    runtime = get_runtime()
    with runtime.db.read() as session:
        figures = on_time_figures(session, parse_date(first), parse_date(last), ZoneInfo(runtime.settings.timezone))

    def line(label, f):
        share = "-" if f.share is None else f"{100 * f.share:.1f}%"
        return f"{label:<12} {f.finished:>6} finished  {f.on_time:>6} on time  {f.late:>6} late  {share:>7}"

    click.echo(line("overall", figures.overall))
    for code, f in sorted(figures.by_procedure.items()):
        click.echo(line(code, f))
    for unit, f in sorted(figures.by_unit.items()):
        click.echo(line(unit, f))


@report.command("forecast-error")
@click.option("--from", "first", required=True, help="First day of submission, YYYY-MM-DD (office time).")
@click.option("--to", "last", required=True, help="Last day of submission, YYYY-MM-DD (inclusive).")
def report_forecast_error(first, last) -> None:
    """How far the expected finish, as forecast when each dossier was submitted, fell from when
    its processing really finished (dossiers submitted in the period and finished since)."""
    runtime = get_runtime()
    with runtime.db.read() as session:
        error = forecast_error(session, runtime.settings, parse_date(first), parse_date(last))
    click.echo(f"finished dossiers        {error.dossiers:>8}")
    click.echo(f"with a forecast          {error.forecast:>8}")
    if error.mean_absolute_days is None:
        click.echo("not enough data before the period to forecast any of them")
        return
    click.echo(f"mean absolute error      {error.mean_absolute_days:>8.2f} working days")
    click.echo(f"mean signed error        {error.mean_signed_days:>+8.2f} working days (above 0: forecast too late)")
    click.echo(f"within one working day   {100 * error.within_one_day:>7.1f}%")
