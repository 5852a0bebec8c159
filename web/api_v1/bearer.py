"""Bearer tokens on every call of the API: `Authorization: Bearer mct_...` says who calls, and each
operation says the scope it needs and whose token it takes. A refusal is problem+json: 401 for a
missing, unknown, expired or revoked token (with WWW-Authenticate), 403 for a wrong scope or the
wrong kind of holder. The same ownership rules as the pages apply after that, in the engine."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import g, request

from engine.forms import Message
from engine.people import api_tokens, partners
from engine.people.api_tokens import Bearer

from ..context import runtime
from .problems import problem

SECURITY = [{"bearerAuth": []}]
# a partner's software: the access token of the client credentials grant (web/api_v1/oauth.py)
PARTNER_SECURITY = [{"partnerOAuth": []}]
_PARTNER_KINDS = {
    "employer": Message(
        "Thao tác này dành cho phần mềm của đơn vị sử dụng lao động", "This operation takes an employer's token"
    ),
    "medical_facility": Message(
        "Thao tác này dành cho phần mềm của cơ sở khám chữa bệnh", "This operation takes a medical facility's token"
    ),
}


def load_bearer():
    """Before each API view: g.bearer is who the token speaks for (None without a token)."""
    g.bearer = None
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer":
        return _unauthenticated("invalid-token", Message("Chỉ nhận mã dạng Bearer", "Only Bearer tokens are accepted"))
    rt, now = runtime(), runtime().clock.now()
    if partners.is_partner_token(secret.strip()):
        try:
            with rt.db.read() as db:
                partner, scopes = partners.authenticate(db, secret.strip(), now)
        except partners.TokenRefused as e:
            return _unauthenticated(f"{e.reason}-token", e.message)
        g.bearer = Bearer(None, scopes, partner=partner)
        return None
    try:
        with rt.db.read() as db:
            g.bearer = api_tokens.authenticate(db, secret.strip(), now)
    except api_tokens.TokenRefused as e:
        return _unauthenticated(f"{e.reason}-token", e.message)
    if api_tokens.needs_noting(g.bearer, now):
        with rt.db.write() as db:
            api_tokens.note_use(db, g.bearer.token_id, now)
    return None


def _unauthenticated(kind: str, message: Message):
    error = "invalid_token" if kind != "missing-token" else "invalid_request"
    return problem(401, kind, message, headers={"WWW-Authenticate": f'Bearer realm="motcua", error="{error}"'})


def current() -> Bearer:
    return g.bearer


def needs(scope: str, holder: str = "applicant") -> Callable[[Callable], Callable]:
    """The operation needs a token with `scope`, held by an applicant's account, an officer, or a
    partner client of a kind (employer, medical_facility)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            bearer = g.get("bearer")
            if bearer is None:
                return _unauthenticated(
                    "missing-token",
                    Message("Cần mã truy cập (Authorization: Bearer ...)", "A bearer token is required"),
                )
            if scope not in bearer.scopes:
                return problem(403, "insufficient-scope", api_tokens.ScopeMissing(scope).message)
            if holder == "applicant" and bearer.account is None:
                return problem(
                    403,
                    "applicants-only",
                    Message(
                        "Thao tác này dành cho mã của người nộp hồ sơ", "This operation takes an applicant's token"
                    ),
                )
            if holder == "officer" and bearer.officer is None:
                return problem(
                    403,
                    "officers-only",
                    Message("Thao tác này dành cho mã của cán bộ", "This operation takes an officer's token"),
                )
            if holder in _PARTNER_KINDS and (bearer.partner is None or bearer.partner.kind != holder):
                return problem(403, "wrong-client-kind", _PARTNER_KINDS[holder])
            return view(*args, **kwargs)

        return wrapped

    return decorate
