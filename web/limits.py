"""Rate limits on what can be guessed or abused: logins, password-reset requests, sign-up and tracking;
and on the REST API's calls per caller.

One Flask-Limiter per app, counting in memory (one process) or in Redis when MOTCUA_RATELIMIT_STORAGE
names one (`redis://host:6379/1`: every process and machine then shares the counts). Windows move: "10
per 15 minutes" allows at most 10 in any 15 minutes. Where only failures count (logins, tracking), a
request over the limit is refused before it is tried, the right password too. The numbers are settings
(`RATELIMIT_*` below, or `MOTCUA_RATELIMIT_*` in the environment); over a limit the answer is 429 on the
normal error page (problem details under /api/v1), with the time to wait in words and in Retry-After
(web/errors.py).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, g, request
from flask.wrappers import Response
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from engine.people import accounts

from .context import runtime

# What a real office can live with (README, "Rate limits and security headers"): a person who mistypes
# is not stopped, a guesser is; an office's officers behind one address log in unhindered (only
# failures count).
DEFAULTS = {
    "RATELIMIT_LOGIN_ACCOUNT": "10 per 15 minutes; 100 per day",  # failed logins per account
    "RATELIMIT_LOGIN_ADDRESS": "30 per 15 minutes; 300 per day",  # failed logins per address, both forms
    "RATELIMIT_RESET_ACCOUNT": "3 per hour; 10 per day",  # reset requests per account or identifier
    "RATELIMIT_RESET_ADDRESS": "20 per hour",  # reset requests per address
    "RATELIMIT_SIGNUP_ID": "3 per day",  # sign-ups sent per ID number (each sends an SMS / e-mail)
    "RATELIMIT_SIGNUP_ADDRESS": "20 per hour",  # sign-ups sent per address
    "RATELIMIT_TRACK_ID": "10 per hour; 20 per day",  # failed tracking lookups per ID number
    "RATELIMIT_TRACK_ADDRESS": "30 per hour; 100 per day",  # failed tracking lookups per address
    # the REST API, per caller (the token's holder, else the address): a program polling its dossiers
    # every few seconds is served, a runaway loop is not
    "RATELIMIT_API_CALLER": "300 per minute; 20000 per day",  # every call
    "RATELIMIT_API_CREATE": "120 per hour",  # creating calls (submissions, papers, withdrawals, ratings)
}
STORAGE = "RATELIMIT_STORAGE_URI"
KEY_PREFIX = "RATELIMIT_KEY_PREFIX"


def settings() -> dict[str, str]:
    """The limits and their store, each overridable from the environment (MOTCUA_RATELIMIT_...)."""
    values = {name: os.environ.get(f"MOTCUA_{name}", default) for name, default in DEFAULTS.items()}
    values[STORAGE] = os.environ.get("MOTCUA_RATELIMIT_STORAGE", "memory://")
    values[KEY_PREFIX] = os.environ.get("MOTCUA_RATELIMIT_KEY_PREFIX", "motcua")
    return values


# --- whom a limit counts -------------------------------------------------------------------------


def _address() -> str:
    return f"address:{get_remote_address()}"


def _applicant() -> str:
    """The account the identifier belongs to (by citizen ID, phone or e-mail alike), else the identifier."""
    with runtime().db.read() as db:
        return accounts.attempts_key(db, request.form.get("identifier", "")[:200])


def _officer() -> str:
    return "officer:" + request.form.get("username", "").strip()[:200]


def _id_number() -> str:
    # spaces inside count for nothing, as in the lookup: "051 090 ..." is the same number
    return "id:" + "".join(request.form.get("id_number", "").split())[:40]


def _api_caller() -> str:
    """Whose calls an API limit counts: the bearer token's holder (web/api_v1/bearer.py has loaded it
    before the view), else the address."""
    bearer = g.get("bearer")
    return f"api:{bearer.holder}" if bearer is not None else f"api:{_address()}"


def _failed(response: Response) -> bool:
    return response.status_code == 400  # a wrong login, a dossier not found


def _sent(response: Response) -> bool:
    return response.status_code == 200  # the sign-up form passed its checks and a message went out


@dataclass(frozen=True)
class Rule:
    setting: str
    key: Callable[[], str]
    counts: Callable[[Response], bool] | None = None  # None: every request counts
    shared: str | None = None  # one count across the endpoints naming the same scope


RULES: dict[str, tuple[Rule, ...]] = {
    "auth.login": (
        Rule("RATELIMIT_LOGIN_ACCOUNT", _applicant, _failed),
        Rule("RATELIMIT_LOGIN_ADDRESS", _address, _failed, shared="login-address"),
    ),
    "auth.officer_login": (
        Rule("RATELIMIT_LOGIN_ACCOUNT", _officer, _failed),
        Rule("RATELIMIT_LOGIN_ADDRESS", _address, _failed, shared="login-address"),
    ),
    "auth.forgot_password": (
        Rule("RATELIMIT_RESET_ACCOUNT", _applicant),
        Rule("RATELIMIT_RESET_ADDRESS", _address),
    ),
    "auth.signup": (
        Rule("RATELIMIT_SIGNUP_ID", _id_number, _sent),
        Rule("RATELIMIT_SIGNUP_ADDRESS", _address, _sent),
    ),
    "tracking.track": (
        Rule("RATELIMIT_TRACK_ID", _id_number, _failed),
        Rule("RATELIMIT_TRACK_ADDRESS", _address, _failed),
    ),
}


def init_app(app: Flask) -> None:
    """Put the limits on the views (after the blueprints are registered); POSTs only: pages stay open."""
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=app.config[STORAGE],
        strategy="moving-window",
        key_prefix=app.config[KEY_PREFIX],  # several offices or test runs may share one Redis
        in_memory_fallback_enabled=True,  # Redis down: count in this process rather than refuse or let all through
        fail_on_first_breach=False,  # every limit is checked, so the wait told is the longest one
    )
    app.extensions["motcua.limiter"] = limiter
    for endpoint, rules in RULES.items():
        view = app.view_functions[endpoint]
        for rule in rules:
            options = {"key_func": rule.key, "deduct_when": rule.counts, "methods": ["POST"]}
            limit = (
                limiter.shared_limit(_setting(rule.setting), rule.shared, **options)
                if rule.shared
                else limiter.limit(_setting(rule.setting), **options)
            )
            view = limit(view)
        app.view_functions[endpoint] = view
    for endpoint in api_endpoints(app):
        view = limiter.shared_limit(_setting("RATELIMIT_API_CALLER"), "api-caller", key_func=_api_caller)(
            app.view_functions[endpoint]
        )
        view = limiter.shared_limit(
            _setting("RATELIMIT_API_CREATE"), "api-create", key_func=_api_caller, methods=["POST"]
        )(view)
        app.view_functions[endpoint] = view


def api_endpoints(app: Flask) -> list[str]:
    """The REST API's operations (its document and reference page are not limited)."""
    return [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        and rule.endpoint.split(".")[0] in ("procedures", "dossiers", "tasks", "oauth", "partners")
    ]


def _setting(name: str) -> Callable[[], str]:
    return lambda: current_app.config[name]


def seconds_to_wait() -> int:
    """How long until every limit this request broke lets one more through (at least a second)."""
    limiter: Limiter = current_app.extensions["motcua.limiter"]
    resets = [limit.window[0] for limit in limiter.current_limits if limit.breached]
    return max(1, math.ceil(max(resets, default=0) - time.time()))
