"""The studio's version pages: a procedure's versions, deploy log and drafts; two versions
compared on their diagrams; running dossiers moved between versions (dry run first); and the
incidents of live dossiers, retried from the page. Beside the studio under /designer/, for the same role."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.design import version_pages
from engine.design.migration import migrate, plan_migration
from engine.errors import EngineError, NotFound, StepFailed
from engine.people.officers import Actor

from .context import runtime
from .designer import _studio, designer_required
from .files import xml_download
from .i18n import pick

bp = Blueprint("designer_versions", __name__, url_prefix="/designer")


def _versions_or_404(code: str):
    try:
        return version_pages.versions(runtime(), code)
    except NotFound:
        abort(404)


def _number(name: str) -> int | None:
    """A version number from the query or the form; None when absent, -1 when not a number."""
    raw = (request.values.get(name) or "").strip().lstrip("vV")
    if not raw:
        return None
    return int(raw) if raw.isdigit() and len(raw) < 9 else -1


def _bad_numbers(code: str, *numbers: int | None):
    """Flash why version numbers are unusable and go back to the procedure page; None if usable."""
    if any(n is None or n < 0 for n in numbers):
        flash(_("Choose two versions by their numbers (for example 1 and 2)."), "error")
        return redirect(url_for("designer_versions.procedure", code=code))
    return None


@bp.get("/procedures/<code>")
@designer_required
def procedure(code: str):
    versions = _versions_or_404(code)
    row = next((p for p in _studio().overview() if p.code == code), None)
    live = next((v.number for v in versions if v.live), versions[-1].number)
    return render_template(
        "designer/procedure.html",
        code=code,
        procedure=row,
        versions=list(reversed(versions)),
        live=live,
        log=version_pages.deploy_log(runtime(), code),
        incidents=version_pages.incidents(runtime(), code),
    )


@bp.get("/procedures/<code>/versions/<int:number>/diagram.bpmn")
@designer_required
def version_diagram(code: str, number: int):
    try:
        text = version_pages.main_diagram(runtime(), code, number)
    except NotFound:
        abort(404)
    return xml_download(f"{code}-v{number}.bpmn", text)


@bp.get("/procedures/<code>/diff")
@designer_required
def diff(code: str):
    versions = _versions_or_404(code)
    a, b = _number("a"), _number("b")
    if a is None and b is None and len(versions) > 1:  # by default: the live version against the one before it
        b = next((v.number for v in versions if v.live), versions[-1].number)
        a = b - 1 if b > 1 else b + 1
    if bad := _bad_numbers(code, a, b):
        return bad
    if a == b:
        flash(_("Choose two different versions to compare."), "error")
        return redirect(url_for("designer_versions.procedure", code=code))
    try:
        found = version_pages.compare(runtime(), code, a, b)
    except EngineError as err:
        flash(pick(err.message), "error")
        return redirect(url_for("designer_versions.procedure", code=code))
    markers = {
        "added": [e.id for e in found.added],
        "removed": [e.id for e in found.removed],
        "changed": [c.element.id for c in found.changed],
    }
    return render_template("designer/diff.html", code=code, diff=found, versions=versions, markers=markers)


def _plan_or_back(code: str, a: int | None, b: int | None, dossiers=None, actor: Actor | None = None):
    if bad := _bad_numbers(code, a, b):
        return None, bad
    try:
        if actor is None:
            return plan_migration(runtime(), code, a, b, dossiers), None
        return migrate(runtime(), code, a, b, actor, dossiers), None
    except EngineError as err:
        flash(pick(err.message), "error")
        return None, redirect(url_for("designer_versions.procedure", code=code))


@bp.get("/procedures/<code>/migrate")
@designer_required
def migration(code: str):
    versions = _versions_or_404(code)
    plan, back = _plan_or_back(code, _number("from"), _number("to"))
    if back:
        return back
    return render_template("designer/migrate.html", code=code, plan=plan, versions=versions, done=False)


@bp.post("/procedures/<code>/migrate")
@designer_required
def migration_move(code: str):
    versions = _versions_or_404(code)
    a, b = _number("from"), _number("to")
    ticked = None if request.form.get("all") else request.form.getlist("dossier")
    if ticked is not None and not ticked:
        flash(_("Tick the dossiers to move, or move all movable ones."), "error")
        if bad := _bad_numbers(code, a, b):
            return bad
        return redirect(url_for("designer_versions.migration", code=code, **{"from": a, "to": b}))
    plan, back = _plan_or_back(code, a, b, ticked, Actor.of(g.officer))
    if back:
        return back
    moved = sum(item.moved for item in plan.items)
    flash(
        _("%(moved)s of %(count)s dossier(s) moved to v%(to)s.", moved=moved, count=len(plan.items), to=b),
        "success" if moved else "error",
    )
    return render_template("designer/migrate.html", code=code, plan=plan, versions=versions, done=True)


@bp.get("/incidents")
@designer_required
def incidents():
    procedure_code = (request.args.get("procedure") or "").strip() or None
    resolved = request.args.get("resolved") == "1"
    found = version_pages.incidents(runtime(), procedure_code, include_resolved=resolved)
    codes = sorted({p.code for p in _studio().overview() if p.versions})
    return render_template(
        "designer/incidents.html", incidents=found, procedure=procedure_code, resolved=resolved, codes=codes
    )


@bp.post("/incidents/<int:incident_id>/retry")
@designer_required
def retry_incident(incident_id: int):
    back = request.form.get("procedure") or None
    target = url_for("designer_versions.incidents", procedure=back) if back else url_for("designer_versions.incidents")
    try:
        incident = runtime().dossiers.retry_incident(incident_id, Actor.of(g.officer))
    except StepFailed as err:
        flash(_("Incident #%(id)s failed again: %(error)s", id=incident_id, error=pick(err.message)), "error")
        return redirect(target)
    except EngineError as err:
        flash(pick(err.message), "error")
        return redirect(target)
    flash(
        _("Incident #%(id)s resolved (%(how)s).", id=incident.id, how=incident.resolution or ""),
        "success",
    )
    return redirect(target)
