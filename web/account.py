"""The account page of an applicant or an officer: their personal access tokens for the REST API,
made here and revoked here. The form's POST makes the token and redirects to the page, which shows
the token once (web/shown_once.py): a reload or the back button makes no second token and shows it
no more."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.errors import FormError
from engine.people import api_tokens

from . import shown_once
from .context import field_errors, runtime

bp = Blueprint("account", __name__, url_prefix="/account")


def _holder() -> dict[str, int]:
    if g.get("account") is not None:
        return {"account_id": g.account.id}
    return {"user_id": g.officer.id}


def login_required(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if g.get("account") is None and g.get("officer") is None:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)

    return wrapped


def _page(status: int = 200, errors: dict[str, str] | None = None, form=None, new_token: str | None = None):
    with runtime().db.read() as db:
        tokens = api_tokens.tokens_of(db, **_holder())
    scopes = api_tokens.APPLICANT_SCOPES if g.get("account") is not None else api_tokens.OFFICER_SCOPES
    page = render_template(
        "account/index.html",
        tokens=tokens,
        now=runtime().clock.now(),
        scopes=scopes,
        lifetimes=api_tokens.LIFETIMES_DAYS,
        errors=errors or {},
        form=form or {},
        checked=set(form.getlist("scopes")) if form else {"read"},
        new_token=new_token,
    )
    return shown_once.no_store(make_response(page, status))


@bp.get("/")
@login_required
def index():
    return _page(new_token=shown_once.take("api_token"))


@bp.post("/tokens")
@login_required
def create_token():
    form = request.form
    try:
        with runtime().db.write() as db:
            made = api_tokens.create(
                db,
                runtime().clock.now(),
                form.get("name", ""),
                form.getlist("scopes"),
                form.get("days", ""),
                **_holder(),
            )
            secret = made.secret
    except FormError as e:
        return _page(400, field_errors(e), form)
    shown_once.keep("api_token", secret)
    return redirect(url_for(".index"), 303)


@bp.post("/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    with runtime().db.write() as db:
        done = api_tokens.revoke(db, token_id, runtime().clock.now(), **_holder())
    if not done:
        abort(404)
    flash(_("The token has been revoked: programs using it can no longer reach your account."), "success")
    return redirect(url_for(".index"))
