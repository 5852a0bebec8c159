"""The bank: transfers of benefits to applicants' accounts, settled later (by a control request or
automatically) with a signed webhook to the product, and a daily report of what was paid."""

from __future__ import annotations

import logging
import threading
from datetime import date, datetime
from uuid import uuid4
from zoneinfo import ZoneInfo

import httpx
from flask import Blueprint, jsonify, request

from .shared import OUTCOMES, State, create, deliver, error, now, problem, serve_as, state, webhook

bp = Blueprint("bank", __name__, url_prefix="/bank")
serve_as(bp, "bank")
logger = logging.getLogger(__name__)
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")  # the bank's business day
UPDATES = "/api/bank/updates"


def _settle(st: State, transfer_id: str, outcome: str, reason: str | None, at: datetime) -> dict:
    """Under st.lock: record the outcome of a pending transfer; the webhook payload telling the product."""
    transfer = st.transfers[transfer_id]
    transfer.update(status=outcome, reason=reason, settled_at=at)
    return {
        "event_id": uuid4().hex,
        "transfer_id": transfer_id,
        "dossier_code": transfer["dossier_code"],
        "outcome": outcome,
        "reason": reason,
        "amount": transfer["amount"],
        "at": at.isoformat(),
    }


def _auto_settle(st: State, transfer_id: str, outcome: str) -> None:
    with st.lock:
        if st.transfers.get(transfer_id, {}).get("status") != "pending":
            return
        payload = _settle(st, transfer_id, outcome, None if outcome == "confirmed" else "auto-rejected", now())
    try:
        deliver(st, UPDATES, st.bank_secret, payload)
    except httpx.HTTPError as err:
        logger.warning("bank simulator: the product did not get settlement %s: %r", payload["event_id"], err)


@bp.post("/transfers")
def new_transfer():
    data = request.get_json(silent=True)
    wrong = problem(data, dossier_code=str, amount=int, account=str)
    if wrong is None and data["amount"] <= 0:
        wrong = "amount must be positive"
    if wrong is not None:
        return error(wrong)

    def apply(st: State) -> dict:
        transfer_id = uuid4().hex
        st.transfers[transfer_id] = {
            "transfer_id": transfer_id,
            "dossier_code": data["dossier_code"],
            "amount": data["amount"],
            "account": data["account"],
            "status": "pending",
            "reason": None,
            "settled_at": None,
        }
        if st.auto_settle:
            timer = threading.Timer(st.auto_settle_seconds, _auto_settle, (st, transfer_id, st.auto_settle))
            timer.daemon = True
            st.timers.append(timer)
            timer.start()
        return {"transfer_id": transfer_id, "status": "pending"}

    return create("bank", apply, 202)


@bp.post("/transfers/<transfer_id>/settle")
def settle(transfer_id: str):
    """Demo and test control: the bank pays (or cannot pay) and tells the product. An optional `at`
    (ISO with offset) backdates the settlement, for the daily report."""
    data = request.get_json(silent=True) or {}
    if data.get("outcome") not in OUTCOMES:
        return error("outcome must be confirmed or rejected")
    try:
        at = datetime.fromisoformat(data["at"]) if data.get("at") else now()
    except (TypeError, ValueError):
        at = None
    if at is None or at.tzinfo is None:
        return error("at must be an ISO 8601 date and time with its offset")
    st = state()
    with st.lock:
        transfer = st.transfers.get(transfer_id)
        if transfer is None:
            return error("not_found", 404)
        if transfer["status"] != "pending":
            return error(f"already {transfer['status']}", 409)
        payload = _settle(st, transfer_id, data["outcome"], data.get("reason"), at)
    return webhook(UPDATES, st.bank_secret, payload)


@bp.get("/reports/<day>")
def report(day: str):
    """Transfers confirmed on that day (Asia/Ho_Chi_Minh), in the order they were settled."""
    try:
        wanted = date.fromisoformat(day)
    except ValueError:
        return error("the date must be YYYY-MM-DD")
    st = state()
    with st.lock:
        paid = sorted(
            (
                t
                for t in st.transfers.values()
                if t["status"] == "confirmed" and t["settled_at"].astimezone(ZONE).date() == wanted
            ),
            key=lambda t: t["settled_at"],
        )
        rows = [
            {
                "transfer_id": t["transfer_id"],
                "dossier_code": t["dossier_code"],
                "amount": t["amount"],
                "outcome": t["status"],
            }
            for t in paid
        ]
    return jsonify(date=wanted.isoformat(), count=len(rows), total=sum(r["amount"] for r in rows), transfers=rows)
