"""Citizens' dossiers: submit one (multipart, with its documents), list one's own (keyset paging), read
one with its timeline, answer a supplement request, withdraw, rate, and fetch the receipt slip and
the documents. The same engine services as the portal's pages (engine.dossiers.applicants, the
dossier service), so the same rules: an applicant reaches only their own dossiers, and someone
else's answers 404 like one that does not exist."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Response, abort, current_app, g, request, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, ValidationError, fields, validate

from engine.dossiers import applicants
from engine.dossiers.documents import ALLOWED_TYPES, BadDocument, NewDocument, check_upload
from engine.dossiers.views import DossierView, dossiers_of_account_after
from engine.errors import EngineError, NotAllowed, NotFound
from engine.forms import FormError, Message
from engine.people.officers import Actor
from engine.statuses import DossierStatus

from .. import printouts
from ..context import runtime
from ..files import download
from ..links import public_url_for
from . import paging
from .bearer import SECURITY, load_bearer, needs
from .idempotent import PARAMETER as IDEMPOTENCY_KEY
from .idempotent import idempotent
from .problems import form_problem, problem, validation_messages
from .problems import problems_doc as _problems
from .schemas import TextSchema, text

blp = Blueprint("dossiers", __name__, description="An applicant's own dossiers (token of an applicant)")
blp.before_request(load_bearer)
MAX_NOTE = 2000
DOC_PART = "doc-"


# --- schemas ---------------------------------------------------------------------------------


class StatusSchema(Schema):
    code = fields.Integer(required=True, metadata={"description": "the National Public Service Portal's code"})
    name = fields.Nested(TextSchema, required=True)


class DocumentSchema(Schema):
    id = fields.Integer(required=True)
    doc_type = fields.String(required=True)
    name = fields.Nested(TextSchema, allow_none=True, required=True)
    filename = fields.String(required=True)
    content_type = fields.String(required=True)
    size = fields.Integer(required=True)
    uploaded_at = fields.DateTime(required=True)
    round = fields.Integer(required=True, metadata={"description": "0: with the application; n: n-th supplement"})
    href = fields.String(required=True)


class TimelineEntrySchema(Schema):
    at = fields.DateTime(required=True)
    status = fields.Nested(StatusSchema, required=True)


class SupplementSchema(Schema):
    awaited = fields.Boolean(required=True, metadata={"description": "papers are asked for and none came since"})
    papers = fields.List(fields.String(), required=True, metadata={"description": "what the latest request asks"})
    due_at = fields.DateTime(allow_none=True, required=True)


class ShipmentSchema(Schema):
    waybill = fields.String(required=True)
    dispatched_at = fields.DateTime(required=True)
    delivered_at = fields.DateTime(allow_none=True, required=True)
    failed_at = fields.DateTime(allow_none=True, required=True)


class ResultSchema(Schema):
    channel = fields.String(allow_none=True, required=True, metadata={"description": "counter, post or electronic"})
    description = fields.Nested(TextSchema, required=True, metadata={"description": "what the procedure gives"})
    refusal_reason = fields.String(allow_none=True, required=True)
    shipments = fields.List(fields.Nested(ShipmentSchema), required=True)


class RatingSchema(Schema):
    rating = fields.String(required=True)
    comment = fields.String(required=True)
    rated_at = fields.DateTime(required=True)


class DossierLinksSchema(Schema):
    self = fields.String(required=True)
    receipt = fields.String(required=True, metadata={"description": "the receipt and appointment slip (PDF)"})
    tracking = fields.String(required=True, metadata={"description": "the public tracking page"})


class DossierSummarySchema(Schema):
    code = fields.String(required=True)
    procedure = fields.String(required=True)
    procedure_name = fields.Nested(TextSchema, required=True)
    status = fields.Nested(StatusSchema, required=True)
    submitted_at = fields.DateTime(required=True)
    appointment_at = fields.DateTime(allow_none=True, required=True)
    late = fields.Boolean(required=True)
    href = fields.String(required=True)


class DossierListSchema(Schema):
    items = fields.List(fields.Nested(DossierSummarySchema), required=True)
    links = fields.Nested(paging.LinksSchema, required=True)


class DossierSummarySchema(Schema):
    """What the applicant's own dossier and an employer's filing both say of a dossier."""

    code = fields.String(required=True)
    procedure = fields.String(required=True)
    procedure_name = fields.Nested(TextSchema, required=True)
    status = fields.Nested(StatusSchema, required=True)
    submitted_at = fields.DateTime(required=True)
    appointment_at = fields.DateTime(allow_none=True, required=True)
    finished_at = fields.DateTime(allow_none=True, required=True)
    late = fields.Boolean(required=True)
    application = fields.Dict(required=True, metadata={"description": "the answers, as the engine kept them"})


class DossierSchema(DossierSummarySchema):
    processed_at = fields.DateTime(allow_none=True, required=True)
    documents = fields.List(fields.Nested(DocumentSchema), required=True)
    timeline = fields.List(fields.Nested(TimelineEntrySchema), required=True, metadata={"description": "oldest first"})
    supplement = fields.Nested(SupplementSchema, required=True)
    result = fields.Nested(ResultSchema, required=True)
    rating = fields.Nested(RatingSchema, allow_none=True, required=True)
    can_withdraw = fields.Boolean(required=True)
    can_rate = fields.Boolean(required=True)
    links = fields.Nested(DossierLinksSchema, required=True)


class SubmissionSchema(Schema):
    """The multipart form of a submission; each document's files come as parts named doc-<document id>."""

    procedure = fields.String(required=True, validate=validate.Length(min=1, max=16))
    application = fields.String(
        required=True,
        validate=validate.Length(max=100_000),
        metadata={"description": "the application form's answers as a JSON object, field name -> value"},
    )


class SupplementAnswerSchema(Schema):
    note = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE))


class WithdrawalSchema(Schema):
    reason = fields.String(load_default="", validate=validate.Length(max=MAX_NOTE))


class RatingInSchema(Schema):
    rating = fields.String(required=True, validate=validate.OneOf([c.value for c in applicants.rating_choices()]))
    comment = fields.String(load_default="", validate=validate.Length(max=applicants.MAX_COMMENT))


# the multipart bodies as OpenAPI writes them: the schema's fields plus files
_BINARY = {"type": "array", "items": {"type": "string", "contentMediaType": "application/octet-stream"}}


def _multipart(schema: type[Schema], files: dict[str, Any]) -> dict:
    props = {name: {"type": "string"} for name in schema().fields}
    required = [name for name, f in schema().fields.items() if f.required]
    body = {"type": "object", "properties": {**props, **files}, "required": required}
    if not files:
        body["additionalProperties"] = False
    return {"required": True, "content": {"multipart/form-data": {"schema": body}}}


# --- reading ---------------------------------------------------------------------------------


def _status(code: int) -> dict:
    status = DossierStatus(code)
    return {"code": int(code), "name": {"vi": status.label_vi, "en": status.label_en}}


def _document(view: DossierView, d) -> dict:
    return {
        "id": d.id,
        "doc_type": d.doc_type,
        "name": text(d.name) if d.name else None,
        "filename": d.filename,
        "content_type": d.content_type,
        "size": d.size,
        "uploaded_at": d.uploaded_at,
        "round": d.round,
        "href": url_for("dossiers.get_document", code=view.code, doc_id=d.id),
    }


def dossier_summary(view: DossierView) -> dict:
    """The fields of DossierSummarySchema."""
    return {
        "code": view.code,
        "procedure": view.procedure_code,
        "procedure_name": text(view.procedure_name),
        "status": _status(view.status),
        "submitted_at": view.submitted_at,
        "appointment_at": view.appointment_at,
        "finished_at": view.finished_at,
        "late": applicants.is_late(view, runtime().clock.now()),
        "application": view.application,
    }


def _dossier(view: DossierView) -> dict:
    rating = view.rating
    return {
        **dossier_summary(view),
        "processed_at": view.processed_at,
        "documents": [_document(view, d) for d in view.documents],
        "timeline": [{"at": c.at, "status": _status(c.status)} for c in view.timeline],
        "supplement": {
            "awaited": applicants.awaits_supplement(view),
            "papers": view.papers_asked,
            "due_at": view.supplement_due,
        },
        "result": {
            "channel": view.result_channel,
            "description": text(view.meta.result),
            "refusal_reason": view.refusal_reason,
            "shipments": [
                {
                    "waybill": s.waybill,
                    "dispatched_at": s.dispatched_at,
                    "delivered_at": s.delivered_at,
                    "failed_at": s.failed_at,
                }
                for s in view.shipments
            ],
        },
        "rating": (
            {"rating": rating.rating, "comment": rating.comment, "rated_at": rating.rated_at} if rating else None
        ),
        "can_withdraw": applicants.may_withdraw(view),
        "can_rate": applicants.may_rate(view),
        "links": {
            "self": url_for("dossiers.get_dossier", code=view.code),
            "receipt": url_for("dossiers.get_receipt", code=view.code),
            "tracking": public_url_for("tracking.track", code=view.code),
        },
    }


def _own(code: str) -> DossierView:
    try:
        with runtime().db.read() as db:
            return applicants.own_dossier_view(db, runtime().versions, code, g.bearer.account.id)
    except NotFound:
        abort(404)


def _not_found_problem(code: str) -> Response:
    return problem(404, "not-found", Message(f"Không có hồ sơ {code}", f"No dossier {code}"))


@blp.route("/dossiers", methods=["GET"])
@blp.doc(security=SECURITY, responses=_problems(401, 403))
@needs("read")
@blp.arguments(paging.PageArgs, location="query", as_kwargs=True)
@blp.response(200, DossierListSchema)
def list_dossiers(limit: int, cursor: str | None):
    """My dossiers, newest first, a page at a time (follow links.next)"""
    account_id = g.bearer.account.id
    return dossier_page(
        limit,
        cursor,
        lambda db, after, n: dossiers_of_account_after(db, account_id, after, n),
        "dossiers.list_dossiers",
        "dossiers.get_dossier",
    )


def dossier_page(limit: int, cursor: str | None, read, list_endpoint: str, item_endpoint: str):
    """A page of dossier summaries, newest first: `read(db, after, n)` gives up to n rows after the
    cursor's (submitted_at, id); the employer's filings are paged the same way."""
    try:
        key = paging.decode(cursor)
        after = (datetime.fromisoformat(key[0]), int(key[1])) if key is not None else None
    except (ValueError, TypeError, IndexError, KeyError):
        return problem(
            422,
            "invalid-fields",
            Message("Con trỏ trang không hợp lệ", "Not a valid cursor"),
            {"cursor": Message("Dùng con trỏ từ links.next", "Use the cursor of links.next")},
        )
    with runtime().db.read() as db:
        rows = read(db, after, limit + 1)
        names = applicants.procedure_names(db, {d.procedure_code for d in rows})
    rows, links, headers = paging.page(rows, limit, lambda d: [d.submitted_at.isoformat(), d.id], list_endpoint)
    now = runtime().clock.now()
    items = [
        {
            "code": d.code,
            "procedure": d.procedure_code,
            "procedure_name": text(names.get(d.procedure_code) or Message(d.procedure_code, d.procedure_code)),
            "status": _status(d.status),
            "submitted_at": d.submitted_at,
            "appointment_at": d.appointment_at,
            "late": applicants.is_late(d, now),
            "href": url_for(item_endpoint, code=d.code),
        }
        for d in rows
    ]
    return {"items": items, "links": links}, 200, headers


@blp.route("/dossiers/<code>", methods=["GET"])
@blp.doc(security=SECURITY, responses=_problems(401, 403, 404))
@needs("read")
@blp.response(200, DossierSchema)
def get_dossier(code: str):
    """One of my dossiers, with its documents, its timeline, the supplement asked for and its result"""
    return _dossier(_own(code))


@blp.route("/dossiers/<code>/receipt", methods=["GET"])
@blp.doc(
    security=SECURITY,
    responses={
        "200": {
            "description": "the receipt and appointment slip",
            "content": {"application/pdf": {"schema": {"type": "string", "contentMediaType": "application/pdf"}}},
        },
        **_problems(401, 403, 404),
    },
)
@needs("read")
def get_receipt(code: str):
    """The receipt and appointment slip of one of my dossiers (PDF)"""
    view = _own(code)
    return printouts.receipt_response(view, public_url_for("tracking.track", code=code))


@blp.route("/dossiers/<code>/documents/<int(max=2147483647):doc_id>", methods=["GET"])
@blp.doc(
    security=SECURITY,
    responses={
        "200": {
            "description": "the file as it was sent (its type found from its content when it came)",
            "content": {media: {"schema": {"type": "string", "contentMediaType": media}} for media in ALLOWED_TYPES},
        },
        **_problems(401, 403, 404),
    },
)
@needs("read")
def get_document(code: str, doc_id: int):
    """One document of one of my dossiers"""
    try:
        with runtime().db.read() as db:
            doc, content = applicants.own_document(db, code, g.bearer.account.id, doc_id)
    except NotFound:
        abort(404)
    return download(doc.filename, doc.content_type, content)


# --- submitting ------------------------------------------------------------------------------


def _load(schema: type[Schema], values) -> dict[str, Any] | Response:
    try:
        return schema().load({k: values.get(k) for k in values if k in schema().fields})
    except ValidationError as e:
        return problem(
            422,
            "invalid-fields",
            Message("Yêu cầu có trường không hợp lệ", "Some fields are not valid"),
            validation_messages(e.messages),
        )


def _uploads(name: str, doc_type: str) -> list[NewDocument]:
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    return [
        check_upload(doc_type, f.filename, f.read(limit + 1), limit) for f in request.files.getlist(name) if f.filename
    ]


@blp.route("/dossiers", methods=["POST"])
@blp.doc(
    security=SECURITY,
    parameters=[IDEMPOTENCY_KEY],
    requestBody=_multipart(SubmissionSchema, {}),
    responses={
        "201": {
            "description": "the dossier made (or the one made the first time, for the same key and request)",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Dossier"}}},
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
        **_problems(400, 401, 403, 404, 409, 413, 422),
    },
)
@needs("submit")
@idempotent
def submit_dossier():
    """Submit a dossier: the application as JSON in `application`, each document's files as parts named
    doc-<document id> (see the procedure's documents); checked as the portal checks it"""
    account = g.bearer.account
    checked = checked_submission(account)
    if isinstance(checked, Response):
        return checked
    meta, values, documents = checked
    key = request.headers["Idempotency-Key"].strip()
    try:
        code = runtime().dossiers.start(
            meta.code,
            values,
            Actor.applicant(account.full_name),
            account_id=account.id,
            documents=documents,
            submission_key=f"api:{account.id}:{key}"[:255],
        )
    except FormError as e:
        return form_problem(e, "application.")
    except EngineError as e:
        return problem(409, "refused", e.message)
    view = _own(code)
    body = DossierSchema().dump(_dossier(view))
    response = current_app.response_class(current_app.json.dumps(body), status=201, mimetype="application/json")
    response.headers["Location"] = url_for("dossiers.get_dossier", code=code)
    return response


def checked_submission(account) -> tuple[Any, dict[str, str], list[NewDocument]] | Response:
    """A multipart submission read and checked as the portal checks it, in `account`'s name (an
    applicant's, or an employer partner's as engine.dossiers.partner_dossiers makes it): the
    procedure's metadata, the answers and the documents, or the problem answer."""
    loaded = _load(SubmissionSchema, request.form)
    if isinstance(loaded, Response):
        return loaded
    try:
        with runtime().db.read() as db:
            meta = applicants.deployed_meta(db, runtime().versions, loaded["procedure"].strip())
    except NotFound as e:
        return problem(422, "invalid-fields", e.message, {"procedure": e.message})
    try:
        applicants.check_may_apply(account, meta)
    except NotAllowed as e:
        return problem(403, "may-not-apply", e.message)
    errors: dict[str, Message] = {}
    try:
        answers = json.loads(loaded["application"])
    except ValueError:
        answers = None
    if not isinstance(answers, dict) or not all(
        isinstance(v, str | int | float | bool) or v is None for v in answers.values()
    ):
        message = Message(
            "Cần một đối tượng JSON: tên trường -> giá trị", "A JSON object is needed: field name -> plain value"
        )
        return problem(422, "invalid-fields", message, {"application": message})
    values = {f.name: _plain(answers.get(f.name)) for f in meta.application}
    known = {d.id for d in meta.documents}
    documents: list[NewDocument] = []
    for name in request.files:
        doc_id = name.removeprefix(DOC_PART)
        if not name.startswith(DOC_PART) or doc_id not in known:
            errors[name] = Message(
                "Phần tệp này không phải giấy tờ của thủ tục", "This file part is not a document of the procedure"
            )
            continue
        try:
            documents.extend(_uploads(name, doc_id))
        except BadDocument as e:
            errors[name] = e.message
    try:
        applicants.check_application(account, meta, values)
    except FormError as e:
        errors.update({f"application.{name}": m for name, m in e.errors.items()})
    for doc_id in applicants.missing_documents(meta, values, (d.doc_type for d in documents)):
        errors.setdefault(
            DOC_PART + doc_id,
            Message("Đính kèm ít nhất một tệp cho giấy tờ này", "Attach at least one file for this document"),
        )
    if errors:
        return form_problem(FormError(errors))
    return meta, values, documents


def _plain(value: Any) -> str:
    """An answer as the portal's form would send it: text (true/false as a checkbox sends them)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    return str(value)


# --- answering the office --------------------------------------------------------------------


def _done(code: str, status: int = 200) -> Response:
    body = DossierSchema().dump(_dossier(_own(code)))
    return current_app.response_class(current_app.json.dumps(body), status=status, mimetype="application/json")


_DOSSIER_200 = {
    "200": {
        "description": "the dossier afterwards",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Dossier"}}},
    }
}


@blp.route("/dossiers/<code>/supplement", methods=["POST"])
@blp.doc(
    security=SECURITY,
    parameters=[IDEMPOTENCY_KEY],
    requestBody=_multipart(SupplementAnswerSchema, {"files": _BINARY}),
    responses={**_DOSSIER_200, **_problems(400, 401, 403, 404, 409, 413, 422)},
)
@needs("submit")
@idempotent
def answer_supplement(code: str):
    """Send the papers a supplement request asked for (multipart: files, and a note)"""
    try:
        applicants.check_awaits_supplement(_own(code))
    except NotAllowed as e:
        return problem(409, "not-awaiting-supplement", e.message)
    loaded = _load(SupplementAnswerSchema, request.form)
    if isinstance(loaded, Response):
        return loaded
    try:
        documents = _uploads("files", "supplement")
    except BadDocument as e:
        return form_problem(FormError({"files": e.message}))
    if not documents:
        return form_problem(FormError({"files": Message("Chọn ít nhất một tệp để gửi", "Send at least one file")}))
    try:
        runtime().dossiers.deliver_message(
            code,
            "supplement_received",
            {"note": loaded["note"].strip()},
            Actor.applicant(g.bearer.account.full_name),
            documents=documents,
        )
    except EngineError as e:
        return problem(409, "refused", e.message)
    return _done(code)


@blp.route("/dossiers/<code>/withdrawal", methods=["POST"])
@blp.doc(
    security=SECURITY,
    parameters=[IDEMPOTENCY_KEY],
    responses={**_DOSSIER_200, **_problems(400, 401, 403, 404, 409, 422)},
)
@needs("submit")
@idempotent
@blp.arguments(WithdrawalSchema, location="json")
def withdraw(body: dict, code: str):
    """Withdraw one of my dossiers that is still running"""
    view = _own(code)
    if not applicants.may_withdraw(view):
        return problem(
            409, "not-withdrawable", Message("Hồ sơ này không còn rút được", "This dossier can no longer be withdrawn")
        )
    try:
        runtime().dossiers.deliver_message(
            code,
            "withdrawal_requested",
            {"reason": body["reason"].strip()},
            Actor.applicant(g.bearer.account.full_name),
        )
    except EngineError as e:
        return problem(409, "refused", e.message)
    return _done(code)


@blp.route("/dossiers/<code>/rating", methods=["POST"])
@blp.doc(
    security=SECURITY,
    parameters=[IDEMPOTENCY_KEY],
    responses={**_DOSSIER_200, **_problems(400, 401, 403, 404, 409, 422)},
)
@needs("submit")
@idempotent
@blp.arguments(RatingInSchema, location="json")
def rate(body: dict, code: str):
    """Rate the service once the result has been returned (once per dossier)"""
    try:
        with runtime().db.write() as db:
            applicants.rate(db, code, g.bearer.account.id, body, runtime().clock.now())
    except NotFound:
        abort(404)
    except FormError as e:
        return form_problem(e)
    except EngineError as e:
        return problem(409, "refused", e.message)
    return _done(code)
