"""`motcua report`: the office's figures (dossiers finished on time, the forecast's error, the
managers' dashboard, the Decision 766 service index)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click

from cli.common import get_runtime, parse_date
from engine.data.models import Unit
from engine.errors import not_found
from engine.figures.dashboard import dashboard, procedure_codes
from engine.figures.export import dashboard_sheets, index_sheets, table, to_csv
from engine.figures.index766 import service_index
from engine.figures.period import Filters, parse_day
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


def _filters(first, last, unit, procedure) -> Filters:
    units = (unit,) if unit else None
    return Filters(
        parse_day(first, "Từ ngày (--from)", "First day (--from)"),
        parse_day(last, "Đến ngày (--to)", "Last day (--to)"),
        units,
        procedure.upper() if procedure else None,
    )


def _known(session, filters: Filters) -> None:
    """An unknown unit or procedure is an error, not an empty report."""
    if filters.units and session.get(Unit, filters.units[0]) is None:
        raise not_found("unit", filters.units[0])
    if filters.procedure and filters.procedure not in procedure_codes(session):
        raise not_found("procedure", filters.procedure)


def _print(sheets, fmt: str, lang: str) -> None:
    if fmt == "csv":
        click.echo(to_csv(sheets, lang), nl=False)
        return
    for sheet in sheets:
        header, rows = table(sheet, lang)
        cells = [header, *[["-" if v is None else str(v) for v in row] for row in rows]]
        widths = [max(len(str(r[i])) for r in cells) for i in range(len(header))]
        click.echo(sheet.title.en if lang == "en" else sheet.title.vi)
        for row in cells:
            click.echo(
                "  ".join(
                    str(v).ljust(w) if i == 0 else str(v).rjust(w)
                    for i, (v, w) in enumerate(zip(row, widths, strict=True))
                ).rstrip()
            )
        click.echo()


def _common(command):
    for option in reversed(
        [
            click.option("--from", "first", required=True, help="First day, YYYY-MM-DD (office time)."),
            click.option("--to", "last", required=True, help="Last day, YYYY-MM-DD (inclusive)."),
            click.option("--unit", default=None, help="One unit's dossiers (default: every unit)."),
            click.option("--procedure", default=None, help="One procedure's dossiers, e.g. P02."),
            click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True),
            click.option("--lang", type=click.Choice(["vi", "en"]), default="en", show_default=True),
        ]
    ):
        command = option(command)
    return command


@report.command("figures")
@_common
def report_figures(first, last, unit, procedure, fmt, lang) -> None:
    """The managers' dashboard: dossiers received in the period and what became of them, results,
    benefits paid, the backlog and overdue work now, by week and by month."""
    runtime = get_runtime()
    filters = _filters(first, last, unit, procedure)
    with runtime.db.read() as session:
        _known(session, filters)
        figures = dashboard(session, filters, runtime.clock.now(), ZoneInfo(runtime.settings.timezone))
    _print(dashboard_sheets(figures), fmt, lang)


@report.command("index")
@_common
def report_index(first, last, unit, procedure, fmt, lang) -> None:
    """The Decision 766 service index of the dossiers received in the period, for the office and
    per procedure: each sub-indicator's points, formula and inputs ("not measured yet" where
    Motcua cannot measure it)."""
    runtime = get_runtime()
    filters = _filters(first, last, unit, procedure)
    with runtime.db.read() as session:
        _known(session, filters)
        index = service_index(session, filters, runtime.clock.now(), ZoneInfo(runtime.settings.timezone))
    _print(index_sheets(index), fmt, lang)
