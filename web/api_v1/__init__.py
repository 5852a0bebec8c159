"""The public REST API at /api/v1: JSON for programs (the national social-insurance app, partners'
software), authenticated with bearer tokens, never cookies (so exempt from CSRF).

flask-smorest with marshmallow: the schemas that read requests and write answers also write the
OpenAPI 3.1 document served at /api/v1/openapi.json, and the reference page at /api/v1/docs is
rendered from that same document. One module per resource group: `procedures`, `dossiers` (the
citizens' part), `tasks` (the officers'), `oauth` and `partners` (partners' software: employers and
medical facilities, with client credentials); `problems` (RFC 9457 errors), `bearer` (tokens and
scopes), `paging` (keyset cursors), `idempotent` (Idempotency-Key) and `reference` are what they
share. The signed webhooks of web/api.py (/api/postal/..., /api/bank/...) are separate and stay as
they are.
"""

from __future__ import annotations

import http

from flask import Flask, request
from flask_smorest import Api as _Api
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from . import dossiers, oauth, partners, procedures, reference, tasks
from .problems import MEDIA_TYPE, ProblemSchema, http_problem

PREFIX = "/api/v1"


class Api(_Api):
    """flask-smorest's Api, with problem+json as every documented error and no error handler of its
    own on the whole app (the pages keep their HTML error pages; see init_app)."""

    DEFAULT_ERROR_RESPONSE_NAME = None
    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self):
        pass

    def _register_responses(self):
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)


def is_api_request() -> bool:
    return request.path == PREFIX or request.path.startswith(PREFIX + "/")


def init_app(app: Flask, csrf) -> Api:
    app.config.update(
        API_TITLE="Motcua",
        API_VERSION="1",
        OPENAPI_VERSION="3.1.0",
        API_SPEC_OPTIONS={
            "info": {
                "description": (
                    "The provincial social-insurance office's one-stop services for programs. "
                    "Authenticate with a personal access token (made on your account page) as "
                    "`Authorization: Bearer mct_...`. Errors are RFC 9457 problem details in Vietnamese "
                    "and English (Accept-Language picks the `detail`). Every creating call needs an "
                    "`Idempotency-Key` header."
                )
            },
            "servers": [{"url": "/"}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {"type": "http", "scheme": "bearer", "description": "a personal access token"},
                    "partnerOAuth": {
                        "type": "oauth2",
                        "description": (
                            "partners' software (employers, medical facilities): the client id and secret the "
                            "office's administrator issued, traded for an access token of an hour "
                            "(client credentials grant); send it as `Authorization: Bearer mcp_...`"
                        ),
                        "flows": {
                            "clientCredentials": {
                                "tokenUrl": "/api/v1/oauth/token",
                                "scopes": {
                                    "cards": "check a health-insurance card (medical facilities)",
                                    "submit": "file dossiers for employees (employers)",
                                    "read": "read the dossiers one filed (employers)",
                                },
                            }
                        },
                    },
                    "clientBasic": {
                        "type": "http",
                        "scheme": "basic",
                        "description": "a partner client's id and secret, at the token endpoint only",
                    },
                }
            },
        },
    )
    app.json.ensure_ascii = False  # Vietnamese as it is written, not \u escapes (still UTF-8 JSON)
    api = Api(app)
    # named once here: the operations' documented answers refer to them by name
    api.spec.components.schema("Dossier", schema=dossiers.DossierSchema)
    api.spec.components.schema("Task", schema=tasks.TaskSchema)
    api.spec.components.schema("FiledDossier", schema=partners.FiledDossierSchema)
    api.spec.components.schema("OAuthProblem", schema=oauth.OAuthProblemSchema)
    for blueprint in (procedures.blp, dossiers.blp, tasks.blp, oauth.blp, partners.blp):
        csrf.exempt(blueprint)
        api.register_blueprint(blueprint, url_prefix=PREFIX)
    csrf.exempt(reference.bp)
    app.register_blueprint(reference.bp, url_prefix=PREFIX)
    app.extensions["motcua.api_v1"] = api
    return api


def problem_for(error: HTTPException):
    """For web/errors.py: an HTTP error under /api/v1 answers as problem+json, not as a page."""
    return http_problem(error)
