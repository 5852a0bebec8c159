"""The administrator's pages for the office itself: units, officers, role grants and the office
calendar. Views parse the form and call the engine's checked functions
(engine.people.administration, engine.sla.office_calendar), which refuse a bad input before
writing anything and record every change in the administration's log, shown under each page.
"""

from __future__ import annotations

from datetime import date

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from engine.errors import EngineError, FormError
from engine.people import administration as people
from engine.people.officers import Actor
from engine.sla import office_calendar

from .admin import admin_required, bp
from .context import field_errors, flash_error, runtime
from .links import public_url_for


def _actor() -> Actor:
    return Actor.of(g.officer)


def _reset_link(token: str) -> str:
    return public_url_for("auth.reset_password", token=token)


def _change(area: str, action, done):
    """Run one change in a write transaction; returns (result, errors). A refusal writes nothing:
    form errors come back to show beside the fields, other refusals are flashed."""
    rt = runtime()
    try:
        with rt.db.write() as db:
            result = action(db, rt.clock.now())
    except FormError as e:
        return None, field_errors(e)
    except EngineError as e:
        flash_error(e)
        return None, None
    except IntegrityError:  # another administrator changed the same thing at the same moment
        flash(_("Someone else changed this at the same moment; nothing was saved. Try again."), "error")
        return None, None
    flash(done(result) if callable(done) else done, "success")
    return result, {}


def _page(template: str, area: str, status: int = 200, **context):
    with runtime().db.read() as db:
        changes = people.latest_changes(db, area)
        units = people.units(db)
        roles = people.roles(db)
        officers = people.officers(db)
        days = office_calendar.list_days(db, context.get("year")) if area == "calendar" else []
    return render_template(
        template, changes=changes, units=units, roles=roles, officers=officers, days=days, **context
    ), status


def _form() -> dict[str, str]:
    return {k: v for k, v in request.form.items() if k != "csrf_token"}


# --- units ---------------------------------------------------------------------------------------


@bp.get("/units")
@admin_required
def units():
    return _page("admin/units.html", "units", errors={}, values={}, editing=None)


@bp.post("/units")
@admin_required
def add_unit():
    values = _form()
    _result, errors = _change(
        "units",
        lambda db, now: people.add_unit(db, values, _actor(), now),
        _("Unit %(code)s added.", code=values.get("code", "").strip()),
    )
    if errors:
        return _page("admin/units.html", "units", 400, errors=errors, values=values, editing=None)
    return redirect(url_for("admin.units"))


@bp.post("/units/<code>")
@admin_required
def rename_unit(code: str):
    values = _form()
    _result, errors = _change(
        "units",
        lambda db, now: people.rename_unit(db, code, values, _actor(), now),
        _("Unit %(code)s renamed.", code=code),
    )
    if errors:
        return _page("admin/units.html", "units", 400, errors=errors, values=values, editing=code)
    return redirect(url_for("admin.units"))


# --- officers ------------------------------------------------------------------------------------


@bp.get("/officers")
@admin_required
def officers():
    return _page("admin/officers.html", "officers", errors={}, values={}, link=None)


@bp.post("/officers")
@admin_required
def create_officer():
    values = _form()
    password = values.pop("password", "") if values.get("first") == "password" else ""
    if values.get("first") == "password" and not password:
        errors = {"password": _("Enter a first password, or choose a reset link instead")}
        return _page("admin/officers.html", "officers", 400, errors=errors, values=values, link=None)
    created, errors = _change(
        "officers",
        lambda db, now: people.create_officer(db, values, password or None, _actor(), now, _reset_link),
        _("Officer %(name)s created.", name=values.get("username", "").strip()),
    )
    if errors:
        return _page("admin/officers.html", "officers", 400, errors=errors, values=values, link=None)
    link = created[1] if created else None
    return _page("admin/officers.html", "officers", errors={}, values={}, link=link)


@bp.post("/officers/<username>/active")
@admin_required
def set_active(username: str):
    active = request.form.get("active") == "1"

    def said(released: int) -> str:
        if active:
            return _("%(name)s can log in again.", name=username)
        return _(
            "%(name)s is deactivated and can no longer log in; %(count)s open task(s) went back to their role's pool.",
            name=username,
            count=released,
        )

    _change("officers", lambda db, now: people.set_active(db, username, active, _actor(), now), said)
    return redirect(url_for("admin.officers"))


@bp.post("/officers/<username>/password")
@admin_required
def reset_password(username: str):
    password = request.form.get("password", "")
    link, errors = _change(
        "officers",
        lambda db, now: people.reset_officer_password(db, username, password or None, _actor(), now, _reset_link),
        _("The password of %(name)s was changed; their logins have ended.", name=username),
    )
    if errors:
        for message in errors.values():
            flash(f"{username}: {message}", "error")
    return _page("admin/officers.html", "officers", 400 if errors else 200, errors={}, values={}, link=link)


# --- role grants ---------------------------------------------------------------------------------


@bp.get("/roles")
@admin_required
def roles():
    return _page("admin/roles.html", "roles", errors={}, values={})


@bp.post("/roles/<action>")
@admin_required
def change_role(action: str):
    if action not in ("grant", "revoke"):
        return redirect(url_for("admin.roles"))
    values = _form()
    fn = people.grant_role if action == "grant" else people.revoke_role
    names = {k: values.get(k, "") for k in ("username", "role", "unit")}

    def said(changed: bool) -> str:
        if action == "grant":
            return (
                _("%(username)s now holds %(role)s in %(unit)s.", **names)
                if changed
                else _("%(username)s already held %(role)s in %(unit)s: nothing changed.", **names)
            )
        return (
            _("%(username)s no longer holds %(role)s in %(unit)s.", **names)
            if changed
            else _("%(username)s did not hold %(role)s in %(unit)s: nothing changed.", **names)
        )

    _result, errors = _change("roles", lambda db, now: fn(db, values, _actor(), now), said)
    if errors:
        return _page("admin/roles.html", "roles", 400, errors=errors, values=values)
    return redirect(url_for("admin.roles"))


# --- the office calendar -------------------------------------------------------------------------


def _year() -> int:
    raw = request.args.get("year", "")
    today = runtime().clock.now().year
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else today


@bp.get("/calendar")
@admin_required
def calendar():
    return _page("admin/calendar.html", "calendar", errors={}, values={}, year=_year())


@bp.post("/calendar")
@admin_required
def add_day():
    values = _form()
    rt = runtime()

    def said(moved: int) -> str:
        return _("Calendar changed; %(count)s open dossier(s) got a new appointment.", count=moved)

    _result, errors = _change(
        "calendar", lambda db, now: office_calendar.set_calendar_day(db, rt.settings, values, _actor(), now), said
    )
    if errors:
        return _page("admin/calendar.html", "calendar", 400, errors=errors, values=values, year=_year())
    year = values.get("day", "")[-4:] if "/" in values.get("day", "") else values.get("day", "")[:4]
    return redirect(url_for("admin.calendar", year=year if year.isdigit() else None))


@bp.post("/calendar/<day>/remove")
@admin_required
def remove_day(day: str):
    try:
        when = date.fromisoformat(day)
    except ValueError:
        flash(_("Not a date: %(day)s", day=day), "error")
        return redirect(url_for("admin.calendar"))
    rt = runtime()
    _change(
        "calendar",
        lambda db, now: office_calendar.remove_calendar_day(db, rt.settings, when, _actor(), now),
        lambda moved: _(
            "The change for %(day)s was removed; %(count)s open dossier(s) got a new appointment.",
            day=when.strftime("%d/%m/%Y"),
            count=moved,
        ),
    )
    return redirect(url_for("admin.calendar", year=when.year))
