"""Security headers on every response.

The pages run no inline script or style (tests/web/test_headers.py checks every template), so the
policy allows only the site's own files; Pico's icons are data: images in its stylesheet. No page may
be framed (clickjacking), except a document's inline preview, which the task page frames
(web/files.py sets its own, narrower policy). Referrers stay on the site: tracking addresses carry dossier codes, and
Flask-WTF checks a same-site Referer on forms sent over HTTPS, so `no-referrer` would refuse them.
The designers' studio runs bpmn-js under this same policy, with nothing added: its scripts and
fonts are the site's own files (web/static/vendor/), and it styles elements through the CSSOM
(`element.style`), which `style-src` does not govern; tests/browser/test_designer_studio.py fails
on any violation while drawing, checking and test-running.
"""

from __future__ import annotations

from flask import Flask
from flask.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
# The decision-table page only: dmn-js 17 builds parts of its table (and bpmn.io's logo) from HTML
# strings carrying style="..." attributes, which the policy above blocks. Style *attributes* are
# allowed there and nothing else: no <style> element (CodeMirror's is moved into a constructed
# stylesheet by decisions.js), no inline script; images and fonts stay the site's own, so an
# attribute can load nothing from elsewhere.
DECISION_TABLE_POLICY = CONTENT_SECURITY_POLICY + "; style-src-attr 'unsafe-inline'"
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def init_app(app: Flask) -> None:
    app.after_request(_secure)


def _secure(response: Response) -> Response:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response
