"""The public statistics page (no login): the office's figures per month and procedure.

Only aggregates reach the template (engine.figures.public); the view parses the month range.
"""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import Blueprint, render_template, request
from flask_babel import format_percent

from engine.figures.public import PeriodError, cached_statistics, check_period

from .context import runtime
from .i18n import pick

bp = Blueprint("statistics", __name__)

DEFAULT_MONTHS = 6


def _month(text: str) -> date | None:
    """'2026-03' (what a month field sends) as its first day; None when it is not a month."""
    try:
        year, month = (int(part) for part in text.strip().split("-"))
        return date(year, month, 1) if 2000 <= year <= 2100 else None
    except ValueError:
        return None


def _default_period(today: date) -> tuple[date, date]:
    last = today.replace(day=1)
    year, month = divmod(last.year * 12 + last.month - 1 - (DEFAULT_MONTHS - 1), 12)
    return date(year, month + 1, 1), last


@bp.get("/statistics")
def index():
    zone = ZoneInfo(runtime().settings.timezone)
    first, last = _default_period(runtime().clock.now().astimezone(zone).date())
    errors: dict[str, str] = {}
    given = {"from": request.args.get("from", ""), "to": request.args.get("to", "")}
    for name, default in (("from", first), ("to", last)):
        if not given[name]:
            given[name] = default.strftime("%Y-%m")
        elif _month(given[name]) is None:
            errors[name] = pick(
                {"vi": "Nhập tháng dạng NNNN-TT, ví dụ 2026-03", "en": "Enter a month as YYYY-MM, e.g. 2026-03"}
            )
    figures = None
    if not errors:
        try:
            first, last = check_period(_month(given["from"]), _month(given["to"]))
        except PeriodError as e:
            errors["to"] = pick(e.message)
    if not errors:
        with runtime().db.read() as session:
            figures = cached_statistics(session, runtime().settings.database_url, first, last, zone)
    page = render_template(
        "statistics/index.html",
        figures=figures,
        given=given,
        errors=errors,
        percent=lambda share: format_percent(share, "#,##0.0%"),
        month_name=_month_name,
    )
    return page, (400 if errors else 200)


def _month_name(month: date) -> str:
    return f"{month.month:02d}/{month.year}"
