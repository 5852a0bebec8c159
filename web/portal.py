"""The applicants' portal: procedures, applying, my dossiers, supplements, withdrawal, rating."""

from __future__ import annotations

import re
import uuid
from math import ceil
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _

from engine.dossiers import applicants, pending
from engine.dossiers.documents import BadDocument, NewDocument, check_upload
from engine.dossiers.stages import stages
from engine.dossiers.views import DossierView, dossiers_of_account
from engine.errors import EngineError, NotAllowed, NotFound
from engine.forms import Field, FormError
from engine.people.officers import Actor, unit_name
from engine.people.sessions import token_hash
from engine.workflow.metadata import ProcedureMeta
from engine.workflow.versions import current_versions

from . import blank_forms, printouts
from .auth import applicant_required
from .context import field_errors, flash_error, page_number, runtime
from .files import download
from .forecasts import estimate
from .i18n import pick
from .links import public_url_for

bp = Blueprint("portal", __name__)
ACCEPT = ".pdf,.jpg,.jpeg,.png"
_MAX_NOTE = 2000


# --- procedures ------------------------------------------------------------------------------


@bp.get("/")
def home():
    return render_template("portal/home.html")


@bp.get("/procedures")
def procedures():
    query = request.args.get("q", "").strip()[:200]
    with runtime().db.read() as db:
        versions = current_versions(db, runtime().versions)
    categories = applicants.categories(versions)
    who = request.args.get("who", "")
    who = who if who in categories else ""
    found = applicants.find_procedures(versions, query, who)
    return render_template("portal/procedures.html", found=found, q=query, who=who, categories=categories)


@bp.get("/procedures/<code>")
def procedure(code: str):
    meta = _meta(code)
    account = g.get("account")
    return render_template(
        "portal/procedure.html",
        meta=meta,
        may_apply=account is not None and applicants.may_apply(account, meta),
        document_hints=document_conditions(meta),
        blank_form=blank_forms.blank_form_of(meta),
    )


@bp.get("/procedures/<code>/blank-form.pdf")
def blank_form(code: str):
    """The procedure's paper form, blank, to print and fill in by hand (404 when it has none)."""
    form = blank_forms.blank_form_of(_meta(code))
    if form is None:
        abort(404)
    with runtime().db.read() as db:
        office = unit_name(db, runtime().settings.office_code)
    response = Response(blank_forms.render(form, pick(office) if office else runtime().settings.office_code))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'inline; filename="{form.code}-{code}.pdf"'
    return response


@bp.route("/procedures/<code>/apply", methods=["GET", "POST"])
@applicant_required
def apply(code: str):
    """The form. Its answers and every file received are kept on the server (engine.dossiers.pending)
    so that a form error never asks for the files again; a good form goes on to the check page."""
    meta = _meta(code)
    account = g.account
    try:
        applicants.check_may_apply(account, meta)
    except EngineError as e:
        flash_error(e)
        return redirect(url_for(".procedure", code=code))
    now = runtime().clock.now()
    if request.method == "GET":
        key = _key(request.args.get("draft"))
        if key and (sent := _sent_already(key)):
            return sent
        with runtime().db.read() as db:
            draft = pending.find(db, key, _owner(), code, now) if key else None
            values = dict(draft.answers) if draft else applicants.prefill(account, meta.application)
            files = pending.attached(db, draft.id) if draft else []
        return _apply_page(meta, values, {}, key if draft else uuid.uuid4().hex, files)
    key = _key(request.form.get("submission")) or uuid.uuid4().hex
    # kept as typed, cut just past each field's limit: too long is still refused, never stored whole
    values = {f.name: request.form.get(f.name, "")[: f.length_limit + 1] for f in meta.application}
    new_files, errors = _documents_of_application(meta)
    removed = [int(i) for i in request.form.getlist("remove") if i.isdigit()]
    with runtime().db.write() as db:
        draft = pending.save(db, key, _owner(), code, values, new_files, removed, now)
        if draft is None:  # a key this login does not hold: start a fresh form, keep nothing of it
            key = uuid.uuid4().hex
            draft = pending.save(db, key, _owner(), code, values, new_files, removed, now)
        files = pending.attached(db, draft.id)
    try:
        applicants.check_application(account, meta, values)
    except FormError as e:
        errors.update(field_errors(e))
    for doc_id in applicants.missing_documents(meta, values, (f.doc_type for f in files)):
        errors.setdefault(_document_field(doc_id), _("Attach at least one file for this document."))
    if errors:
        return _apply_page(meta, values, errors, key, files), 400
    return redirect(url_for(".check_answers", code=code, draft=key))


@bp.get("/procedures/<code>/apply/check")
@applicant_required
def check_answers(code: str):
    """Every answer and file once more, each with a link to change it, before the dossier is sent."""
    meta = _meta(code)
    key = _key(request.args.get("draft"))
    if key and (sent := _sent_already(key)):
        return sent
    with runtime().db.read() as db:
        draft = pending.find(db, key, _owner(), code, runtime().clock.now()) if key else None
        files = pending.attached(db, draft.id) if draft else []
    if draft is None:
        return _start_again(code)
    try:
        cleaned = applicants.check_application(g.account, meta, draft.answers)
    except FormError:
        return redirect(url_for(".apply", code=code, draft=key))
    return render_template(
        "portal/check.html",
        meta=meta,
        key=key,
        answers=_answers_shown(meta.application, cleaned),
        files={d.id: [f for f in files if f.doc_type == d.id] for d in meta.documents},
    )


@bp.post("/procedures/<code>/apply/submit")
@applicant_required
def submit(code: str):
    meta = _meta(code)
    account = g.account
    key = _key(request.form.get("submission"))
    if key is None:
        abort(400)
    with runtime().db.read() as db:
        done = pending.submitted_code(db, _submission_key(account.id, key), account.id)
        draft = pending.find(db, key, _owner(), code, runtime().clock.now())
        documents = pending.documents(db, draft.id) if draft else []
    if done is not None:  # the same form sent twice (a double click): the dossier it made
        return redirect(url_for(".submitted", code=done))
    if draft is None:
        return _start_again(code)
    try:
        applicants.check_may_apply(account, meta)
        dossier_code = runtime().dossiers.start(
            code,
            dict(draft.answers),
            Actor.applicant(account.full_name),
            account_id=account.id,
            documents=documents,
            submission_key=_submission_key(account.id, key),
        )
    except FormError:
        return redirect(url_for(".apply", code=code, draft=key))
    except EngineError as e:
        flash_error(e)
        return redirect(url_for(".check_answers", code=code, draft=key))
    with runtime().db.write() as db:
        pending.discard(db, draft.id)
    return redirect(url_for(".submitted", code=dossier_code))


def _sent_already(key: str):
    """The dossier this account already made from the form (its page's back button, a "change" link
    left open): said and shown, rather than an empty form that invites a second dossier."""
    with runtime().db.read() as db:
        done = pending.submitted_code(db, _submission_key(g.account.id, key), g.account.id)
    if done is None:
        return None
    flash(_("This application has been sent already, as dossier %(code)s.", code=done), "success")
    return redirect(url_for(".submitted", code=done))


def _start_again(code: str):
    flash(_("This form is no longer kept (after a day, or after logging in again): please fill it in again."), "error")
    return redirect(url_for(".apply", code=code))


def _key(raw: str | None) -> str | None:
    """The form's one-time key (32 hex digits) or None for anything else."""
    return raw if raw and re.fullmatch(r"[0-9a-f]{32}", raw) else None


def _owner() -> pending.Owner:
    """The logged-in account and its login: a draft is never shown to another login."""
    return pending.Owner(g.account.id, token_hash(session.get("login", "")))


def _submission_key(account_id: int, key: str) -> str:
    """So that a double click or a resent form makes one dossier."""
    return f"{account_id}:{key}"


def _apply_page(
    meta: ProcedureMeta, values: dict[str, Any], errors: dict[str, str], key: str, files: list[pending.Attached]
) -> str:
    order = [f.name for f in meta.application] + [_document_field(d.id) for d in meta.documents]
    labels = {f.name: pick(f.label) for f in meta.application}
    labels.update({_document_field(d.id): pick(d.name) for d in meta.documents})
    errors = {name: errors[name] for name in sorted(errors, key=lambda n: order.index(n) if n in order else 0)}
    return render_template(
        "portal/apply.html",
        meta=meta,
        values=values,
        errors=errors,
        labels=labels,
        submission=key,
        files={d.id: [f for f in files if f.doc_type == d.id] for d in meta.documents},
        hints=conditional_hints(meta.application),
        document_hints=document_conditions(meta),
        accept=ACCEPT,
        max_mb=current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024),
        # a form sent back with errors is its draft's page: switching language opens it again with
        # the answers and files, not an empty form at the address it was posted to
        language_next=url_for(".apply", code=meta.code, draft=key) if request.method == "POST" else None,
    )


def conditional_hints(fields: tuple[Field, ...]) -> dict[str, str]:
    """'Needed when ...' hints for the fields required only with some answer (a postal address)."""
    by_name = {f.name: f for f in fields}
    hints = {}
    for f in fields:
        for other, wanted in f.required_if.items():
            source = by_name[other]
            answer = next((pick(c.label) for c in source.choices if c.value == str(wanted)), str(wanted))
            hints[f.name] = _("Needed when “%(field)s” is “%(answer)s”.", field=pick(source.label), answer=answer)
    return hints


def document_conditions(meta: ProcedureMeta) -> dict[str, str]:
    """'Required when ...' for the documents required only with some answer of the application."""
    by_name = {f.name: f for f in meta.application}
    hints = {}
    for doc in meta.documents:
        if doc.required or not doc.required_if:
            continue
        parts = []
        for other, wanted in doc.required_if.items():
            source = by_name[other]
            answer = next((pick(c.label) for c in source.choices if c.value == str(wanted)), str(wanted))
            parts.append(_("“%(field)s” is “%(answer)s”", field=pick(source.label), answer=answer))
        hints[doc.id] = _("Required when %(conditions)s.", conditions=_(" and ").join(parts))
    return hints


def _document_field(doc_id: str) -> str:
    return f"doc-{doc_id}"


def _documents_of_application(meta: ProcedureMeta) -> tuple[list[NewDocument], dict[str, str]]:
    """The files newly chosen for each document of the procedure, checked by content and size; a
    document with a bad file keeps what it had before."""
    documents, errors = [], {}
    for doc in meta.documents:
        name = _document_field(doc.id)
        try:
            documents.extend(_uploads(name, doc.id))
        except BadDocument as e:
            errors[name] = pick(e.message)
    return documents, errors


def _uploads(input_name: str, doc_type: str) -> list[NewDocument]:
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    # a browser sends an empty part for a file input left empty
    return [
        check_upload(doc_type, f.filename, f.read(limit + 1), limit)
        for f in request.files.getlist(input_name)
        if f.filename
    ]


# --- my dossiers -----------------------------------------------------------------------------


@bp.get("/dossiers")
@applicant_required
def my_dossiers():
    page = page_number(request.args.get("page"))
    size = current_app.config["PAGE_SIZE"]
    with runtime().db.read() as db:
        rows, total = dossiers_of_account(db, g.account.id, page, size)
        names = applicants.procedure_names(db, {d.procedure_code for d in rows})
    now = runtime().clock.now()
    return render_template(
        "portal/dossiers.html",
        dossiers=rows,
        names=names,
        page=page,
        pages=max(ceil(total / size), 1),
        total=total,
        late={d.code for d in rows if applicants.is_late(d, now)},
    )


@bp.get("/dossiers/<code>/submitted")
@applicant_required
def submitted(code: str):
    return render_template("portal/submitted.html", view=_own(code))


@bp.get("/dossiers/<code>")
@applicant_required
def dossier(code: str):
    return _dossier_page(_own(code))


def _dossier_page(view: DossierView, status: int = 200, **forms: Any):
    now = runtime().clock.now()
    page = render_template(
        "portal/dossier.html",
        view=view,
        application=_application_shown(view),
        late=applicants.is_late(view, now),
        stages=stages(view),
        awaits_supplement=applicants.awaits_supplement(view),
        can_withdraw=applicants.may_withdraw(view),
        estimate=estimate(view.code),
        can_rate=applicants.may_rate(view),
        rating_choices=applicants.rating_choices(),
        accept=ACCEPT,
        forms=forms,
        max_mb=current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024),
    )
    return page, status


def _application_shown(view: DossierView) -> list[tuple[str, str]]:
    """The application as the applicant filled it in: labels and readable values."""
    return [(label, text) for _name, label, text in _answers_shown(view.application_fields, view.application)]


def _answers_shown(fields: tuple[Field, ...], values: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Each answer given: its field's name, label and readable value."""
    shown = []
    for f in fields:
        value = values.get(f.name)
        if value is None or value == "":
            continue
        if f.type == "choice":
            text = next((pick(c.label) for c in f.choices if c.value == str(value)), str(value))
        elif f.type == "boolean":
            text = _("Yes") if value else _("No")
        elif f.type == "money":
            text = f"{int(value):,}".replace(",", ".") + " đồng"
        elif f.type == "date":
            text = "/".join(reversed(str(value).split("-")))
        else:
            text = str(value)
        shown.append((f.name, pick(f.label), text))
    return shown


@bp.get("/dossiers/<code>/documents/<int:doc_id>")
@applicant_required
def document(code: str, doc_id: int):
    try:
        with runtime().db.read() as db:
            doc, content = applicants.own_document(db, code, g.account.id, doc_id)
    except NotFound:
        abort(404)
    return download(doc.filename, doc.content_type, content)


@bp.get("/dossiers/<code>/receipt.pdf")
@applicant_required
def receipt(code: str):
    return printouts.receipt_response(_own(code), _tracking_url(code))


@bp.get("/dossiers/<code>/form-02.pdf")
@applicant_required
def supplement_form(code: str):
    view = _own(code)
    if not view.supplements:
        abort(404)
    return printouts.supplement_response(view, _tracking_url(code))


@bp.get("/dossiers/<code>/form-03.pdf")
@applicant_required
def refusal_form(code: str):
    view = _own(code)
    if view.refusal_reason is None:
        abort(404)
    return printouts.refusal_response(view)


# --- answering the office --------------------------------------------------------------------


@bp.post("/dossiers/<code>/supplement")
@applicant_required
def supplement(code: str):
    view = _own(code)
    try:
        applicants.check_awaits_supplement(view)
    except NotAllowed as e:
        flash_error(e)
        return redirect(url_for(".dossier", code=code))
    note = request.form.get("note", "").strip()[:_MAX_NOTE]
    errors: dict[str, str] = {}
    documents: list[NewDocument] = []
    try:
        documents = _uploads("files", "supplement")
    except BadDocument as e:
        errors["files"] = pick(e.message)
    else:
        if not documents:
            errors["files"] = _("Choose at least one file to send.")
    if errors:
        return _dossier_page(view, 400, supplement={"errors": errors, "note": note})
    try:
        runtime().dossiers.deliver_message(
            code, "supplement_received", {"note": note}, Actor.applicant(g.account.full_name), documents=documents
        )
    except EngineError as e:
        flash_error(e)
    else:
        flash(_("Your documents have been sent to the one-stop desk, which will check them again."), "success")
    return redirect(url_for(".dossier", code=code))


@bp.route("/dossiers/<code>/withdraw", methods=["GET", "POST"])
@applicant_required
def withdraw(code: str):
    """A page that asks to confirm (and why); the withdrawal happens only on its POST."""
    view = _own(code)
    if not applicants.may_withdraw(view):
        # withdrawn already (another tab, the back button) or approved since the page was opened
        flash(_("This dossier can no longer be withdrawn."), "error")
        return redirect(url_for(".dossier", code=code))
    if request.method == "POST":
        reason = request.form.get("reason", "").strip()[:_MAX_NOTE]
        try:
            runtime().dossiers.deliver_message(
                code, "withdrawal_requested", {"reason": reason}, Actor.applicant(g.account.full_name)
            )
        except EngineError as e:
            flash_error(e)
        else:
            flash(_("Your dossier has been withdrawn."), "success")
        return redirect(url_for(".dossier", code=code))
    return render_template("portal/withdraw.html", view=view)


@bp.post("/dossiers/<code>/rating")
@applicant_required
def rate(code: str):
    try:
        with runtime().db.write() as db:
            applicants.rate(db, code, g.account.id, request.form, runtime().clock.now())
    except NotFound:
        abort(404)
    except FormError as e:
        return _dossier_page(_own(code), 400, rating={"errors": field_errors(e), "values": request.form})
    except EngineError as e:
        flash_error(e)
    else:
        flash(_("Thank you for rating our service."), "success")
    return redirect(url_for(".dossier", code=code))


# --- helpers ---------------------------------------------------------------------------------


def _meta(code: str) -> ProcedureMeta:
    try:
        with runtime().db.read() as db:
            return applicants.deployed_meta(db, runtime().versions, code)
    except NotFound:
        abort(404)


def _own(code: str) -> DossierView:
    """The logged-in applicant's dossier, or 404 (also for someone else's: nothing leaks)."""
    try:
        with runtime().db.read() as db:
            return applicants.own_dossier_view(db, runtime().versions, code, g.account.id)
    except NotFound:
        abort(404)


def _tracking_url(code: str) -> str:
    return public_url_for("tracking.track", code=code)
