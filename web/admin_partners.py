"""The administrator's page of partners' software: make a client for an employer (with its tax code)
or a medical facility and see its secret once (the POST redirects to the page, which shows it
in that one answer: web/shown_once.py), revoke one (its tokens end at once), and the latest
card checks the medical facilities made. The engine (engine.people.partners) checks the form and
records each change in the administration's log."""

from __future__ import annotations

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.dossiers import card_checks
from engine.errors import FormError
from engine.people import administration as people
from engine.people import partners
from engine.people.officers import Actor

from . import shown_once
from .admin import admin_required, bp
from .context import field_errors, runtime


def _page(status: int = 200, errors=None, values=None, new_client=None):
    with runtime().db.read() as db:
        clients = partners.clients(db)
        lookups = card_checks.lookups(db, limit=20)
        changes = people.latest_changes(db, partners.AREA)
    names = {c.id: c.name for c in clients}
    page = render_template(
        "admin/partners.html",
        clients=clients,
        lookups=lookups,
        names=names,
        changes=changes,
        kinds=partners.KINDS,
        errors=errors or {},
        values=values or {},
        new_client=new_client,
    )
    return shown_once.no_store(make_response(page, status))


@bp.get("/partners")
@admin_required
def partner_clients():
    return _page(new_client=shown_once.take("partner_client"))


@bp.post("/partners")
@admin_required
def create_partner():
    values = {k: request.form.get(k, "") for k in ("kind", "name", "tax_code")}
    rt = runtime()
    try:
        with rt.db.write() as db:
            made = partners.create_client(db, values, Actor.of(g.officer), rt.clock.now())
            shown = {"client_id": made.row.client_id, "secret": made.secret, "name": made.row.name}
    except FormError as e:
        return _page(400, field_errors(e), values)
    shown_once.keep("partner_client", shown)
    return redirect(url_for("admin.partner_clients"), 303)


@bp.post("/partners/<client_id>/revoke")
@admin_required
def revoke_partner(client_id: str):
    rt = runtime()
    with rt.db.write() as db:
        done = partners.revoke_client(db, client_id, Actor.of(g.officer), rt.clock.now())
    if not done:
        abort(404)
    flash(_("The client has been revoked: its software can no longer reach the API."), "success")
    return redirect(url_for("admin.partner_clients"))
