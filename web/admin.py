"""The administrator's view of the outside systems' traffic: the outbox (dead letters, sent back to
the queue on request) and the webhooks refused at the door.

Only officers holding the `admin` role in some unit come in; everyone else gets a 403.
"""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from engine.integration import inbound, outbox

from .auth import holds_role, role_required
from .context import page_number, runtime

bp = Blueprint("admin", __name__, url_prefix="/officer/admin")

ADMIN_ROLE = "admin"


@bp.app_template_global()
def is_admin() -> bool:
    return holds_role(ADMIN_ROLE)


admin_required = role_required(ADMIN_ROLE)


def _worker() -> outbox.OutboxWorker:
    rt = runtime()
    return outbox.OutboxWorker(rt.db, rt.clock, rt.settings, connectors={})  # reads and retries only: no client


@bp.get("/outbox")
@admin_required
def outbox_page():
    with runtime().db.read() as db:
        counts = outbox.counts(db)
    return render_template("admin/outbox.html", counts=counts, statuses=outbox.STATUSES, dead=_worker().dead_letters())


@bp.post("/outbox/retry")
@admin_required
def retry():
    worker = _worker()
    if request.form.get("all"):
        ids = [letter.id for letter in worker.dead_letters()]
    else:
        ids = [int(i) for i in request.form.getlist("id") if i.isdigit()]
        if not ids:
            flash(_("Tick the messages you want to send again first."), "error")
            return redirect(url_for("admin.outbox_page"))
    count = worker.retry(ids)
    flash(_("%(count)s message(s) put back in the queue.", count=count), "success")
    return redirect(url_for("admin.outbox_page"))


@bp.get("/webhooks")
@admin_required
def webhooks():
    number = page_number(request.args.get("page"))
    with runtime().db.read() as db:
        page = inbound.refusals(db, number, current_app.config["PAGE_SIZE"])
    return render_template("admin/webhooks.html", page=page)


# the office's pages (units, officers, roles, calendar) and partners' software (clients, card checks)
from . import admin_office, admin_partners  # noqa: E402,F401
