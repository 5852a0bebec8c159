"""The web application: portal for applicants, public tracking, inboxes for officers.

Views stay thin: they parse input, call the engine and render. Nothing in `engine/` knows Flask.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask
from flask_babel import Babel
from flask_wtf.csrf import CSRFProtect
from werkzeug.routing import IntegerConverter

from engine.config import PROJECT_ROOT
from engine.dossiers.documents import MAX_BYTES
from engine.people.sessions import IDLE_LIMIT
from engine.runtime import Runtime

from . import (
    account,
    admin,
    api,
    api_v1,
    auth,
    counter,
    dashboard,
    decisions,  # noqa: F401  (its routes join the designer blueprint when imported)
    designer,
    designer_versions,
    errors,
    headers,
    health,
    https,
    i18n,
    inbox,
    limits,
    live,
    portal,
    request_ids,
    search,
    statistics,
    team,
    tracking,
)

HERE = Path(__file__).resolve().parent
csrf = CSRFProtect()
babel = Babel()


class UnsafeSettings(RuntimeError):
    """MOTCUA_ENV=production with settings no office should run on."""

    def __init__(self, problems: list[str]):
        super().__init__("refusing to start in production: " + "; ".join(problems))
        self.problems = problems


class RowId(IntegerConverter):
    """`<int:...>` in every address: row ids, so a number past the database's integers (which SQLite
    and PostgreSQL refuse with an error) matches no route and answers 404 like any unknown id."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(test_config: dict | None = None, runtime: Runtime | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(PROJECT_ROOT / "instance"))
    app.url_map.converters["int"] = RowId  # before any route is added
    runtime = runtime or Runtime.create()
    if runtime.settings.is_production and (problems := runtime.settings.unsafe_defaults()):
        raise UnsafeSettings(problems)
    app.config.from_mapping(
        SECRET_KEY=os.environ.get("MOTCUA_SECRET_KEY") or _instance_secret(Path(app.instance_path)),
        # logins end two hours after the last request (on the server: engine.people.sessions)
        PERMANENT_SESSION_LIFETIME=IDLE_LIMIT,
        SESSION_REFRESH_EACH_REQUEST=True,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        # Secure on every https request anyway (web/https.py); this makes it Secure on every request
        SESSION_COOKIE_SECURE=os.environ.get("MOTCUA_SECURE_COOKIES") == "1",
        # a form with several documents; each one is also held to MAX_UPLOAD_BYTES
        MAX_CONTENT_LENGTH=8 * MAX_BYTES,
        MAX_UPLOAD_BYTES=MAX_BYTES,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        BABEL_DEFAULT_LOCALE="vi",
        BABEL_DEFAULT_TIMEZONE=runtime.settings.timezone,  # pages show times in office time
        BABEL_TRANSLATION_DIRECTORIES=str(HERE / "translations"),
        PAGE_SIZE=20,
        **limits.settings(),
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["motcua.runtime"] = runtime
    https.init_app(app, runtime.settings.proxy_hops)
    request_ids.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    i18n.init_app(app)
    auth.init_app(app)
    errors.init_app(app)
    for blueprint in (
        auth.bp,
        portal.bp,
        tracking.bp,
        statistics.bp,
        inbox.bp,
        counter.bp,
        search.bp,
        api.bp,
        admin.bp,
        designer.bp,
        designer_versions.bp,
        live.bp,
        team.bp,
        dashboard.bp,
        health.bp,
        account.bp,
    ):
        app.register_blueprint(blueprint)
    csrf.exempt(api.bp)  # signed by the sender instead (see web/api.py)
    api_v1.init_app(app, csrf)  # bearer tokens, no cookies: exempt from CSRF too
    limits.init_app(app)  # on the views registered above
    headers.init_app(app)
    return app


def _instance_secret(instance: Path) -> str:
    """A secret key kept in the instance folder, made on first start (set MOTCUA_SECRET_KEY in production)."""
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
