"""The applicants' portal: procedures, applying, my dossiers, supplements, withdrawal, rating."""
from __future__ import annotations

from flask import Blueprint, render_template

from .auth import applicant_required

bp = Blueprint("portal", __name__)


@bp.get("/")
def home():
    return render_template("portal/home.html")


@bp.get("/dossiers")
@applicant_required
def my_dossiers():
    return render_template("portal/home.html")


@bp.get("/procedures")
def procedures():
    return render_template("portal/home.html")
