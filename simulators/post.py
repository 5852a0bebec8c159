"""The post (Vietnam Post's EMS): delivery orders with waybills, tracking updates pushed to the
product as signed webhooks, and paper dossiers collected from applicants and handed in online."""

from __future__ import annotations

import random
from uuid import uuid4

from flask import Blueprint, jsonify, request

from .shared import State, create, error, now, problem, serve_as, state, webhook

bp = Blueprint("post", __name__, url_prefix="/post")
serve_as(bp, "post")

PAYERS = ("applicant", "office")
STEPS = ("picked_up", "in_transit", "delivered", "failed", "returned")


def _waybill(taken: dict) -> str:
    while (waybill := f"EB{random.randrange(10**9):09d}VN") in taken:
        pass
    return waybill


@bp.post("/orders")
def create_order():
    data = request.get_json(silent=True)
    wrong = problem(data, dossier_code=str, recipient=str, address=str, phone=str, fee=int, payer=str)
    if wrong is None and data["fee"] < 0:
        wrong = "fee must not be negative"
    if wrong is None and data["payer"] not in PAYERS:
        wrong = "payer must be applicant or office"
    if wrong is not None:
        return error(wrong)

    def apply(st: State) -> dict:
        waybill = _waybill(st.orders)
        st.orders[waybill] = {
            **{name: data[name] for name in ("dossier_code", "recipient", "address", "phone", "fee", "payer")},
            "waybill": waybill,
            "status": "created",
            "history": [{"status": "created", "at": now().isoformat()}],
        }
        return {"waybill": waybill, "status": "created"}

    return create("post", apply, 201)


@bp.get("/orders/<waybill>")
def order(waybill: str):
    st = state()
    with st.lock:
        found = st.orders.get(waybill)
        if found is None:
            return error("not_found", 404)
        return jsonify(
            waybill=waybill,
            dossier_code=found["dossier_code"],
            status=found["status"],
            history=[dict(step) for step in found["history"]],
        )


@bp.post("/orders/<waybill>/advance")
def advance(waybill: str):
    """Demo and test control: the parcel moves on, and the post tells the product."""
    data = request.get_json(silent=True) or {}
    if data.get("status") not in STEPS:
        return error(f"status must be one of {', '.join(STEPS)}")
    st = state()
    with st.lock:
        found = st.orders.get(waybill)
        if found is None:
            return error("not_found", 404)
        at = now().isoformat()
        found["status"] = data["status"]
        found["history"].append({"status": data["status"], "at": at})
        payload = {
            "event_id": uuid4().hex,
            "waybill": waybill,
            "dossier_code": found["dossier_code"],
            "status": data["status"],
            "reason": data.get("reason"),
            "at": at,
        }
    return webhook("/api/postal/updates", st.post_secret, payload)


@bp.post("/intake/send")
def send_intake():
    """Demo and test control: a paper dossier collected by the post arrives at the product."""
    data = request.get_json(silent=True)
    wrong = problem(data, procedure_code=str, application=dict, documents=list)
    if wrong is None and any(problem(d, doc_type=str, filename=str, content_base64=str) for d in data["documents"]):
        wrong = "each document needs doc_type, filename and content_base64"
    if wrong is None and data.get("waybill") is not None and not isinstance(data["waybill"], str):
        wrong = "waybill must be a string"
    if wrong is not None:
        return error(wrong)
    st = state()
    with st.lock:
        waybill = data.get("waybill") or _waybill(st.orders)
    payload = {
        "event_id": uuid4().hex,
        "waybill": waybill,
        "procedure_code": data["procedure_code"],
        "application": data["application"],
        "documents": data["documents"],
        "at": now().isoformat(),
    }
    return webhook("/api/postal/intake", st.post_secret, payload)
