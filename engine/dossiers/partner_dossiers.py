"""Dossiers an employer's software files through the API for its employees: filed under the employer's
tax code (as its own account on the portal would), linked to the client that filed them so it can list
them and read them back; another client's dossier is 'not found', like one that does not exist."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.data.models import Account, Dossier, PartnerDossier
from engine.errors import not_found
from engine.people.partners import Partner


def applicant_of(partner: Partner) -> Account:
    """The employer as the portal's rules see an applicant (never saved: the checks of
    engine.dossiers.applicants read its kind, tax code and name)."""
    return Account(kind="employer", id_number=partner.tax_code or "", full_name=partner.name)


def link(session: Session, partner: Partner, code: str, now: datetime) -> None:
    """Note that the client filed this dossier (again for the same dossier: nothing more)."""
    dossier_id = session.scalar(select(Dossier.id).where(Dossier.code == code))
    if dossier_id is None:
        raise not_found("dossier", code)
    if session.scalar(select(PartnerDossier.id).where(PartnerDossier.dossier_id == dossier_id)) is not None:
        return
    try:
        with session.begin_nested():
            session.add(PartnerDossier(client_id=partner.id, dossier_id=dossier_id, submitted_at=now))
    except IntegrityError:  # the same request twice at once: the other one linked it
        pass


def owns(session: Session, partner: Partner, code: str) -> bool:
    found = session.scalar(
        select(PartnerDossier.id)
        .join(Dossier, Dossier.id == PartnerDossier.dossier_id)
        .where(Dossier.code == code, PartnerDossier.client_id == partner.id)
    )
    return found is not None


def filed_after(session: Session, partner: Partner, after: tuple[datetime, int] | None, limit: int) -> list[Dossier]:
    """The client's dossiers, newest first, keyset paged as an applicant's own list is."""
    query = (
        select(Dossier)
        .join(PartnerDossier, PartnerDossier.dossier_id == Dossier.id)
        .where(PartnerDossier.client_id == partner.id)
    )
    if after is not None:
        at, dossier_id = after
        query = query.where(or_(Dossier.submitted_at < at, and_(Dossier.submitted_at == at, Dossier.id < dossier_id)))
    return list(session.scalars(query.order_by(Dossier.submitted_at.desc(), Dossier.id.desc()).limit(limit)))
