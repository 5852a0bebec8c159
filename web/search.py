"""Officers' search: /officer/search?q=... over their units' dossiers (engine.dossiers.search), and
the quick-jump box every officer page carries in its header: a dossier's whole code goes straight to
the dossier, anything else lists what it finds."""

from __future__ import annotations

from flask import Blueprint, current_app, g, redirect, render_template, request, url_for

from engine.dossiers import search
from engine.dossiers.inbox import Officer
from engine.workflow.versions import current_versions

from .auth import officer_required
from .context import page_number, runtime
from .i18n import pick

bp = Blueprint("search", __name__, url_prefix="/officer")


@bp.get("/search")
@officer_required
def results():
    if "q" not in request.args:  # the page itself, before a search
        return render_template("inbox/search.html", query="", results=None, error=None, procedures={})
    query = request.args.get("q", "")
    page = page_number(request.args.get("page"))
    units = Officer(g.officer.id, tuple(g.officer_roles)).units
    rt = runtime()
    with rt.db.read() as db:
        code = search.exact_code(db, units, query)
        if code is not None:
            return redirect(url_for("inbox.dossier", code=code))
        try:
            found = search.search(db, units, query, page, current_app.config["PAGE_SIZE"])
        except search.QueryRefused as refused:
            return render_template(
                "inbox/search.html", query=query, results=None, error=pick(refused.message), procedures={}
            ), 400
        procedures = {c: v.meta.name for c, v in current_versions(db, rt.versions).items()}
    return render_template("inbox/search.html", query=query, results=found, error=None, procedures=procedures)
