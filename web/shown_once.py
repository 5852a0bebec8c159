"""A secret shown once, after the form that made it (redirect-after-post).

The form's POST makes the token or client, keeps its secret here and answers 303 to the page; the
page takes the secret (which removes it) and shows it in that one answer. A reload or the back button
then asks the page again with GET: nothing new is made and the secret is gone. The page is sent with
`Cache-Control: no-store`, so the browser keeps no copy of it to show again from its cache.

The secret waits in the browser's session (Flask's signed cookie, HttpOnly, Secure over https) for
the one request between the POST and the page: never in the address, never in a log. Logging out
empties the session, secret included.
"""

from __future__ import annotations

from typing import Any

from flask import session
from flask.wrappers import Response

_PREFIX = "shown_once."


def keep(name: str, value: Any) -> None:
    """Keep `value` for the next view that takes `name` (a later keep replaces it)."""
    session[_PREFIX + name] = value


def take(name: str) -> Any:
    """The value kept under `name`, removed as it is read; None when there is none."""
    return session.pop(_PREFIX + name, None)


def no_store(response: Response) -> Response:
    """The page may carry a secret: no cache (the browser's own included) may keep it."""
    response.headers["Cache-Control"] = "private, no-store"
    return response
