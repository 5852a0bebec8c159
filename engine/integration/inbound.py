"""Updates that come in from outside systems: the post office (shipments, paper dossiers it
brought in) and the bank (transfers). Each one is signed (engine.webhooks); a refused one is kept
with its reason for the administrator, an accepted one is kept by its event id, so a replay is
refused and nothing is acted on twice.

A message the dossier takes is taken in the same transaction as its receipt is kept (the dossier
service writes the receipt inside the advance), so a crash leaves both or neither, and the sender's
retry is either acted on or refused as a replay: never acted on twice. A message that comes before
the step waiting for it (the post reports a parcel delivered before the desk has recorded handing it
over) is kept by the dossier until it reaches that step (engine.dossiers.kept), with its receipt in
the same way. Everything else (a tracking note, a message the procedure never waits for or a
finished dossier, a paper dossier's waybill) is kept in one transaction with its receipt.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.data.journal import record
from engine.data.models import Dossier, WebhookReceipt, WebhookRefusalCount
from engine.dossiers.documents import check_upload
from engine.dossiers.inbox import Page
from engine.dossiers.service import Delivery, DossierService
from engine.errors import EngineError, NotFound, NotWaitingForMessage, StepFailed, not_found
from engine.forms import FormError, Message
from engine.integration.payouts import MalformedAmount, check_amount
from engine.integration.webhooks import BadSignature, verify
from engine.people.officers import Actor

log = logging.getLogger("motcua.inbound")

POST = Actor("Bưu điện", None, "system")
BANK = Actor("Ngân hàng", None, "system")
# what the post says about a shipment -> the message the dossier waits for (None: a note only)
POSTAL_MESSAGES = {
    "delivered": "postal_delivered",
    "failed": "postal_failed",
    "returned": "postal_failed",
    "picked_up": None,
    "in_transit": None,
}
BANK_MESSAGES = {"confirmed": "bank_confirmed", "rejected": "bank_rejected"}
_KEPT_BODY = 500  # characters of the latest refused body kept with its count (files are not)


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]


class _Refused(Exception):
    def __init__(self, status: int, reason: str, body: dict[str, Any] | None = None):
        super().__init__(reason)
        self.status, self.reason = status, reason
        self.body = body or {"ok": False, "error": reason}


def postal_update(service: DossierService, headers: Mapping[str, str], raw: bytes) -> Answer:
    """A shipment's news: delivered, failed or returned move the dossier on (a failed delivery
    becomes the desk's follow-up task); picked up and in transit are noted in its history."""
    return _handle(service, "post", service.settings.post_secret, headers, raw, _postal_update)


def bank_update(service: DossierService, headers: Mapping[str, str], raw: bytes) -> Answer:
    """A transfer confirmed or rejected by the bank (a rejection becomes finance's task)."""
    return _handle(service, "bank", service.settings.bank_secret, headers, raw, _bank_update)


def postal_intake(service: DossierService, headers: Mapping[str, str], raw: bytes) -> Answer:
    """A paper dossier the post office brought in, with its papers scanned: started like one
    filed online, with the waybill in its history."""
    return _handle(service, "post", service.settings.post_secret, headers, raw, _postal_intake)


def record_event(session: Session, dossier_code: str, actor: Actor, kind: str, now, **data: Any) -> int:
    """Add an event to a dossier's history by its code (in the caller's write session)."""
    dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == dossier_code))
    if dossier_id is None:
        raise not_found("dossier", dossier_code)
    record(session, dossier_id, actor, kind, now, **data)
    return dossier_id


# --- one update, from its signature to the answer ------------------------------------------------


def _handle(service: DossierService, source: str, secret: str, headers, raw: bytes, act) -> Answer:
    try:
        try:
            verify(secret, raw, headers, time.time())
        except BadSignature as bad:
            raise _Refused(401, bad.reason) from None
        payload = _json_object(raw)
        event_id = payload.get("event_id")
        if not isinstance(event_id, str) or not 0 < len(event_id) <= 100:
            raise _Refused(422, "bad_event_id")
        if _seen(service, source, event_id):
            raise _Refused(409, "replayed")
        return act(service, source, payload)
    except _Refused as refused:
        _refuse(service, source, refused.reason, raw)
        return Answer(refused.status, refused.body)


def _postal_update(service: DossierService, source: str, payload: dict[str, Any]) -> Answer:
    status, code = payload.get("status"), payload.get("dossier_code")
    if status not in POSTAL_MESSAGES or not isinstance(code, str):
        raise _Refused(422, "bad_payload")
    name = POSTAL_MESSAGES[status]
    if name == "postal_delivered":
        message = {"waybill": payload.get("waybill"), "at": payload.get("at")}
    else:
        message = {"waybill": payload.get("waybill"), "reason": payload.get("reason") or status}
    note = {
        "waybill": payload.get("waybill"),
        "status": status,
        "reason": payload.get("reason"),
        "at": payload.get("at"),
    }
    return _deliver(service, source, payload, code, name, message, POST, "postal_tracking", note)


def _bank_update(service: DossierService, source: str, payload: dict[str, Any]) -> Answer:
    outcome, code = payload.get("outcome"), payload.get("dossier_code")
    if outcome not in BANK_MESSAGES or not isinstance(code, str):
        raise _Refused(422, "bad_payload")
    transfer = {"transfer_id": payload.get("transfer_id"), "at": payload.get("at")}
    if outcome == "confirmed":
        try:
            amount = check_amount(payload.get("amount"))
        except MalformedAmount as bad:
            raise _Refused(422, "bad_amount", _errors({"amount": bad.message})) from None
        message = {**transfer, "amount": amount}
    else:
        message = {**transfer, "reason": payload.get("reason") or ""}
    note = {**transfer, "outcome": outcome, "amount": payload.get("amount"), "reason": payload.get("reason")}
    return _deliver(service, source, payload, code, BANK_MESSAGES[outcome], message, BANK, "bank_update", note)


def _deliver(
    service: DossierService,
    source: str,
    payload: dict,
    code: str,
    name: str | None,
    message: dict,
    actor: Actor,
    note_kind: str,
    note: dict,
) -> Answer:
    """Deliver the message (if any) with its receipt: taken by the dossier, or kept by it until it
    reaches the step waiting for it; what no step of the dossier will wait for is kept as a note in
    its history, never dropped. The answer says which."""
    answer = {"ok": True, "dossier_code": code}
    if name is not None:
        try:
            delivery = service.deliver_message(
                code, name, message, actor, keep_if_early=True, also=_receipt(source, payload)
            )
        except NotWaitingForMessage as error:
            note = {**note, "note": error.message.en}
            answer["note"] = error.message.en
        except StepFailed as failed:
            # the step after the message failed: the incident keeps the message for its retry, the
            # receipt keeps a replay from counting again; the sender need not send it again
            _keep(service, source, payload)
            return Answer(202, {**answer, "incident": failed.incident_id, "note": failed.message.en})
        except NotFound:
            raise _Refused(404, "unknown_dossier") from None
        except IntegrityError:  # the same update, taken by a copy that came at the same moment
            raise _Refused(409, "replayed") from None
        else:
            if delivery == Delivery.KEPT:
                return Answer(
                    200,
                    {
                        **answer,
                        "kept": name,
                        "note": f"Dossier {code} is not waiting for the message '{name}' yet: "
                        "it is kept until the dossier reaches the step that waits for it",
                    },
                )
            return Answer(200, {**answer, "message": name})
    _keep(service, source, payload, lambda session, now: record_event(session, code, actor, note_kind, now, **note))
    return Answer(200, answer)


def _postal_intake(service: DossierService, source: str, payload: dict[str, Any]) -> Answer:
    procedure, application = payload.get("procedure_code"), payload.get("application")
    papers = payload.get("documents") or []
    if not isinstance(procedure, str) or not isinstance(application, dict) or not isinstance(papers, list):
        raise _Refused(422, "bad_payload")
    documents, errors = [], {}
    for i, doc in enumerate(papers):
        try:
            content = base64.b64decode(str(doc.get("content_base64") or ""), validate=True)
            documents.append(
                check_upload(str(doc.get("doc_type") or "supplement"), str(doc.get("filename") or ""), content)
            )
        except (binascii.Error, ValueError, AttributeError):
            errors[f"documents[{i}]"] = Message(
                "Tệp không đọc được (base64 hỏng)", "The file cannot be read (bad base64)"
            )
        except EngineError as error:
            errors[f"documents[{i}]"] = error.message
    if errors:
        raise _Refused(422, "bad_documents", _errors(errors))
    try:
        # the event id as the submission key: the same parcel sent twice at once makes one dossier
        code = service.start(
            procedure,
            application,
            POST,
            account_id=None,
            documents=documents,
            submission_key=f"post:{payload['event_id']}",
            channel="post",
        )
    except FormError as error:
        raise _Refused(422, "bad_application", _errors(error.errors)) from None
    except EngineError as error:
        raise _Refused(422, "bad_application", _errors({"procedure_code": error.message})) from None
    waybill = payload.get("waybill")
    _keep(
        service,
        source,
        payload,
        lambda session, now: record_event(session, code, POST, "received_by_post", now, waybill=waybill),
    )
    return Answer(201, {"ok": True, "dossier_code": code})


# --- receipts and refusals -----------------------------------------------------------------------


def _seen(service: DossierService, source: str, event_id: str) -> bool:
    with service.db.read() as session:
        return (
            session.scalar(
                select(WebhookReceipt.id).where(WebhookReceipt.source == source, WebhookReceipt.event_id == event_id)
            )
            is not None
        )


def _receipt(source: str, payload: dict):
    """What writes the update's receipt in a transaction (the files of a paper dossier are kept
    as its documents, not here); the unique event id makes a replay that raced past _seen fail
    there (IntegrityError), and the whole transaction with it."""
    stored = {k: v for k, v in payload.items() if k != "documents"}

    def write(session: Session, now) -> None:
        session.add(WebhookReceipt(source=source, event_id=payload["event_id"], received_at=now, payload=stored))
        session.flush()

    return write


def _keep(service: DossierService, source: str, payload: dict, also=None) -> None:
    """Keep the receipt (and what goes with it) in one transaction; a replay is refused."""
    try:
        with service.db.write() as session:
            now = service.clock.now()
            _receipt(source, payload)(session, now)
            if also is not None:
                also(session, now)
    except IntegrityError:
        raise _Refused(409, "replayed") from None
    except NotFound:
        raise _Refused(404, "unknown_dossier") from None


def _refuse(service: DossierService, source: str, reason: str, raw: bytes) -> None:
    """Log the refusal and add it to the day's count (one row per source, reason and day, however
    many requests come: a flood of bad ones cannot fill the database)."""
    log.warning("refused an update from %s: %s", source, reason)
    now = service.clock.now()
    day = now.astimezone(ZoneInfo(service.settings.timezone)).date()
    body = raw.decode("utf-8", errors="replace")[:_KEPT_BODY]
    count = WebhookRefusalCount.__table__
    insert = (sqlite.insert if service.db.is_sqlite else postgresql.insert)(count).values(
        source=source, reason=reason[:40], day=day, count=1, first_at=now, last_at=now, last_body=body
    )
    with service.db.write() as session:
        session.execute(
            insert.on_conflict_do_update(
                index_elements=["source", "reason", "day"],
                set_={"count": count.c.count + 1, "last_at": now, "last_body": body},
            )
        )


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(raw)
    except ValueError:
        raise _Refused(400, "bad_json") from None
    if not isinstance(payload, dict):
        raise _Refused(400, "bad_json")
    return payload


def _errors(errors: dict[str, Message]) -> dict[str, Any]:
    return {"ok": False, "error": "invalid", "errors": {name: {"vi": m.vi, "en": m.en} for name, m in errors.items()}}


def refusals(session: Session, page: int, size: int) -> Page:
    """One page of refusal counts, the latest day first, and how many rows there are in all."""
    r = WebhookRefusalCount
    total = session.scalar(select(func.count()).select_from(r)) or 0
    rows = session.scalars(
        select(r).order_by(r.day.desc(), r.last_at.desc(), r.id.desc()).limit(size).offset((page - 1) * size)
    ).all()
    return Page(list(rows), total, page, size)
