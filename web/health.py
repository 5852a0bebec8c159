"""What a load balancer asks: `/healthz`, is the process alive (it answers without touching the
database, so a database outage never makes the balancer restart every web process), and `/readyz`,
may it send this process requests (engine/background/readiness.py: database, schema, broker).

JSON, 200 or 503, and never cached. No login, no CSRF token (GET only), no rate limit: probes come
every few seconds from the balancer's addresses."""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask.wrappers import Response

from engine.background.readiness import readiness

from .context import runtime

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    return _answer({"status": "ok"}, 200)


@bp.get("/readyz")
def readyz() -> tuple[Response, int]:
    rt = runtime()
    ready, checks = readiness(rt.settings, rt.db)
    return _answer({"status": "ready" if ready else "not ready", "checks": checks}, 200 if ready else 503)


def _answer(body: dict, status: int) -> tuple[Response, int]:
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response, status
