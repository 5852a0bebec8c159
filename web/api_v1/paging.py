"""Keyset paging: a page is `limit` rows after an opaque cursor (the last row's key, signed so a
caller cannot make one up), and the answer links to the next page in its body and in a Link header.
Unlike page numbers, a page never repeats or skips rows when new ones arrive meanwhile."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from marshmallow import Schema, fields, validate

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


class PageArgs(Schema):
    limit = fields.Integer(
        load_default=DEFAULT_LIMIT, validate=validate.Range(1, MAX_LIMIT), metadata={"description": "rows per page"}
    )
    cursor = fields.String(
        load_default=None, validate=validate.Length(max=200), metadata={"description": "from the previous page's next"}
    )


class LinksSchema(Schema):
    next = fields.String(allow_none=True, required=True, metadata={"description": "the next page; null on the last"})


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="motcua.api.cursor")


def decode(cursor: str | None) -> Any:
    """The key a cursor carries; None for the first page. A cursor not made here is a ValueError."""
    if not cursor:
        return None
    try:
        return _signer().loads(cursor)
    except BadSignature:
        raise ValueError("not a cursor of this API") from None


def sign(key: Any) -> str:
    """A cursor carrying this key (the engine's own page keys, say)."""
    return _signer().dumps(key)


def page(rows: list, limit: int, key_of, endpoint: str, **args) -> tuple[list, dict[str, str | None], dict[str, str]]:
    """The rows to answer (fetch limit + 1 to know whether more follow), the links and the headers."""
    more = len(rows) > limit
    rows = rows[:limit]
    next_url = None
    headers: dict[str, str] = {}
    if more:
        cursor = _signer().dumps(key_of(rows[-1]))
        next_url = url_for(endpoint, **args, limit=limit, cursor=cursor, _external=False)
        headers["Link"] = f'<{request.host_url.rstrip("/")}{next_url}>; rel="next"'
    return rows, {"next": next_url}, headers
