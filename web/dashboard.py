"""The managers' dashboard at /dashboard (roles `leadership` and the read-only `manager`): the
figures of a period for the units they lead or manage, as tables with charts beside them, the
Decision 766 service index, and both as CSV or XLSX downloads. The figures are engine.figures'."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, g, render_template, request
from flask_babel import gettext as _

from engine.figures import export
from engine.figures.dashboard import dashboard, procedure_codes
from engine.figures.index766 import service_index
from engine.figures.period import FiguresError, Filters, parse_day
from engine.people.assignment import LEADER_ROLE

from .auth import holds_role, role_required
from .context import runtime
from .files import download
from .i18n import lang, pick

MANAGER_ROLE = "manager"
ROLES = (LEADER_ROLE, MANAGER_ROLE)

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")


@bp.app_template_global()
def may_see_figures() -> bool:
    return holds_role(*ROLES)


@bp.app_template_global()
def only_reads_figures() -> bool:
    """An officer whose only role is `manager`: no inbox, the dashboard is their page."""
    roles = {role for role, _unit in g.get("officer_roles", ())}
    return roles == {MANAGER_ROLE}


def _units() -> list[str]:
    """The units whose figures this officer may see: those they lead or manage."""
    return sorted({unit for role, unit in g.officer_roles if role in ROLES})


def _default_period(today: date) -> tuple[date, date]:
    """The last six months, to today: the span of the office's half-yearly report."""
    first = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    for _month in range(4):
        first = (first - timedelta(days=1)).replace(day=1)
    return first, today


def _read_filters() -> tuple[Filters | None, dict[str, str], dict[str, str]]:
    """The filters asked for, the form's values as typed, and the errors by field."""
    rt = runtime()
    zone = ZoneInfo(rt.settings.timezone)
    first, last = _default_period(rt.clock.now().astimezone(zone).date())
    form = {  # the default period written day first, as the fields' hints ask for a date
        "from": request.args.get("from", first.strftime("%d/%m/%Y")).strip(),
        "to": request.args.get("to", last.strftime("%d/%m/%Y")).strip(),
        "unit": request.args.get("unit", "").strip(),
        "procedure": request.args.get("procedure", "").strip().upper(),
    }
    errors: dict[str, str] = {}
    days = {}
    for name, vi, en in (("from", "Từ ngày", "First day"), ("to", "Đến ngày", "Last day")):
        try:
            days[name] = parse_day(form[name], vi, en)
        except FiguresError as e:
            errors[name] = pick(e.message)
    units = _units()
    if form["unit"] and form["unit"] not in units:
        errors["unit"] = _("Choose one of your units.")
    with rt.db.read() as db:
        if form["procedure"] and form["procedure"] not in procedure_codes(db):
            errors["procedure"] = _("Choose a procedure of the list.")
    if errors:
        return None, form, errors
    try:
        filters = Filters(
            days["from"], days["to"], (form["unit"],) if form["unit"] else tuple(units), form["procedure"] or None
        )
    except FiguresError as e:
        return None, form, {"from": pick(e.message)}
    return filters, form, errors


@bp.get("/")
@role_required(*ROLES)
def index():
    rt = runtime()
    filters, form, errors = _read_filters()
    with rt.db.read() as db:
        procedures = procedure_codes(db)
        figures = index766 = None
        if filters is not None:
            now, zone = rt.clock.now(), ZoneInfo(rt.settings.timezone)
            figures = dashboard(db, filters, now, zone)
            index766 = service_index(db, filters, now, zone)
    sheets = {s.key: s for s in export.dashboard_sheets(figures)} if figures else {}
    return (
        render_template(
            "dashboard/index.html",
            form=form,
            errors=errors,
            units=_units(),
            procedures=procedures,
            figures=figures,
            sheets=sheets,
            index=index766,
            labels=export,
        ),
        400 if errors else 200,
    )


@bp.get("/export.<fmt>")
@role_required(*ROLES)
def export_figures(fmt: str):
    """The page's figures and index as one CSV, or an XLSX workbook with a sheet for each table."""
    if fmt not in ("csv", "xlsx"):
        abort(404)
    filters, _form, errors = _read_filters()
    if filters is None:
        abort(400, "; ".join(errors.values()))
    rt = runtime()
    now, zone = rt.clock.now(), ZoneInfo(rt.settings.timezone)
    with rt.db.read() as db:
        sheets = export.dashboard_sheets(dashboard(db, filters, now, zone))
        sheets += export.index_sheets(service_index(db, filters, now, zone))
    name = f"motcua-figures-{filters.first.isoformat()}-{filters.last.isoformat()}"
    if fmt == "csv":
        # with a byte-order mark, so a spreadsheet opens the Vietnamese text as UTF-8 (the response
        # names the charset itself for a text/ type: naming it here too sent it twice)
        return download(f"{name}.csv", "text/csv", ("\ufeff" + export.to_csv(sheets, lang())).encode())
    return download(
        f"{name}.xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        export.to_xlsx(sheets, lang()),
    )
