"""The national public-service portal: the statuses a dossier went through, as the product
reported them, kept in the order they arrived."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from flask import Blueprint, jsonify, request

from .shared import State, create, error, now, problem, serve_as, state

bp = Blueprint("portal", __name__, url_prefix="/portal")
serve_as(bp, "portal")


def _iso(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


@bp.post("/dossiers/<code>/statuses")
def add_status(code: str):
    data = request.get_json(silent=True)
    wrong = problem(data, status=int, at=str)
    if wrong is None and not 1 <= data["status"] <= 10:
        wrong = "status must be 1 to 10"
    if wrong is None and not _iso(data["at"]):
        wrong = "at must be an ISO 8601 date and time"
    if wrong is not None:
        return error(wrong)

    def apply(st: State) -> dict:
        receipt = str(uuid4())
        st.statuses.setdefault(code, []).append({"status": data["status"], "at": data["at"], "receipt": receipt})
        return {"receipt": receipt, "accepted_at": now().isoformat()}

    return create("portal", apply, 201)


@bp.get("/dossiers/<code>")
def dossier(code: str):
    st = state()
    with st.lock:
        return jsonify(code=code, statuses=[dict(s) for s in st.statuses.get(code, [])])
