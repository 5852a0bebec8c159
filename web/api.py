"""Signed updates from outside systems (the post office, the bank). Exempt from CSRF: they carry an
HMAC signature instead of a session, checked over the raw body by engine.integration.inbound."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from engine.integration import inbound

from .context import runtime

bp = Blueprint("api", __name__, url_prefix="/api")


def _answer(answer: inbound.Answer):
    return jsonify(answer.body), answer.status


@bp.post("/postal/updates")
def postal_updates():
    return _answer(inbound.postal_update(runtime().dossiers, request.headers, request.get_data(cache=False)))


@bp.post("/postal/intake")
def postal_intake():
    return _answer(inbound.postal_intake(runtime().dossiers, request.headers, request.get_data(cache=False)))


@bp.post("/bank/updates")
def bank_updates():
    return _answer(inbound.bank_update(runtime().dossiers, request.headers, request.get_data(cache=False)))
