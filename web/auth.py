"""Logging in and out: applicants (citizen ID / tax code, phone or e-mail) and officers (username).

The browser's session cookie holds only a login's token; the login itself is kept on the server
(engine.people.sessions), so logging out, a password change or two idle hours end it for every copy
of the cookie.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, Flask, abort, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from engine.errors import EngineError
from engine.forms import FormError
from engine.people import accounts, sessions

from .context import field_errors, flash_error, runtime
from .links import public_url_for
from .redirects import local_target

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    app.before_request(_load_user)
    app.jinja_env.globals.update(current_account=lambda: g.get("account"), current_officer=lambda: g.get("officer"))


def _load_user() -> None:
    g.account = g.officer = None
    g.officer_roles = []
    token = session.get("login")
    if not token:
        return
    rt, now = runtime(), runtime().clock.now()
    with rt.db.read() as db:
        login = sessions.live_login(db, token, now, idle=current_app.permanent_session_lifetime)
        if login is not None and login.account_id is not None:
            g.account = accounts.signed_in_account(db, login.account_id)
        elif login is not None:
            g.officer, g.officer_roles = accounts.signed_in_officer(db, login.user_id) or (None, [])
    if g.account is None and g.officer is None:
        _forget_login()
    elif sessions.needs_touch(login, now):
        with rt.db.write() as db:
            sessions.touch(db, login, now)


def applicant_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("account") is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def officer_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("officer") is None:
            if g.get("account") is not None:
                abort(403)
            return redirect(url_for("auth.officer_login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def holds_role(*roles: str) -> bool:
    """Whether the logged-in officer holds one of these roles in some unit."""
    return any(role in roles for role, _unit in g.get("officer_roles", ()))


def role_required(*roles: str) -> Callable[[Callable], Callable]:
    """A view for officers holding one of these roles in some unit: others get a 403, anonymous
    visitors the officer login."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        @officer_required
        def wrapped(*args, **kwargs):
            if not holds_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorate


def _start_session(**who: int) -> None:
    """Log the browser in as an account (account_id=) or an officer (user_id=): a new login on the
    server, a new token in the cookie (a token planted before cannot be carried over)."""
    with runtime().db.write() as db:
        token = sessions.open_login(db, runtime().clock.now(), **who)
    _forget_login()
    session.permanent = True
    session["login"] = token


def _forget_login() -> None:
    """Empty the browser's session, keeping only its language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _safe_next(default: str) -> str:
    return local_target(request.values.get("next"), default)


@bp.route("/signup", methods=["GET", "POST"])
def signup():
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = request.form
        values = {k: form.get(k, "") for k in ("full_name", "phone", "email", "address")}
        try:
            with runtime().db.write() as db:
                accounts.register(
                    db,
                    form.get("kind", ""),
                    form.get("id_number", ""),
                    values,
                    form.get("password", ""),
                    form.get("password_confirm", ""),
                    runtime().clock.now(),
                )
        except FormError as e:
            errors = field_errors(e)
        else:  # the same page whether an account was made or the number already had one
            return render_template("auth/signup_sent.html", next=_safe_next(""))
    return render_template("auth/signup.html", errors=errors, form=request.form), (400 if errors else 200)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        try:
            with runtime().db.write() as db:
                account = accounts.authenticate(
                    db, request.form.get("identifier", ""), request.form.get("password", "")
                )
                who = {"account_id": account.id}
        except EngineError as e:
            flash_error(e)
            return render_template("auth/login.html", form=request.form), 400
        _start_session(**who)
        return redirect(_safe_next(url_for("portal.my_dossiers")))
    return render_template("auth/login.html", form={})


@bp.route("/officer/login", methods=["GET", "POST"])
def officer_login():
    if request.method == "POST":
        try:
            with runtime().db.write() as db:  # a write: an old password hash is replaced at login
                user = accounts.authenticate_officer(
                    db, request.form.get("username", ""), request.form.get("password", "")
                )
                who = {"user_id": user.id}
        except EngineError as e:
            flash_error(e)
            return render_template("auth/officer_login.html", form=request.form), 400
        _start_session(**who)
        return redirect(_safe_next(url_for("inbox.index")))
    return render_template("auth/officer_login.html", form={})


@bp.post("/logout")
def logout():
    with runtime().db.write() as db:
        sessions.end_login(db, session.get("login"), runtime().clock.now())
    _forget_login()
    return redirect(url_for("portal.home"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    if request.method == "POST":
        identifier = request.form.get("identifier", "").strip()
        if identifier:
            with runtime().db.write() as db:
                accounts.request_reset(
                    db,
                    identifier,
                    runtime().clock.now(),
                    lambda token: public_url_for("auth.reset_password", token=token),
                )
        return render_template("auth/forgot_sent.html")
    return render_template("auth/forgot.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    errors: dict[str, str] = {}
    try:
        if request.method == "GET":  # a dead link says so before a new password is typed for nothing
            with runtime().db.read() as db:
                accounts.check_reset_link(db, token, runtime().clock.now())
        else:
            with runtime().db.write() as db:
                whose = accounts.reset_password(
                    db,
                    token,
                    request.form.get("password", ""),
                    request.form.get("password_confirm", ""),
                    runtime().clock.now(),
                )
            _forget_login()
            flash(_("Your password has been changed. Log in with the new password."), "success")
            officer = getattr(whose, "username", None) is not None  # an officer's link, from an administrator
            return redirect(url_for("auth.officer_login" if officer else "auth.login"))
    except FormError as e:
        errors = field_errors(e)
    except EngineError as e:
        flash_error(e)
        return redirect(url_for("auth.forgot_password"))
    return render_template("auth/reset.html", errors=errors, token=token), (400 if errors else 200)
