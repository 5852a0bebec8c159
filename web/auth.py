"""Logging in and out: applicants (citizen ID / tax code, phone or e-mail) and officers (username).

The session holds who is logged in and, for applicants, the account's session epoch: a password
reset bumps the epoch, which ends every session opened with the old password.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from engine.errors import EngineError
from engine.forms import FormError
from engine.people import accounts

from .context import field_errors, flash_error, runtime
from .redirects import local_target

bp = Blueprint("auth", __name__)


def init_app(app: Flask) -> None:
    app.before_request(_load_user)
    app.jinja_env.globals.update(current_account=lambda: g.get("account"), current_officer=lambda: g.get("officer"))


def _load_user() -> None:
    g.account = g.officer = None
    g.officer_roles = []
    if "account_id" in session:
        with runtime().db.read() as db:
            g.account = accounts.signed_in_account(db, session["account_id"], session.get("epoch"))
        if g.account is None:
            session.clear()
    elif "officer_id" in session:
        with runtime().db.read() as db:
            officer = accounts.signed_in_officer(db, session["officer_id"])
        if officer is None:
            session.clear()
        else:
            g.officer, g.officer_roles = officer


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


def _start_session(**who) -> None:
    lang = session.get("lang")
    session.clear()  # a new session id on login: a fixed one cannot be carried over
    session.permanent = True
    session.update(who)
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
                who = {"account_id": account.id, "epoch": account.session_epoch}
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
            with runtime().db.read() as db:
                user = accounts.authenticate_officer(
                    db, request.form.get("username", ""), request.form.get("password", "")
                )
                who = {"officer_id": user.id}
        except EngineError as e:
            flash_error(e)
            return render_template("auth/officer_login.html", form=request.form), 400
        _start_session(**who)
        return redirect(_safe_next(url_for("inbox.index")))
    return render_template("auth/officer_login.html", form={})


@bp.post("/logout")
def logout():
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
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
                    lambda token: url_for("auth.reset_password", token=token, _external=True),
                )
        return render_template("auth/forgot_sent.html")
    return render_template("auth/forgot.html")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            with runtime().db.write() as db:
                accounts.reset_password(
                    db,
                    token,
                    request.form.get("password", ""),
                    request.form.get("password_confirm", ""),
                    runtime().clock.now(),
                )
        except FormError as e:
            errors = field_errors(e)
        except EngineError as e:
            flash_error(e)
            return redirect(url_for("auth.forgot_password"))
        else:
            session.clear()
            flash(_("Your password has been changed. Log in with the new password."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset.html", errors=errors, token=token), (400 if errors else 200)
