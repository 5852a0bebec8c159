"""Read models of a dossier for pages and printed slips: what was applied for, its documents, its
timeline, the current appointment, the supplement asked for, the postal shipment, the rating.

Everything comes from the projected tables and the append-only event log, never from the
serialized workflow state.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from engine.data.models import Document, Dossier, Event, HumanTask, Rating, TaskStatus, Timer, TimerStatus
from engine.dossiers.history import SupplementAsked, refusal_reason, supplement_asked
from engine.errors import NotFound, not_found
from engine.forms import Field, Message
from engine.sla.limits import limit_for
from engine.statuses import DossierStatus
from engine.workflow.metadata import Limit, ProcedureMeta
from engine.workflow.versions import VersionCache


@dataclass(frozen=True)
class DocumentInfo:
    id: int
    doc_type: str
    name: Message | None  # the procedure's name for this kind of document, if it is one of them
    filename: str
    content_type: str
    size: int
    uploaded_at: datetime
    uploaded_by: str
    round: int  # 0: with the application; n: the n-th supplement
    paper: str | None = None  # handed in on paper at a counter: digitized | reused | paper_only


@dataclass(frozen=True)
class StatusChange:
    at: datetime
    status: int


@dataclass(frozen=True)
class Shipment:
    waybill: str
    dispatched_at: datetime
    delivered_at: datetime | None = None
    failed_at: datetime | None = None


@dataclass
class DossierView:
    code: str
    procedure_code: str
    meta: ProcedureMeta
    status: int
    unit_code: str
    applicant_name: str
    applicant_id_number: str
    account_id: int | None
    result_channel: str | None
    submitted_at: datetime
    received_on: Any
    appointment_at: datetime | None
    paused_at: datetime | None
    processed_at: datetime | None
    finished_at: datetime | None
    application: dict[str, Any]
    documents: list[DocumentInfo]
    timeline: list[StatusChange]  # status changes, oldest first (what the public may see)
    events: list[Event]  # the whole history (officers)
    supplements: list[SupplementAsked]  # oldest first
    refusal_reason: str | None
    shipments: list[Shipment]
    rating: Rating | None
    open_tasks: list[HumanTask] = field(default_factory=list)
    ordered_waybill: str | None = None  # the post's waybill for the latest shipment ordered
    # the date by which the papers asked for must arrive: the diagram's supplement timer
    # (`supplement_wait`), after which the office stops processing the dossier
    supplement_due: datetime | None = None
    # how it came in (online, counter, post_agent, post, cli); None for dossiers from before migration 0019
    channel: str | None = None

    @property
    def procedure_name(self) -> Message:
        return self.meta.name

    @property
    def application_fields(self) -> tuple[Field, ...]:
        return self.meta.application

    @property
    def limit(self) -> Limit:
        """This dossier's limit: the procedure's, or the one its application's data chooses."""
        return limit_for(self.meta, self.application)

    @property
    def last_supplement(self) -> SupplementAsked | None:
        return self.supplements[-1] if self.supplements else None

    @property
    def papers_asked(self) -> list[str]:
        """The papers the latest request asks for, one per item."""
        return self.last_supplement.papers if self.last_supplement else []

    @property
    def shipment(self) -> Shipment | None:
        return self.shipments[-1] if self.shipments else None

    @property
    def accepted_at(self) -> datetime | None:
        return next((c.at for c in self.timeline if c.status == 2), None)


# where the shared reception and processing-supplement diagrams wait for the papers: the timer is
# projected under the event-based gateway that waits (the timeout event itself once it is alone)
SUPPLEMENT_WAITS = ("supplement_wait_gateway", "supplement_timeout_event")


def supplement_due(session: Session, dossier_id: int) -> datetime | None:
    """When the wait for the applicant's papers ends (the pending supplement timer), if it runs."""
    return session.scalar(
        select(Timer.due_at)
        .where(
            Timer.dossier_id == dossier_id,
            Timer.element_id.in_(SUPPLEMENT_WAITS),
            Timer.status == TimerStatus.PENDING,
        )
        .order_by(Timer.due_at.desc())
        .limit(1)
    )


def dossier_view(session: Session, versions: VersionCache, code: str) -> DossierView:
    dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one_or_none()
    if dossier is None:
        raise not_found("dossier", code)
    return _view(session, versions, dossier)


def public_view(session: Session, versions: VersionCache, code: str, id_number: str) -> DossierView:
    """For tracking without a login: found only with the applicant's own ID number (citizen ID or
    tax code). The same answer whether the code does not exist or the number does not match."""
    # spaces typed inside (a number grouped as it is read out) are no part of a code or a number
    code, id_number = "".join((code or "").split()).upper(), "".join((id_number or "").split())
    dossier = session.scalars(select(Dossier).where(Dossier.code == code)).one_or_none()
    if dossier is None or not id_number or dossier.applicant_id_number != id_number:
        raise NotFound(
            "Không tìm thấy hồ sơ với mã hồ sơ và số giấy tờ này", "No dossier matches this dossier code and ID number"
        )
    return _view(session, versions, dossier)


def dossiers_of_account(session: Session, account_id: int, page: int = 1, size: int = 20) -> tuple[list[Dossier], int]:
    """An applicant's dossiers, newest first, one page of them, and how many there are in all."""
    where = Dossier.account_id == account_id
    total = session.scalar(select(func.count()).select_from(Dossier).where(where)) or 0
    rows = session.scalars(
        select(Dossier)
        .where(where)
        .order_by(Dossier.submitted_at.desc(), Dossier.id.desc())
        .limit(size)
        .offset(max(page - 1, 0) * size)
    )
    return list(rows), total


def dossiers_of_account_after(
    session: Session, account_id: int, after: tuple[datetime, int] | None, limit: int
) -> list[Dossier]:
    """An applicant's dossiers, newest first, `limit` of them after the key (submitted_at, id) of the
    last one already seen (keyset paging: no page repeats or skips a dossier submitted meanwhile)."""
    query = select(Dossier).where(Dossier.account_id == account_id)
    if after is not None:
        at, dossier_id = after
        query = query.where(or_(Dossier.submitted_at < at, and_(Dossier.submitted_at == at, Dossier.id < dossier_id)))
    return list(session.scalars(query.order_by(Dossier.submitted_at.desc(), Dossier.id.desc()).limit(limit)))


def _view(session: Session, versions: VersionCache, dossier: Dossier) -> DossierView:
    meta = versions.get(session, dossier.version_id).meta
    events = list(session.scalars(select(Event).where(Event.dossier_id == dossier.id).order_by(Event.id)))
    names = {d.id: d.name for d in meta.documents}
    documents = [
        DocumentInfo(
            d.id,
            d.doc_type,
            names.get(d.doc_type),
            d.filename,
            d.content_type,
            d.size,
            d.uploaded_at,
            d.uploaded_by,
            d.round,
            d.paper,
        )
        for d in session.scalars(select(Document).where(Document.dossier_id == dossier.id).order_by(Document.id))
    ]
    application: dict[str, Any] = {}
    timeline = [StatusChange(dossier.submitted_at, 1)] if events and events[0].kind == "submitted" else []
    supplements: list[SupplementAsked] = []
    refusal = None
    shipments: list[Shipment] = []
    ordered_waybill = None
    for event in events:
        data = event.data or {}
        if event.kind == "submitted":
            application = dict(data.get("application") or {})
        elif event.kind == "status_changed" and data.get("new") != 1:
            timeline.append(StatusChange(event.at, int(data["new"])))
        elif event.kind == "task_completed":
            values = data.get("data") or {}
            if (asked := supplement_asked(meta, event)) is not None:
                supplements.append(asked)
            elif (refused := refusal_reason(meta, event)) is not None:
                refusal = refused
            elif meta.purpose_of(data.get("task")) == "return_post" and values.get("waybill"):
                shipments.append(Shipment(values["waybill"], event.at))
        elif event.kind == "postal_order_placed":
            ordered_waybill = data.get("waybill")
        elif event.kind == "message_received" and shipments:
            if data.get("message") == "postal_delivered":
                shipments[-1] = Shipment(shipments[-1].waybill, shipments[-1].dispatched_at, delivered_at=event.at)
            elif data.get("message") == "postal_failed":
                shipments[-1] = Shipment(shipments[-1].waybill, shipments[-1].dispatched_at, failed_at=event.at)
    awaiting_papers = dossier.status == DossierStatus.SUPPLEMENT_REQUESTED
    open_tasks = list(
        session.scalars(
            select(HumanTask)
            .where(HumanTask.dossier_id == dossier.id, HumanTask.status.in_([TaskStatus.NEW, TaskStatus.CLAIMED]))
            .order_by(HumanTask.id)
        )
    )
    return DossierView(
        code=dossier.code,
        procedure_code=dossier.procedure_code,
        meta=meta,
        status=dossier.status,
        unit_code=dossier.unit_code,
        applicant_name=dossier.applicant_name,
        applicant_id_number=dossier.applicant_id_number,
        account_id=dossier.account_id,
        result_channel=dossier.result_channel,
        submitted_at=dossier.submitted_at,
        received_on=dossier.received_on,
        appointment_at=dossier.appointment_at,
        paused_at=dossier.paused_at,
        processed_at=dossier.processed_at,
        finished_at=dossier.finished_at,
        application=application,
        documents=documents,
        timeline=timeline,
        events=events,
        supplements=supplements,
        refusal_reason=refusal,
        shipments=shipments,
        rating=session.get(Rating, dossier.id),
        open_tasks=open_tasks,
        ordered_waybill=ordered_waybill,
        supplement_due=supplement_due(session, dossier.id) if awaiting_papers else None,
        channel=dossier.channel,
    )
