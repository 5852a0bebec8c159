"""Procedures and their application forms, from the deployed procedures' metadata (public: the same
as the portal's procedure pages, no token needed)."""

from __future__ import annotations

from flask import abort
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from engine.dossiers import applicants
from engine.errors import NotFound
from engine.workflow.versions import current_versions

from ..context import runtime
from .bearer import load_bearer
from .problems import problems_doc
from .schemas import FieldSchema, TextSchema, field_of, text

blp = Blueprint("procedures", __name__, description="Procedures and their forms (public)")
blp.before_request(load_bearer)


class ProcedureQuery(Schema):
    q = fields.String(load_default="", validate=validate.Length(max=200), metadata={"description": "words to find"})
    who = fields.String(
        load_default="", validate=validate.Length(max=40), metadata={"description": "an applicant category"}
    )


class ProcedureSummarySchema(Schema):
    code = fields.String(required=True)
    name = fields.Nested(TextSchema, required=True)
    applicants = fields.List(fields.String(), required=True)
    limit_days = fields.Integer(required=True)
    limit_unit = fields.String(required=True, metadata={"description": "working or calendar days"})
    fee = fields.Integer(required=True, metadata={"description": "đồng"})


class ProcedureListSchema(Schema):
    items = fields.List(fields.Nested(ProcedureSummarySchema), required=True)


class DocumentSpecSchema(Schema):
    id = fields.String(required=True, metadata={"description": "send its files as multipart parts named doc-<id>"})
    name = fields.Nested(TextSchema, required=True)
    required = fields.Boolean(required=True)
    required_if = fields.Dict(required=True)
    original = fields.Boolean(required=True, metadata={"description": "the original is to be shown on paper"})


class ProcedureSchema(ProcedureSummarySchema):
    result = fields.Nested(TextSchema, required=True)
    application = fields.List(fields.Nested(FieldSchema), required=True)
    documents = fields.List(fields.Nested(DocumentSpecSchema), required=True)


def summary(meta) -> dict:
    return {
        "code": meta.code,
        "name": text(meta.name),
        "applicants": list(meta.applicants),
        "limit_days": meta.limit_days,
        "limit_unit": meta.limit_unit,
        "fee": meta.fee,
    }


@blp.route("/procedures")
@blp.doc(responses=problems_doc(401))
@blp.arguments(ProcedureQuery, location="query", as_kwargs=True)
@blp.response(200, ProcedureListSchema)
def list_procedures(q: str, who: str):
    """The deployed procedures, found by words of their code or name and by applicant category"""
    with runtime().db.read() as db:
        versions = current_versions(db, runtime().versions)
    return {"items": [summary(m) for m in applicants.find_procedures(versions, q.strip(), who.strip())]}


@blp.route("/procedures/<code>")
@blp.response(200, ProcedureSchema)
@blp.doc(responses=problems_doc(401, 404))
def get_procedure(code: str):
    """A procedure with its application form and its documents"""
    try:
        with runtime().db.read() as db:
            meta = applicants.deployed_meta(db, runtime().versions, code)
    except NotFound:
        abort(404)
    return {
        **summary(meta),
        "result": text(meta.result),
        "application": [field_of(f) for f in meta.application],
        "documents": [
            {
                "id": d.id,
                "name": text(d.name),
                "required": d.required,
                "required_if": dict(d.required_if),
                "original": d.original,
            }
            for d in meta.documents
        ],
    }
