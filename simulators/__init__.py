"""Stand-ins for the outside systems the product talks to (the post, the population registry, the
national portal, the bank, the SMS/e-mail gateway): one small Flask app with state in memory, a log
of every request and switches to make them fail, stall or repeat. `motcua simulators` serves it."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask, jsonify
from werkzeug.exceptions import HTTPException

from . import bank, notify, portal, post, registry
from .shared import State, control

ROOT = Path(__file__).resolve().parent.parent


def create_app(
    product_url: str | None = None, post_secret: str | None = None, bank_secret: str | None = None, seed: bool = True
) -> Flask:
    """Unset arguments come from MOTCUA_PRODUCT_URL, MOTCUA_POST_SECRET and MOTCUA_BANK_SECRET, as
    the product reads its own side of the secrets."""
    env = os.environ
    app = Flask(__name__)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    app.extensions["simulators"] = State(
        product_url if product_url is not None else env.get("MOTCUA_PRODUCT_URL", "http://127.0.0.1:8000"),
        post_secret if post_secret is not None else env.get("MOTCUA_POST_SECRET", "dev-post-secret"),
        bank_secret if bank_secret is not None else env.get("MOTCUA_BANK_SECRET", "dev-bank-secret"),
        registry.load_people(ROOT) if seed else {},
    )
    for blueprint in (control, post.bp, registry.bp, portal.bp, bank.bp, notify.bp):
        app.register_blueprint(blueprint)

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        return jsonify(error=err.name), err.code

    return app
