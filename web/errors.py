"""Friendly error pages that say what happened and where to go, and leak nothing else."""

from __future__ import annotations

import logging
import math
from datetime import timedelta

from flask import Flask, render_template
from flask_babel import format_timedelta
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from . import api_v1, limits

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return render_template("errors/error.html", code=400, kind="csrf"), 400

    for code in (400, 403, 404, 405, 413):
        app.register_error_handler(code, lambda error, code=code: _page(error, code))

    @app.errorhandler(HTTPException)
    def other_http_error(error):
        """Under /api/v1 every HTTP error answers as problem+json (web/api_v1/problems.py)."""
        return api_v1.problem_for(error) if api_v1.is_api_request() else error

    @app.errorhandler(429)
    def too_many(error):
        """Over a rate limit (web/limits.py): how long to wait, in words and in Retry-After."""
        seconds = limits.seconds_to_wait()
        minutes = math.ceil(seconds / 60)
        if minutes >= 90:  # said in hours from an hour and a half on: whole hours, rounded up, never less
            minutes = math.ceil(minutes / 60) * 60
        wait = format_timedelta(timedelta(minutes=minutes), granularity="minute", threshold=1.5)
        if api_v1.is_api_request():
            response = api_v1.problem_for(error)
            response.headers["Retry-After"] = str(seconds)
            return response
        page = render_template("errors/error.html", code=429, kind="429", wait=wait)
        return page, 429, {"Retry-After": str(seconds)}

    @app.errorhandler(500)
    def server_error(error):
        log.exception("unhandled error", exc_info=getattr(error, "original_exception", error))
        if api_v1.is_api_request():
            return api_v1.problem_for(InternalServerError())
        return render_template("errors/error.html", code=500, kind="500"), 500


def _page(error: HTTPException, code: int):
    if api_v1.is_api_request():
        return api_v1.problem_for(error)
    return render_template("errors/error.html", code=code, kind=str(code)), code
