"""A request id on every request: taken from X-Request-Id when a proxy or a program sends a sane one,
made otherwise; sent back in X-Request-Id, put in every log line written while the request runs
(`request_id` on the record) and in the API's problem details, so a caller's report finds the log."""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, g, has_request_context, request
from flask.wrappers import Response

HEADER = "X-Request-Id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,100}$")


def init_app(app: Flask) -> None:
    app.before_request(_take)
    app.after_request(_send)
    handler_filter = _RequestIdFilter()
    for handler in logging.getLogger().handlers + app.logger.handlers:
        handler.addFilter(handler_filter)
    logging.getLogger().addFilter(handler_filter)
    app.logger.addFilter(handler_filter)


def _take() -> None:
    given = request.headers.get(HEADER, "")
    g.request_id = given if _SANE.match(given) else uuid.uuid4().hex


def _send(response: Response) -> Response:
    if "request_id" in g:
        response.headers[HEADER] = g.request_id
    return response


def current() -> str:
    return g.get("request_id", "-") if has_request_context() else "-"


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = current()
        return True
