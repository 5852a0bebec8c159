"""Decision tables in the designers' studio: the list of bpmn/dmn/ tables with the procedures
calling each, a table opened in dmn-js, its draft saved or discarded, checked, evaluated on inputs
typed on the page, and deployed with the procedures calling it (engine.design.decisions does the
work). Routes of the `designer` blueprint, behind the same role; JSON to the page's scripts, a page
or redirect otherwise."""

from __future__ import annotations

from dataclasses import asdict

from flask import abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.design.decisions import DecisionRefused, Decisions
from engine.errors import EngineError

from .context import runtime
from .designer import bp, designer_required
from .files import xml_download
from .headers import DECISION_TABLE_POLICY
from .i18n import pick


def _decisions() -> Decisions:
    return Decisions(runtime())


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _view_or_404(file: str):
    try:
        return _decisions().get(file)
    except DecisionRefused:
        abort(404)


def _refused(error: EngineError, file: str, status: int = 400):
    if _wants_json():
        return jsonify(error=pick(error.message)), status
    flash(pick(error.message), "error")
    return redirect(url_for("designer.decision", file=file))


@bp.get("/decisions")
@designer_required
def decisions():
    return render_template("designer/decisions.html", tables=_decisions().tables())


def _page(file: str, result=None, values=None, status: int = 200):
    view = _view_or_404(file)
    return (
        render_template(
            "designer/decision.html",
            view=view,
            variables=view.table.input_variables() if view.table else [],
            result=result,
            values=values or {},
        ),
        status,
    )


@bp.get("/decisions/<file>")
@designer_required
def decision(file: str):
    body, status = _page(file)
    return body, status, {"Content-Security-Policy": DECISION_TABLE_POLICY}


@bp.get("/decisions/<file>/table.dmn")
@designer_required
def decision_text(file: str):
    view = _view_or_404(file)
    return xml_download(view.file, view.text)


@bp.post("/decisions/<file>/save")
@designer_required
def decision_save(file: str):
    _view_or_404(file)
    if (request.content_length or 0) > 2 * runtime().settings.max_diagram_bytes:
        return _refused(DecisionRefused("Bảng quá lớn", "The table is too large"), file, 413)
    try:
        view = _decisions().save(file, request.form.get("dmn", ""), g.officer.id)
    except EngineError as err:
        return _refused(err, file)
    if _wants_json():
        return jsonify(saved=True, updated_at=view.draft_updated_at.isoformat())
    flash(_("Draft saved."), "success")
    return redirect(url_for("designer.decision", file=file))


@bp.post("/decisions/<file>/discard")
@designer_required
def decision_discard(file: str):
    _view_or_404(file)
    if _decisions().discard(file):
        flash(_("Draft discarded."), "success")
    else:
        flash(_("This table has no draft."), "info")
    return redirect(url_for("designer.decision", file=file))


@bp.post("/decisions/<file>/validate")
@designer_required
def decision_validate(file: str):
    _view_or_404(file)
    problems = _decisions().check(file)
    if _wants_json():
        return jsonify(problems=[{**asdict(p), "text": str(p)} for p in problems])
    for p in problems:
        flash(str(p), "error")
    if not problems:
        flash(_("No problems found."), "success")
    return redirect(url_for("designer.decision", file=file))


@bp.post("/decisions/<file>/deploy")
@designer_required
def decision_deploy(file: str):
    _view_or_404(file)
    try:
        result = _decisions().deploy(file, g.officer.id)
    except EngineError as err:
        return _refused(err, file, 409)
    flash(_("Deployed with the procedures calling it: %(versions)s.", versions=result.describe()), "success")
    return redirect(url_for("designer.decision", file=file))


@bp.post("/decisions/<file>/evaluate")
@designer_required
def decision_evaluate(file: str):
    _view_or_404(file)
    values = {k: v for k, v in request.form.items() if k != "csrf_token"}
    try:
        result = _decisions().evaluate(file, values)
    except EngineError as err:
        if _wants_json():
            return jsonify(error=pick(err.message)), 400
        flash(pick(err.message), "error")
        return (*_page(file, values=values, status=400), {"Content-Security-Policy": DECISION_TABLE_POLICY})
    if _wants_json():
        return jsonify(matched=result.matched, matched_ids=result.matched_ids, outputs=_plain(result.outputs))
    return (*_page(file, result=result, values=values), {"Content-Security-Policy": DECISION_TABLE_POLICY})


def _plain(outputs: dict) -> dict:
    """Outputs as JSON can carry them (a date as its ISO text)."""
    return {
        k: v if isinstance(v, str | int | float | bool | list | dict | None) else str(v) for k, v in outputs.items()
    }
