"""The one-stop counter: a desk officer (or post-office staff at a collection point, role agent)
registers a citizen's paper dossier: registry look-up by citizen ID, the procedure's own application
form, a scan or upload of each paper component with what it stands for, then the receipt slip.

The form is the portal's (the procedure's metadata, checked by engine.forms as the engine checks
it); files chosen on a form that comes back with an error are kept (engine.dossiers.counter_uploads) and
named again by a hidden field, so nothing is chosen twice.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine import forms
from engine.dossiers import applicants, counter, counter_uploads, inbox
from engine.dossiers.documents import PAPER_FLAGS, BadDocument, NewDocument, check_upload
from engine.dossiers.views import dossier_view
from engine.errors import EngineError, NotFound
from engine.forms import FormError, Message
from engine.integration import registry
from engine.people.officers import Actor
from engine.workflow.metadata import ProcedureMeta
from engine.workflow.versions import current_versions

from . import printouts
from .auth import holds_role, role_required
from .context import field_errors, runtime
from .i18n import pick
from .links import public_url_for
from .portal import ACCEPT, conditional_hints, document_conditions

bp = Blueprint("counter", __name__, url_prefix="/officer/counter")
intake_required = role_required(*counter.INTAKE_ROLES)


@bp.app_template_global()
def may_register() -> bool:
    """Whether the officer hands in dossiers at a counter (the navigation shows the counter)."""
    return holds_role(*counter.INTAKE_ROLES)


@bp.app_template_global()
def only_registers() -> bool:
    """An officer who only hands dossiers in (a collection point): no inbox for them."""
    roles = {role for role, _unit in g.get("officer_roles", ())}
    return bool(roles) and roles <= {"agent", "admin", "designer"} and "agent" in roles


def _intake() -> tuple[str, str]:
    """The channel this officer hands dossiers in by and the unit that receives them."""
    roles = g.officer_roles
    role = _channel_role(roles)
    return counter.CHANNEL_OF_ROLE[role], next(unit for r, unit in roles if r == role)


def _owner() -> str:
    return f"officer:{g.officer.id}"


# --- 1. the person and the procedure -------------------------------------------------------------


@bp.get("/")
@intake_required
def pick_procedure():
    with runtime().db.read() as db:
        versions = current_versions(db, runtime().versions)
    procedures = sorted(((code, v.meta.name) for code, v in versions.items()), key=lambda p: p[0])
    citizen_id = request.args.get("citizen_id", "").strip()[:20]
    code = request.args.get("procedure", "")
    errors: dict[str, str] = {}
    if "procedure" in request.args:  # the form was sent
        if code not in versions:
            errors["procedure"] = _("Choose the procedure the citizen applies for.")
        if citizen_id and not (len(citizen_id) == 12 and citizen_id.isdigit()):
            errors["citizen_id"] = _("A citizen ID has exactly 12 digits.")
        if not errors:
            return redirect(url_for(".form", code=code, citizen_id=citizen_id or None))
    return render_template(
        "counter/pick.html", procedures=procedures, citizen_id=citizen_id, chosen=code, errors=errors
    ), (400 if errors else 200)


# --- 2. the application form and the papers ------------------------------------------------------


@bp.route("/<code>", methods=["GET", "POST"])
@intake_required
def form(code: str):
    meta = _meta(code)
    if request.method == "GET":
        values, found = _prefill(meta, request.args.get("citizen_id", "").strip()[:20])
        return _form_page(meta, values, {}, {}, {}, found, accept_now=True)
    values = {f.name: request.form.get(f.name, "") for f in meta.application}
    errors: dict[str, Message] = {}
    try:
        forms.validate(meta.application, values)  # as the engine checks it when the dossier starts
    except FormError as e:
        errors.update(e.errors)
    files, bad_files, kept_tokens = _files(meta)
    flags = {d.id: request.form.get(f"paper-{d.id}", "") for d in meta.documents}
    documents, paper_errors = counter.check_components(
        meta, values, {d: [f for _t, f in fs] for d, fs in files.items()}, flags
    )
    for doc_id, message in {**paper_errors, **bad_files}.items():
        errors[f"doc-{doc_id}"] = message
    accept_now = request.form.get("accept_now") == "1"
    if errors:
        kept = _keep_new(files)  # the files chosen this time wait for the next post of the form
        return _form_page(meta, values, field_errors(FormError(errors)), kept, flags, None, accept_now), 400
    channel, unit = _intake()
    try:
        dossier_code = runtime().dossiers.start(
            code,
            values,
            Actor.of(g.officer),
            unit_code=unit,
            documents=documents,
            submission_key=_submission_key(),
            channel=channel,
        )
    except FormError as e:
        return _form_page(meta, values, field_errors(e), _keep_new(files), flags, None, accept_now), 400
    except EngineError as e:
        return _form_page(meta, values, {"procedure": pick(e.message)}, _keep_new(files), flags, None, accept_now), 400
    with runtime().db.write() as db:
        counter_uploads.forget(db, _owner(), kept_tokens)
    if _accepts_at_once() and request.form.get("accept_now") == "1":
        _accept(meta, dossier_code)
    return redirect(url_for(".done", code=dossier_code))


def _accepts_at_once() -> bool:
    """The desk checks what it receives (the one-stop rule); a collection point only hands on."""
    return _channel_role(g.officer_roles) == counter.ACCEPTS_AT_ONCE


def _channel_role(roles) -> str:
    channel = counter.channel_for([role for role, _unit in roles])
    return next(r for r, c in counter.CHANNEL_OF_ROLE.items() if c == channel)


def _accept(meta: ProcedureMeta, code: str) -> None:
    """Complete the reception check as accepted by this officer; the dossier is registered either
    way, so a refusal (another officer took the task first) is said and it waits in reception."""
    try:
        if counter.accept_at_once(runtime().dossiers, meta, code, Actor.of(g.officer)):
            return
    except EngineError as e:
        flash(pick(e.message), "error")
    flash(_("The dossier waits in the reception check: accept it from the inbox."), "error")


Chosen = dict[str, list[tuple[str | None, NewDocument]]]  # per component: (kept token or None, file)


def _files(meta: ProcedureMeta) -> tuple[Chosen, dict[str, Message], list[str]]:
    """Per paper component: the files kept from an earlier post (with their token) and the ones
    chosen now (token None), the refused uploads, and every kept token named by the form."""
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    tokens = {d.id: request.form.getlist(f"kept-{d.id}") for d in meta.documents}
    with runtime().db.read() as db:
        kept = counter_uploads.load(db, _owner(), [t for ts in tokens.values() for t in ts], runtime().clock.now())
    files: Chosen = {}
    bad: dict[str, Message] = {}
    for doc in meta.documents:
        chosen: list[tuple[str | None, NewDocument]] = [
            (t, kept[t]) for t in tokens[doc.id] if t in kept and kept[t].doc_type == doc.id
        ]
        for upload in request.files.getlist(f"doc-{doc.id}"):
            if not upload.filename:  # a browser sends an empty part for a file input left empty
                continue
            try:
                chosen.append((None, check_upload(doc.id, upload.filename, upload.read(limit + 1), limit)))
            except BadDocument as e:
                bad[doc.id] = e.message
        files[doc.id] = chosen
    return files, bad, list(kept)


def _keep_new(files: Chosen) -> dict[str, list[tuple[str, str]]]:
    """Keep the files chosen this time; returns every file the form now holds per component, as
    (token, file name)."""
    now = runtime().clock.now()
    shown: dict[str, list[tuple[str, str]]] = {}
    with runtime().db.write() as db:
        for doc_id, chosen in files.items():
            new = [doc for token, doc in chosen if token is None]
            tokens = iter(counter_uploads.keep(db, _owner(), new, now))
            shown[doc_id] = [(token or next(tokens), doc.filename) for token, doc in chosen]
    return shown


def _prefill(meta: ProcedureMeta, citizen_id: str) -> tuple[dict[str, Any], str | None]:
    """Starting values from the population registry, and what the look-up found, to show."""
    if not citizen_id:
        return {}, None
    names = {f.name for f in meta.application}
    try:
        person = registry.prefill(runtime().settings, citizen_id)
    except (registry.PersonNotFound, registry.RegistryUnavailable) as e:
        values = {"citizen_id": citizen_id} if "citizen_id" in names else {}
        return values, pick(e.message)
    values = {name: value for name, value in person.items() if name in names}
    return values, _(
        "Filled in from the population registry: %(name)s. Check it against the papers.",
        name=person.get("full_name", ""),
    )


def _submission_key() -> str | None:
    """The form's one-time key, so that a double click makes one dossier."""
    submission = request.form.get("submission", "")
    return f"counter:{submission}" if re.fullmatch(r"[0-9a-f]{32}", submission) else None


def _form_page(
    meta: ProcedureMeta,
    values: dict[str, Any],
    errors: dict[str, str],
    kept: dict[str, list[tuple[str, str]]],
    flags: dict[str, str],
    found: str | None,
    accept_now: bool,
) -> str:
    order = ["procedure"] + [f.name for f in meta.application] + [f"doc-{d.id}" for d in meta.documents]
    labels = {f.name: pick(f.label) for f in meta.application}
    labels.update({f"doc-{d.id}": pick(d.name) for d in meta.documents})
    errors = {n: errors[n] for n in sorted(errors, key=lambda n: order.index(n) if n in order else 0)}
    submission = request.form.get("submission", "")
    if not re.fullmatch(r"[0-9a-f]{32}", submission):
        submission = uuid.uuid4().hex
    return render_template(
        "counter/form.html",
        meta=meta,
        values=values,
        errors=errors,
        labels=labels,
        kept=kept,
        flags=flags,
        paper_flags=PAPER_FLAGS,
        found=found,
        citizen_id=request.args.get("citizen_id", ""),
        submission=submission,
        hints=conditional_hints(meta.application),
        document_hints=document_conditions(meta),
        may_accept=_accepts_at_once(),
        accept_now=accept_now,
        accept=ACCEPT,
        max_mb=current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024),
    )


# --- 3. done: the receipt slip -------------------------------------------------------------------


@bp.get("/dossiers/<code>")
@intake_required
def done(code: str):
    view = _handed_in(code)
    return render_template("counter/done.html", view=view, may_open=_may_see(code))


@bp.get("/dossiers/<code>/form-01.pdf")
@intake_required
def receipt_pdf(code: str):
    view = _handed_in(code)
    return printouts.receipt_response(view, public_url_for("tracking.track", code=view.code))


def _may_see(code: str) -> bool:
    """The inbox's own rule: a working role in the dossier's unit."""
    with runtime().db.read() as db:
        ref = inbox.dossier_ref(db, code)
    return ref is not None and inbox.Officer(g.officer.id, tuple(g.officer_roles)).may_see_dossier(ref[1])


def _handed_in(code: str):
    """A dossier this officer handed in, or one of their unit they may see; else 404."""
    with runtime().db.read() as db:
        mine = counter.submitted_by(db, code) == g.officer.id
    if not mine and not _may_see(code):
        abort(404)
    try:
        with runtime().db.read() as db:
            return dossier_view(db, runtime().versions, code)
    except NotFound:
        abort(404)


def _meta(code: str) -> ProcedureMeta:
    try:
        with runtime().db.read() as db:
            return applicants.deployed_meta(db, runtime().versions, code)
    except NotFound:
        abort(404)
