"""The applicants' portal: procedures, applying, my dossiers, supplements, withdrawal, rating."""

from __future__ import annotations

import re
import uuid
from math import ceil
from typing import Any

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.dossiers import applicants
from engine.dossiers.documents import BadDocument, NewDocument, check_upload
from engine.dossiers.stages import stages
from engine.dossiers.views import DossierView, dossiers_of_account
from engine.errors import EngineError, NotFound
from engine.forms import Field, FormError
from engine.people.officers import Actor
from engine.statuses import DossierStatus
from engine.workflow.metadata import ProcedureMeta
from engine.workflow.versions import current_versions

from . import printouts
from .auth import applicant_required
from .context import field_errors, flash_error, page_number, runtime
from .files import download
from .i18n import pick
from .links import public_url_for

bp = Blueprint("portal", __name__)
ACCEPT = ".pdf,.jpg,.jpeg,.png"
# the dossier still runs and has no result yet: the applicant may ask to withdraw it
_WITHDRAWABLE = {
    DossierStatus.SUBMITTED,
    DossierStatus.ACCEPTED,
    DossierStatus.PROCESSING,
    DossierStatus.SUPPLEMENT_REQUESTED,
    DossierStatus.FEE_DUE,
}
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
        document_hints=_document_conditions(meta),
    )


@bp.route("/procedures/<code>/apply", methods=["GET", "POST"])
@applicant_required
def apply(code: str):
    meta = _meta(code)
    account = g.account
    try:
        applicants.check_may_apply(account, meta)
    except EngineError as e:
        flash_error(e)
        return redirect(url_for(".procedure", code=code))
    errors: dict[str, str] = {}
    values: dict[str, Any] = applicants.prefill(account, meta.application)
    if request.method == "POST":
        values = {f.name: request.form.get(f.name, "") for f in meta.application}
        documents, document_errors = _documents_of_application(meta, values)
        try:
            applicants.check_application(account, meta, values)
        except FormError as e:
            errors = field_errors(e)
        errors.update(document_errors)
        if not errors:
            try:
                dossier_code = runtime().dossiers.start(
                    code,
                    values,
                    Actor.applicant(account.full_name),
                    account_id=account.id,
                    documents=documents,
                    submission_key=_submission_key(account.id),
                )
            except FormError as e:
                errors = field_errors(e)
            except EngineError as e:
                flash_error(e)
                return _apply_page(meta, values, errors), 400
            else:
                return redirect(url_for(".submitted", code=dossier_code))
    return _apply_page(meta, values, errors), (400 if errors else 200)


def _submission_key(account_id: int) -> str | None:
    """The form's one-time key, so that a double click or a resent form makes one dossier."""
    submission = request.form.get("submission", "")
    return f"{account_id}:{submission}" if re.fullmatch(r"[0-9a-f]{32}", submission) else None


def _apply_page(meta: ProcedureMeta, values: dict[str, Any], errors: dict[str, str]) -> str:
    order = [f.name for f in meta.application] + [_document_field(d.id) for d in meta.documents]
    labels = {f.name: pick(f.label) for f in meta.application}
    labels.update({_document_field(d.id): pick(d.name) for d in meta.documents})
    errors = {name: errors[name] for name in sorted(errors, key=lambda n: order.index(n) if n in order else 0)}
    submission = request.form.get("submission", "")
    if not re.fullmatch(r"[0-9a-f]{32}", submission):  # a new form, or a key nobody made: a fresh one
        submission = uuid.uuid4().hex
    return render_template(
        "portal/apply.html",
        meta=meta,
        values=values,
        errors=errors,
        labels=labels,
        submission=submission,
        hints=conditional_hints(meta.application),
        document_hints=_document_conditions(meta),
        accept=ACCEPT,
        max_mb=current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024),
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


def _document_conditions(meta: ProcedureMeta) -> dict[str, str]:
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


def _documents_of_application(meta: ProcedureMeta, values: dict[str, Any]) -> tuple[list[NewDocument], dict[str, str]]:
    """The files chosen for each document of the procedure, checked by content and size; a document
    required only with some answer (the paper a ground needs) is asked for with that answer."""
    documents, errors = [], {}
    for doc in meta.documents:
        name = _document_field(doc.id)
        try:
            files = _uploads(name, doc.id)
        except BadDocument as e:
            errors[name] = pick(e.message)
            continue
        if doc.is_required(values) and not files:
            errors[name] = _("Attach at least one file for this document.")
        documents.extend(files)
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
        can_withdraw=view.status in _WITHDRAWABLE,
        can_rate=view.status == DossierStatus.RETURNED and view.rating is None,
        rating_choices=applicants.rating_choices(),
        accept=ACCEPT,
        forms=forms,
        max_mb=current_app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024),
    )
    return page, status


def _application_shown(view: DossierView) -> list[tuple[str, str]]:
    """The application as the applicant filled it in: labels and readable values."""
    shown = []
    for f in view.application_fields:
        value = view.application.get(f.name)
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
        shown.append((pick(f.label), text))
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
