"""Public tracking of a dossier by its code and the applicant's ID number (no login).

It shows only what the receipt slip shows; the ID number is never written back into the page.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from engine.dossiers.views import public_view
from engine.errors import NotFound

from .context import runtime
from .forecasts import estimate
from .i18n import pick

bp = Blueprint("tracking", __name__)


@bp.route("/track", methods=["GET", "POST"])
def track():
    # spaces typed inside (grouped as read out, or copied along) are no part of a code or a number
    code = "".join(request.values.get("code", "").split()).upper()[:40]
    if request.method == "GET":
        return render_template("tracking/track.html", code=code, view=None, error=None)
    errors = {}
    if not code:
        errors["code"] = _("Enter the dossier code")
    if not request.form.get("id_number", "").strip():
        errors["id_number"] = _("Enter the citizen ID or tax code")
    if errors:  # a box left empty is named, rather than "no dossier matches"
        return render_template("tracking/track.html", code=code, view=None, error=None, errors=errors), 400
    try:
        with runtime().db.read() as db:
            view = public_view(db, runtime().versions, code, request.form.get("id_number", "")[:40])
    except NotFound as e:  # the same answer whether the code exists or not
        return render_template("tracking/track.html", code=code, view=None, error=pick(e.message)), 400
    return render_template("tracking/track.html", code=code, view=view, error=None, estimate=estimate(view.code))
