"""Partners' software, with the access token of web/api_v1/oauth.py: a medical facility checks a
citizen's health-insurance card on a day (and every check is logged), an employer files dossiers for
its employees under its tax code (checked as the portal checks its own account's) and lists and
reads back the ones it filed. Another client's dossier answers 404 like one that does not exist."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

from flask import Response, abort, current_app, g, request, url_for
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from engine.dossiers import card_checks, partner_dossiers
from engine.dossiers.views import DossierView, dossier_view
from engine.errors import EngineError
from engine.forms import FormError, Message
from engine.people.officers import Actor

from ..context import runtime
from ..links import public_url_for
from . import paging
from .bearer import PARTNER_SECURITY, load_bearer, needs
from .dossiers import (
    DossierListSchema,
    DossierSummarySchema,
    SubmissionSchema,
    _multipart,
    checked_submission,
    dossier_page,
    dossier_summary,
)
from .idempotent import PARAMETER as IDEMPOTENCY_KEY
from .idempotent import idempotent
from .problems import form_problem, problem
from .problems import problems_doc as _problems

blp = Blueprint("partners", __name__, description="Partners' software (an access token from /api/v1/oauth/token)")
blp.before_request(load_bearer)


# --- a medical facility: is the card valid? ------------------------------------------------------


class CardQuery(Schema):
    on = fields.Date(
        load_default=None, metadata={"description": "the day of the visit (YYYY-MM-DD); today if left out"}
    )


class CardSchema(Schema):
    number = fields.String(required=True)
    valid_from = fields.Date(allow_none=True, required=True)
    valid_to = fields.Date(required=True)


class CardCheckSchema(Schema):
    on = fields.Date(required=True)
    valid = fields.Boolean(required=True)
    answer = fields.String(
        required=True, metadata={"description": "valid, expired, not_yet_valid, or no_card (none issued here)"}
    )
    card = fields.Nested(
        CardSchema,
        allow_none=True,
        required=True,
        metadata={"description": "the card valid that day, else the nearest one; null without any"},
    )


@blp.route("/cards/<id_number>", methods=["GET"])
@blp.doc(
    security=PARTNER_SECURITY,
    parameters=[
        {
            "in": "path",
            "name": "id_number",
            "required": True,
            "schema": {"type": "string", "pattern": r"^\d{12}$"},
            "description": "the citizen ID (CCCD), 12 digits",
        }
    ],
    responses=_problems(401, 403, 404, 422),
)
@needs("cards", holder="medical_facility")
@blp.arguments(CardQuery, location="query", as_kwargs=True)
@blp.response(200, CardCheckSchema)
def check_card(id_number: str, on: date | None):
    """Whether the citizen's health-insurance card issued by this office is valid on a day (number, dates only)"""
    if not card_checks.ID_NUMBER.match(id_number):
        message = Message("Số CCCD gồm đúng 12 chữ số", "A citizen ID has exactly 12 digits")
        return problem(422, "invalid-fields", message, {"id_number": message})
    rt = runtime()
    now = rt.clock.now()
    day = on or now.astimezone(ZoneInfo(rt.settings.timezone)).date()
    with rt.db.write() as db:
        found = card_checks.check(db, g.bearer.partner.id, id_number, day, now)
    card = (
        {"number": found.card_number, "valid_from": found.valid_from, "valid_to": found.valid_to}
        if found.card_number
        else None
    )
    return {"on": day, "valid": found.answer == card_checks.VALID, "answer": found.answer, "card": card}


# --- an employer: dossiers for its employees -----------------------------------------------------


class FiledLinksSchema(Schema):
    self = fields.String(required=True)
    tracking = fields.String(required=True, metadata={"description": "the public tracking page"})


class FiledDossierSchema(DossierSummarySchema):
    links = fields.Nested(FiledLinksSchema, required=True)


def _filed(view: DossierView) -> dict:
    return {
        **dossier_summary(view),
        "links": {
            "self": url_for("partners.get_filed", code=view.code),
            "tracking": public_url_for("tracking.track", code=view.code),
        },
    }


def _own(code: str) -> DossierView:
    rt = runtime()
    with rt.db.read() as db:
        if not partner_dossiers.owns(db, g.bearer.partner, code):
            abort(404)
        return dossier_view(db, rt.versions, code)


def _answer(body: dict, status: int) -> Response:
    dumped = FiledDossierSchema().dump(body)
    return current_app.response_class(current_app.json.dumps(dumped), status=status, mimetype="application/json")


@blp.route("/employer/dossiers", methods=["POST"])
@blp.doc(
    security=PARTNER_SECURITY,
    parameters=[IDEMPOTENCY_KEY],
    requestBody=_multipart(SubmissionSchema, {}),
    responses={
        "201": {
            "description": "the dossier made (or the one made the first time, for the same key and request)",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FiledDossier"}}},
            "headers": {"Location": {"schema": {"type": "string"}}},
        },
        **_problems(400, 401, 403, 404, 409, 413, 422),
    },
)
@needs("submit", holder="employer")
@idempotent
def file_dossier():
    """File a dossier for an employee under the employer's tax code (a procedure employers file, as
    applicant_type employer where the form asks); multipart as POST /dossiers"""
    partner = g.bearer.partner
    checked = checked_submission(partner_dossiers.applicant_of(partner))
    if isinstance(checked, Response):
        return checked
    meta, values, documents = checked
    key = request.headers["Idempotency-Key"].strip()
    rt = runtime()
    try:
        code = rt.dossiers.start(
            meta.code,
            values,
            Actor.applicant(partner.name),
            documents=documents,
            submission_key=f"partner:{partner.id}:{key}"[:100],
        )
    except FormError as e:
        return form_problem(e, "application.")
    except EngineError as e:
        return problem(409, "refused", e.message)
    # linked after the start's own transaction: if this fails, the same request again finds the dossier
    # by its submission key and links it then
    with rt.db.write() as db:
        partner_dossiers.link(db, partner, code, rt.clock.now())
    response = _answer(_filed(_own(code)), 201)
    response.headers["Location"] = url_for("partners.get_filed", code=code)
    return response


@blp.route("/employer/dossiers", methods=["GET"])
@blp.doc(security=PARTNER_SECURITY, responses=_problems(401, 403, 422))
@needs("read", holder="employer")
@blp.arguments(paging.PageArgs, location="query", as_kwargs=True)
@blp.response(200, DossierListSchema)
def list_filed(limit: int, cursor: str | None):
    """The dossiers this employer's software filed, newest first, a page at a time"""
    partner = g.bearer.partner
    return dossier_page(
        limit,
        cursor,
        lambda db, after, n: partner_dossiers.filed_after(db, partner, after, n),
        "partners.list_filed",
        "partners.get_filed",
    )


@blp.route("/employer/dossiers/<code>", methods=["GET"])
@blp.doc(
    security=PARTNER_SECURITY,
    responses={
        "200": {
            "description": "the dossier",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/FiledDossier"}}},
        },
        **_problems(401, 403, 404),
    },
)
@needs("read", holder="employer")
def get_filed(code: str):
    """One dossier this employer's software filed, with its status"""
    return _answer(_filed(_own(code)), 200)
