"""The token endpoint of partners' software: OAuth 2.0 client credentials grant (RFC 6749 §4.4), what
partner software and its OAuth libraries already speak. POST /api/v1/oauth/token with
grant_type=client_credentials and the client's id and secret (HTTP Basic, or client_id and
client_secret in the form) gives an access token of an hour with the client's scopes. Refusals are
problem+json that also carry RFC 6749's `error` and `error_description`, so either kind of client
understands them. No bearer token here: the client's credentials are what it shows."""

from __future__ import annotations

from flask import current_app, request
from flask_smorest import Blueprint
from marshmallow import Schema, fields

from engine.forms import Message
from engine.people import partners

from ..context import runtime
from .problems import MEDIA_TYPE, ProblemSchema, problem

blp = Blueprint("oauth", __name__, description="Partners' software: an access token for its client credentials")


class TokenSchema(Schema):
    access_token = fields.String(required=True, metadata={"description": "send it as `Authorization: Bearer ...`"})
    token_type = fields.String(required=True, metadata={"description": "always Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds it stays valid"})
    scope = fields.String(required=True, metadata={"description": "the client's scopes, space-separated"})


class OAuthProblemSchema(ProblemSchema):
    error = fields.String(required=True, metadata={"description": "RFC 6749's error code, e.g. invalid_client"})
    error_description = fields.String(required=True)


_FORM = {
    "type": "object",
    "properties": {
        "grant_type": {"type": "string", "enum": ["client_credentials"]},
        "client_id": {"type": "string", "maxLength": 40},
        "client_secret": {"type": "string", "maxLength": 100},
        "scope": {"type": "string", "maxLength": 100, "description": "ignored: a client gets its kind's scopes"},
    },
    "required": ["grant_type"],
}
_REFUSED = {"content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/OAuthProblem"}}}}


def _refused(status: int, error: str, message: Message, **headers: str):
    response = problem(status, error.replace("_", "-"), message, headers={"Cache-Control": "no-store", **headers})
    body = response.get_json()
    body.update(error=error, error_description=message.en)
    response.set_data(current_app.json.dumps(body))
    return response


@blp.route("/oauth/token", methods=["POST"])
@blp.doc(
    security=[{"clientBasic": []}, {}],
    requestBody={"required": True, "content": {"application/x-www-form-urlencoded": {"schema": _FORM}}},
    responses={
        "200": {
            "description": "the access token",
            "content": {"application/json": {"schema": TokenSchema}},
            "headers": {"Cache-Control": {"schema": {"type": "string"}, "description": "no-store"}},
        },
        "400": {"description": "not a client credentials request", **_REFUSED},
        "401": {"description": "unknown client, wrong secret, or revoked", **_REFUSED},
    },
)
def token():
    """Trade a partner client's id and secret for an access token (OAuth 2.0 client credentials grant)"""
    form = request.form
    if form.get("grant_type") != "client_credentials":
        return _refused(
            400,
            "unsupported_grant_type",
            Message("Chỉ hỗ trợ grant_type=client_credentials", "Only grant_type=client_credentials is supported"),
        )
    basic = request.authorization
    if basic is not None and basic.type == "basic":
        client_id, secret = basic.username or "", basic.password or ""
    else:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
    if not client_id or not secret:
        return _refused(
            400,
            "invalid_request",
            Message(
                "Cần client_id và client_secret (trong biểu mẫu hoặc HTTP Basic)",
                "client_id and client_secret are needed (in the form or as HTTP Basic)",
            ),
        )
    rt = runtime()
    try:
        with rt.db.write() as db:
            issued = partners.issue_token(db, client_id.strip(), secret.strip(), rt.clock.now())
    except partners.ClientRefused as e:
        return _refused(401, "invalid_client", e.message, **{"WWW-Authenticate": 'Basic realm="motcua"'})
    body = {
        "access_token": issued.token,
        "token_type": "Bearer",
        "expires_in": issued.expires_in,
        "scope": " ".join(issued.scopes),
    }
    response = current_app.response_class(current_app.json.dumps(body), status=200, mimetype="application/json")
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    return response
