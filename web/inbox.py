"""Officers' inboxes: tasks per role and unit, the one-stop desk's views, task pages and actions."""
from __future__ import annotations

from flask import Blueprint, render_template

from .auth import officer_required

bp = Blueprint("inbox", __name__, url_prefix="/officer")


@bp.get("/")
@officer_required
def index():
    return render_template("portal/home.html")
