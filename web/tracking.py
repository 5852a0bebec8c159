"""Public tracking of a dossier by its code and the applicant's ID number (no login)."""
from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("tracking", __name__)


@bp.get("/track")
def track():
    return render_template("portal/home.html")
