"""A dossier's printed slips as PDF responses: the data web/slips.py renders, gathered from a DossierView
(the dossier, its events and who acted in them) in the current language."""

from __future__ import annotations

from collections.abc import Callable
from zoneinfo import ZoneInfo

from flask import Response, abort

from engine.dossiers.history import EventLike, reception_decision
from engine.dossiers.views import DossierView
from engine.people.officers import unit_name
from engine.statuses import DossierStatus
from engine.workflow.metadata import RETURN

from . import slips
from .context import runtime
from .i18n import lang, pick


def receipt_response(view: DossierView, tracking_url: str) -> Response:
    """Form 01: the receipt and appointment slip."""
    accepted = _last(view, lambda event: reception_decision(view.meta, event, "accept"))
    slip = slips.receipt(
        _facts(view),
        documents=_documents(view),
        limit_days=view.limit.days,
        limit_unit=view.limit.unit,
        limit_label=view.limit.label,
        received_at=view.submitted_at,
        appointment_at=view.appointment_at,
        channel=view.result_channel,
        delivery_address=_text(view, "delivery_address"),
        officer=accepted.actor if accepted else "",
        tracking_url=tracking_url,
    )
    return _pdf(slip, f"{view.code}-form-01.pdf")


def supplement_response(view: DossierView, tracking_url: str) -> Response:
    """Form 02: the last supplement asked for."""
    asked = view.last_supplement
    if asked is None:
        abort(404)
    slip = slips.supplement(
        _facts(view),
        missing=asked.missing,
        reason=asked.reason,
        asked_at=asked.at,
        officer=asked.by,
        tracking_url=tracking_url,
    )
    return _pdf(slip, f"{view.code}-form-02.pdf")


def refusal_response(view: DossierView) -> Response:
    """Form 03."""
    refused = _last(view, lambda event: reception_decision(view.meta, event, "refuse"))
    if view.refusal_reason is None or refused is None:
        abort(404)
    slip = slips.refusal(_facts(view), reasons=view.refusal_reason, refused_at=refused.at, officer=refused.actor)
    return _pdf(slip, f"{view.code}-form-03.pdf")


def handover_response(view: DossierView) -> Response:
    """The result handover slip: once processing is finished, for a result handed over at the counter
    or sent by post (printed before, blank lines are left to fill in), or once it is returned."""
    channel = view.result_channel
    finished = view.status in (DossierStatus.FINISHED, DossierStatus.RETURNED)
    if not finished or (channel not in ("counter", "post") and view.status != DossierStatus.RETURNED):
        abort(404)
    returned_at = next((c.at for c in view.timeline if c.status == DossierStatus.RETURNED), None)
    values, officer = {}, ""
    # after a failed delivery the result goes out again, by post or at the counter as the desk chose
    done = _last(view, lambda event: event.kind == "task_completed" and _purpose(view, event) in RETURN)
    if done is not None and _purpose(view, done) == "return_redelivery":
        channel = "counter" if (done.data.get("data") or {}).get("decision") == "counter" else "post"
    elif done is not None:
        channel = "counter" if _purpose(view, done) == "return_counter" else "post"
        values, returned_at, officer = done.data.get("data") or {}, done.at, done.actor
    shipment = view.shipment if values.get("waybill") else None
    slip = slips.handover(
        _facts(view),
        result=pick(view.meta.result),
        channel=channel,
        receiver=values.get("receiver_name") or "",
        waybill=values.get("waybill") or "",
        delivery_address=_text(view, "delivery_address"),
        returned_at=returned_at,
        delivered_at=shipment.delivered_at if shipment else None,
        officer=officer,
    )
    return _pdf(slip, f"{view.code}-handover.pdf")


def _facts(view: DossierView) -> slips.DossierFacts:
    language = lang()
    with runtime().db.read() as session:
        name = unit_name(session, view.unit_code)
    office = pick(name) if name else view.unit_code
    applicant = slips.Applicant(
        view.applicant_name,
        view.applicant_id_number,
        _text(view, "address"),
        _text(view, "phone"),
        _text(view, "email"),
    )
    return slips.DossierFacts(
        lang=language,
        office=office,
        code=view.code,
        procedure=pick(view.meta.name),
        applicant=applicant,
        printed_at=runtime().clock.now(),
        zone=ZoneInfo(runtime().settings.timezone),
    )


def _documents(view: DossierView) -> list[tuple[str, int]]:
    """Each kind of document received, by the procedure's name for it (else the file's name), with
    how many files came."""
    counts: dict[str, int] = {}
    for doc in view.documents:
        name = pick(doc.name) if doc.name else doc.filename
        counts[name] = counts.get(name, 0) + 1
    return list(counts.items())


def _last(view: DossierView, wanted: Callable[[EventLike], bool]) -> EventLike | None:
    return next((event for event in reversed(view.events) if wanted(event)), None)


def _purpose(view: DossierView, event: EventLike) -> str | None:
    return view.meta.purpose_of((event.data or {}).get("task"))


def _text(view: DossierView, name: str) -> str:
    return str(view.application.get(name) or "")


def _pdf(slip: slips.Slip, filename: str) -> Response:
    response = Response(slips.render(slip), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"  # personal data: never kept by a shared cache
    return response
