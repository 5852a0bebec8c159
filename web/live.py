"""The live diagram of a deployed version (issue 12, item 10): on each element the dossiers waiting
there, the overdue ones, and the mean / p90 time finished visits took (engine.design.live measures
them); a table of the same beside it; an element's waiting dossiers on request.

Designers see it, and so do leaders (they answer for the office's delays): the figures are the
procedure's over every unit, while a leader's list of waiting dossiers holds only the units they
lead; a dossier in the list links to the officer's dossier page only where the viewer may open it.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, g, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from engine.design.drafts import Studio
from engine.design.live import ElementFigures, live_overview, live_view, waiting_at
from engine.dossiers.inbox import Officer
from engine.errors import NotFound
from engine.people.assignment import LEADER_ROLE

from .auth import holds_role, role_required
from .context import runtime
from .designer import DESIGNER_ROLE, is_designer
from .files import xml_download
from .i18n import lang, pick

bp = Blueprint("live", __name__, url_prefix="/designer")


# designers watch their procedures run; leaders watch their units' work
WATCHERS = (DESIGNER_ROLE, LEADER_ROLE)
watcher_required = role_required(*WATCHERS)


def _version_arg() -> int | None:
    """?version=N; anything else than a positive number is a 404 like an unknown version."""
    raw = request.args.get("version", "")
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1:
        abort(404)
    return int(raw)


@bp.app_template_global()
def duration(seconds: float | None) -> str:
    """A time spent, in the largest two units that say it (3 d 4 h, 2 h 10 min, 45 s)."""
    if seconds is None:
        return "–"
    s = round(seconds)
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return _("%(d)s d %(h)s h", d=days, h=hours)
    if hours:
        return _("%(h)s h %(m)s min", h=hours, m=minutes)
    if minutes:
        return _("%(m)s min", m=minutes)
    return _("%(s)s s", s=secs)


def _element_label(e: ElementFigures) -> str:
    return e.name or e.element_id


def _painted(view) -> dict[str, dict]:
    """What the page's script paints on each element: counts, a line of times, and a label."""
    painted = {}
    for element, item in view.on_diagram().items():
        timed = [e for e in item["inner"] if e.visits]
        lines = [
            _(
                "%(name)s: %(waiting)s waiting, %(overdue)s overdue, mean %(mean)s, p90 %(p90)s (%(visits)s done)",
                name=_element_label(e),
                waiting=e.waiting,
                overdue=e.overdue,
                mean=duration(e.mean_seconds),
                p90=duration(e.p90_seconds),
                visits=e.visits,
            )
            for e in item["inner"]
        ]
        times = ""
        if len(timed) == 1:
            times = _(
                "mean %(mean)s · p90 %(p90)s", mean=duration(timed[0].mean_seconds), p90=duration(timed[0].p90_seconds)
            )
        painted[element] = {
            "waiting": item["waiting"],
            "overdue": item["overdue"],
            "times": times,
            "title": "\n".join(lines),
            "label": _(
                "%(waiting)s waiting, %(overdue)s overdue: list them", waiting=item["waiting"], overdue=item["overdue"]
            ),
        }
    return painted


@bp.app_template_global()
def may_watch() -> bool:
    return holds_role(*WATCHERS)


@bp.get("/live")
@watcher_required
def index():
    return render_template("designer/live_index.html", procedures=live_overview(runtime()))


@bp.get("/procedures/<code>/live")
@watcher_required
def live(code: str):
    try:
        view = live_view(runtime(), code, _version_arg())
    except NotFound:
        abort(404)
    return render_template("designer/live.html", view=view, painted=_painted(view), roles=_role_names())


def _role_names() -> dict[str, str]:
    """Lane codes -> the role's name in the page's language (lanes read "Phòng Thu", not "collection")."""
    return {code: names.get(lang()) or names.get("vi", code) for code, names in Studio(runtime()).role_names().items()}


@bp.get("/procedures/<code>/live/diagram.bpmn")
@watcher_required
def live_diagram(code: str):
    try:
        view = live_view(runtime(), code, _version_arg())
    except NotFound:
        abort(404)
    return xml_download(f"{code}-v{view.number}.bpmn", view.diagram)


@bp.get("/procedures/<code>/live/elements/<element>")
@watcher_required
def waiting(code: str, element: str):
    number = _version_arg()
    page = request.args.get("page", "1")
    officer = Officer(g.officer.id, tuple(g.officer_roles))
    # designers see every unit's; a leader only the dossiers of the units they lead
    units = None if is_designer() else officer.led_units
    try:
        listing = waiting_at(runtime(), code, element, number, int(page) if page.isdigit() else 1, units=units)
        view = live_view(runtime(), code, number)
    except NotFound as err:
        if request.accept_mimetypes.best == "application/json":
            return jsonify(error=pick(err.message)), 404
        abort(404)
    link = {
        i.code: url_for("inbox.dossier", code=i.code) for i in listing.items if officer.may_see_dossier(i.unit_code)
    }
    names = {e.element_id: _element_label(e) for e in view.elements}
    if request.accept_mimetypes.best == "application/json":
        return jsonify(
            element=element,
            total=listing.total,
            page=listing.page,
            pages=listing.pages,
            items=[
                {
                    "code": i.code,
                    "url": link.get(i.code),
                    "applicant": i.applicant,
                    "step": names.get(i.element_id, i.element_id),
                    "since": _dt(i.since),
                    "due": _dt(i.due),
                    "overdue": i.overdue,
                }
                for i in listing.items
            ],
        )
    return render_template("designer/live_waiting.html", view=view, listing=listing, link=link, names=names)


def _dt(value) -> str:
    # the app's own "dt" filter (web.i18n): the viewer's language and the office's time zone
    return current_app.jinja_env.filters["dt"](value) if value else "–"
