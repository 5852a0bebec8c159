"""How the site behaves over https, behind a reverse proxy too: the proxy's X-Forwarded-For and
-Proto are believed for the number of hops configured (MOTCUA_PROXY_HOPS), session cookies are
marked Secure and HSTS is sent whenever the request came over https."""

from __future__ import annotations

from flask import Flask, Response, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

HSTS = "max-age=31536000; includeSubDomains"  # a year: browsers come back over https only


class _SessionCookies(SecureCookieSessionInterface):
    """Flask's signed cookie, marked Secure on every https request (or always, if configured)."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or bool(app.config["SESSION_COOKIE_SECURE"])


def init_app(app: Flask, proxy_hops: int) -> None:
    if proxy_hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxy_hops, x_proto=proxy_hops)
    app.session_interface = _SessionCookies()

    @app.after_request
    def _strict_transport(response: Response) -> Response:
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response
