"""The leaders' team view: their unit's open and overdue tasks per officer and per role, oldest
work first, and reassigning a task from there (the engine checks the leader's role again)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.dossiers import inbox, team
from engine.errors import EngineError
from engine.people.assignment import LEADER_ROLE
from engine.people.officers import Actor, user_by_name
from engine.sla.office_calendar import current_calendar

from .auth import holds_role, role_required
from .context import flash_error, runtime

bp = Blueprint("team", __name__, url_prefix="/officer/team")


@bp.app_template_global()
def is_leader() -> bool:
    return holds_role(LEADER_ROLE)


def _led_units() -> list[str]:
    return sorted(inbox.Officer(g.officer.id, tuple(g.officer_roles)).led_units)


def _unit(raw: str | None) -> str:
    """The unit asked for, if this leader leads it (another unit's team is not theirs to see)."""
    units = _led_units()
    if not raw:
        return units[0]
    if raw not in units:
        abort(404)
    return raw


@bp.get("/")
@role_required(LEADER_ROLE)
def index():
    unit = _unit(request.args.get("unit"))
    rt = runtime()
    with rt.db.read() as db:
        calendar = current_calendar(db, rt.settings)
        view = team.team(db, unit, rt.clock.now(), calendar)
    return render_template("inbox/team.html", team=view, units=_led_units(), unit=unit)


@bp.post("/reassign")
@role_required(LEADER_ROLE)
def reassign():
    unit = _unit(request.form.get("unit"))
    back = redirect(url_for("team.index", unit=unit) + "#tasks")
    task_id, to = request.form.get("task_id", ""), request.form.get("to", "").strip()
    if not task_id.isdigit():
        abort(400)
    with runtime().db.read() as db:
        info = inbox.task_info(db, int(task_id))
    if info is None or info.unit_code != unit:
        abort(404)
    if not to:
        flash(_("Choose the colleague to give the task to."), "error")
        return back
    try:
        runtime().dossiers.reassign(info.id, Actor.of(g.officer), to)
    except EngineError as e:
        flash_error(e)
    else:
        with runtime().db.read() as db:
            name = user_by_name(db, to).full_name
        flash(
            _("%(code)s – %(task)s has been given to %(name)s.", code=info.dossier_code, task=info.title, name=name),
            "success",
        )
    return back
