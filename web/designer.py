"""The designers' studio: every procedure with its versions and drafts; a draft opened in bpmn-js
with a properties panel of our own, validated on the diagram, test-run along its declared paths,
and deployed only when that exact content passed (engine.design.drafts does the work).

Only officers holding the `designer` role come in; everyone else gets a 403. The actions answer
JSON to the page's scripts (Accept: application/json) and redirect with a message otherwise, so
every form also works without JavaScript.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import yaml
from flask import Blueprint, abort, flash, g, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.design.drafts import DraftRefused, Studio
from engine.design.task_forms import STUB_CHOICE, STUB_FIELD, read_task_form, set_step_limits, set_task_fields
from engine.errors import EngineError
from engine.forms import FIELD_TYPES

from .auth import holds_role, role_required
from .context import runtime
from .files import xml_download
from .i18n import lang, pick

bp = Blueprint("designer", __name__, url_prefix="/designer")

DESIGNER_ROLE = "designer"
# a form around the diagram: its fields and boundary take a few KB more than the file itself
UPLOAD_SLACK = 64 * 1024


@bp.app_template_global()
def is_designer() -> bool:
    return holds_role(DESIGNER_ROLE)


designer_required = role_required(DESIGNER_ROLE)


@bp.app_template_global()
def only_designs() -> bool:
    """An officer whose only role is `designer`: no inbox (a designer sees no dossiers), the studio is their page."""
    return {role for role, _unit in g.get("officer_roles", ())} == {DESIGNER_ROLE}


def _studio() -> Studio:
    return Studio(runtime())


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _refused(error: EngineError, status: int = 400, back: str | None = None):
    if _wants_json():
        return jsonify(error=pick(error.message)), status
    flash(pick(error.message), "error")
    return redirect(back or url_for("designer.index"))


@bp.get("/")
@designer_required
def index():
    return render_template("designer/index.html", procedures=_studio().overview())


@bp.post("/procedures/<code>/drafts")
@designer_required
def start(code: str):
    version = request.form.get("version", "")
    try:
        if version.isdigit():
            draft_id = _studio().start_from_version(int(version), g.officer.id)
        else:
            draft_id = _studio().start_from_files(code, g.officer.id)
    except EngineError as err:
        return _refused(err, 404)
    return redirect(url_for("designer.draft", draft_id=draft_id))


@bp.post("/procedures/<code>/import")
@designer_required
def import_diagram(code: str):
    # refused on the announced length, before the body is read
    limit = _studio().max_bytes
    if (request.content_length or 0) > limit + UPLOAD_SLACK:
        return _refused(
            DraftRefused(
                f"Tệp quá lớn (tối đa {limit / 1048576:g} MB)",
                f"The file is too large (at most {limit / 1048576:g} MB)",
            ),
            413,
        )
    upload = request.files.get("diagram")
    if upload is None or not upload.filename:
        return _refused(DraftRefused("Hãy chọn một tệp .bpmn", "Choose a .bpmn file"))
    try:
        imported = _studio().import_bpmn(code, upload.read(limit + 1), g.officer.id)
    except EngineError as err:
        return _refused(err)
    flash(_("Diagram imported as a draft. Check it to see what must change."), "success")
    # the importer's own list (lanes it matched to roles, attributes it dropped, what is left to do)
    for item in imported.items:
        flash(str(item), "info")
    return redirect(url_for("designer.draft", draft_id=imported.id))


def _draft_or_404(draft_id: int):
    try:
        return _studio().get(draft_id)
    except DraftRefused:
        abort(404)


@bp.get("/drafts/<int:draft_id>")
@designer_required
def draft(draft_id: int):
    detail = _draft_or_404(draft_id)
    roles = {code: names.get(lang()) or names.get("vi", code) for code, names in _studio().role_names().items()}
    return render_template(
        "designer/draft.html",
        draft=detail,
        roles=roles,
        paths=declared_paths(detail.meta_yaml),
        field_types=list(FIELD_TYPES),
    )


def declared_paths(meta_yaml: str) -> list[str]:
    """The path names the metadata declares, for the page's picker (none while it does not parse)."""
    try:
        raw = yaml.safe_load(meta_yaml)
    except yaml.YAMLError:
        return []
    paths = raw.get("paths") if isinstance(raw, dict) else None
    return [str(name) for name in paths] if isinstance(paths, dict) else []


@bp.get("/drafts/<int:draft_id>/diagram.bpmn")
@designer_required
def diagram(draft_id: int):
    detail = _draft_or_404(draft_id)
    return xml_download(f"{detail.code}-draft-{detail.id}.bpmn", detail.bpmn)


@bp.post("/drafts/<int:draft_id>/save")
@designer_required
def save(draft_id: int):
    back = url_for("designer.draft", draft_id=draft_id)
    if (request.content_length or 0) > 2 * _studio().max_bytes:
        return _refused(DraftRefused("Bản nháp quá lớn", "The draft is too large"), 413, back)
    _draft_or_404(draft_id)
    try:
        detail = _studio().save(draft_id, request.form.get("bpmn", ""), request.form.get("meta_yaml", ""))
    except EngineError as err:
        return _refused(err, 400, back)
    if _wants_json():
        return jsonify(saved=True, updated_at=detail.updated_at.isoformat(), tested=detail.tested)
    flash(_("Draft saved."), "success")
    return redirect(back)


def _problems_json(problems) -> list[dict]:
    return [asdict(p) for p in problems]


@bp.post("/drafts/<int:draft_id>/validate")
@designer_required
def validate(draft_id: int):
    _draft_or_404(draft_id)
    problems = _studio().validate(draft_id)
    if _wants_json():
        return jsonify(problems=_problems_json(problems))
    for p in problems:
        flash(f"{p.element}: {p.reason}" if p.element else p.reason, "error")
    if not problems:
        flash(_("No problems found."), "success")
    return redirect(url_for("designer.draft", draft_id=draft_id))


@bp.post("/drafts/<int:draft_id>/test-run")
@designer_required
def test_run(draft_id: int):
    _draft_or_404(draft_id)
    path = request.form.get("path") or None
    try:
        run = _studio().test_run(draft_id, path)
    except EngineError as err:
        return _refused(err, 400, url_for("designer.draft", draft_id=draft_id))
    if _wants_json():
        return jsonify(
            problems=_problems_json(run.problems), paths=[asdict(p) for p in run.paths], deployable=run.deployable
        )
    for p in run.problems:
        flash(f"{p.element}: {p.reason}" if p.element else p.reason, "error")
    for p in run.paths:
        flash(f"{p.path}: " + (_("passed") if p.ok else p.reason), "success" if p.ok else "error")
    return redirect(url_for("designer.draft", draft_id=draft_id))


@bp.post("/drafts/<int:draft_id>/deploy")
@designer_required
def deploy(draft_id: int):
    back = url_for("designer.draft", draft_id=draft_id)
    _draft_or_404(draft_id)
    try:
        result = _studio().deploy(draft_id, g.officer.id)
    except EngineError as err:
        return _refused(err, 409, back)
    if result.new:
        flash(
            _("%(code)s v%(number)s is live: new dossiers start on it.", code=result.code, number=result.number),
            "success",
        )
    else:
        flash(
            _(
                "This content was deployed before as v%(number)s; that version is live again.",
                number=result.number,
            ),
            "success",
        )
    return redirect(url_for("designer.index"))


@bp.post("/drafts/<int:draft_id>/discard")
@designer_required
def discard(draft_id: int):
    _draft_or_404(draft_id)
    _studio().discard(draft_id)
    flash(_("Draft discarded."), "success")
    return redirect(url_for("designer.index"))


# --- the properties panel's form fields and step limits: edits of the YAML text the page holds ---


def _meta_text(draft_id: int) -> str:
    """The metadata text the page sent (its unsaved edits), or the saved draft's."""
    if (request.content_length or 0) > 2 * _studio().max_bytes:
        raise DraftRefused("Siêu dữ liệu quá lớn", "The metadata is too large")
    text = request.form.get("meta_yaml")
    return _draft_or_404(draft_id).meta_yaml if text is None else text


def _json_field(name: str):
    text = request.form.get(name, "")
    if text == "":
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise DraftRefused(f"Trường {name} phải là JSON", f"{name} must be JSON") from None


def _form_json(form) -> dict:
    return {**asdict(form), "stub": STUB_FIELD, "stub_choice": STUB_CHOICE}


@bp.get("/drafts/<int:draft_id>/task-form/<task>")
@designer_required
def task_form_saved(draft_id: int, task: str):
    """A user task's fields and the limit's split, read from the draft's saved metadata."""
    try:
        form = read_task_form(_draft_or_404(draft_id).meta_yaml, task)
    except EngineError as err:
        return jsonify(error=pick(err.message)), 400
    return jsonify(_form_json(form))


@bp.post("/drafts/<int:draft_id>/task-form/read")
@designer_required
def task_form_read(draft_id: int):
    """The same, read from the YAML the page holds (its unsaved edits)."""
    _draft_or_404(draft_id)
    try:
        form = read_task_form(_meta_text(draft_id), request.form.get("task", ""))
    except EngineError as err:
        return jsonify(error=pick(err.message)), 400
    return jsonify(_form_json(form))


@bp.post("/drafts/<int:draft_id>/task-form")
@designer_required
def task_form(draft_id: int):
    """The page's YAML with the task's form replaced: answered with the new text (nothing saved)."""
    _draft_or_404(draft_id)
    task = request.form.get("task", "")
    try:
        text = _meta_text(draft_id)
        edit = set_task_fields(
            text, task, _json_field("fields"), label=f"workflows/{_draft_or_404(draft_id).code}.yaml"
        )
        form = read_task_form(edit.text, task)
    except EngineError as err:
        return jsonify(error=pick(err.message)), 400
    return jsonify(meta_yaml=edit.text, problems=_problems_json(edit.problems), form=_form_json(form))


@bp.post("/drafts/<int:draft_id>/step-limits")
@designer_required
def step_limits(draft_id: int):
    """The page's YAML with the limit's split over the steps set (or cleared: the default split)."""
    _draft_or_404(draft_id)
    task = request.form.get("task", "")
    try:
        text = _meta_text(draft_id)
        edit = set_step_limits(text, _json_field("steps"), label=f"workflows/{_draft_or_404(draft_id).code}.yaml")
        form = read_task_form(edit.text, task)
    except EngineError as err:
        return jsonify(error=pick(err.message)), 400
    return jsonify(meta_yaml=edit.text, problems=_problems_json(edit.problems), form=_form_json(form))
