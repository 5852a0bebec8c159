"""A medical facility asks whether a citizen's health-insurance card (one the office issued:
engine.dossiers.cards, the holder's own or one their employer's registration listed) is valid on a
day. The answer holds the card's number and validity dates and nothing else about the person; every
lookup is logged (who, when, which ID number, which day, the answer) in `card_lookups`, in the same
transaction as the answer is read."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.data.models import CardLookup, Dossier, HealthInsuranceCard
from engine.dossiers.cards import NEVER_HANDED_OVER

VALID, EXPIRED, NOT_YET_VALID, NO_CARD = "valid", "expired", "not_yet_valid", "no_card"
ANSWERS = (VALID, EXPIRED, NOT_YET_VALID, NO_CARD)
ID_NUMBER = re.compile(r"^\d{12}$")  # a citizen ID (CCCD)


@dataclass(frozen=True)
class CardAnswer:
    answer: str
    card_number: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None


def _covers(card: HealthInsuranceCard, on: date) -> bool:
    return (card.valid_from is None or card.valid_from <= on) and on <= card.valid_to


def check(session: Session, client_id: int, id_number: str, on: date, now: datetime) -> CardAnswer:
    """The card valid on `on` for the citizen with this ID number; else the one nearest that day
    (the latest ending before it, or the first starting after), so the facility can tell the
    patient why. Logged whatever the answer."""
    cards = list(
        session.scalars(
            select(HealthInsuranceCard)
            .join(Dossier, Dossier.id == HealthInsuranceCard.dossier_id)
            .where(HealthInsuranceCard.holder_id_number == id_number, Dossier.status.not_in(NEVER_HANDED_OVER))
            .order_by(HealthInsuranceCard.valid_to.desc(), HealthInsuranceCard.id.desc())
        )
    )
    valid = next((c for c in cards if _covers(c, on)), None)
    if valid is not None:
        found = CardAnswer(VALID, valid.card_number, valid.valid_from, valid.valid_to)
    else:
        ended = next((c for c in cards if c.valid_to < on), None)
        later = [c for c in cards if c.valid_from is not None and c.valid_from > on]
        if later:
            first = min(later, key=lambda c: c.valid_from)
            found = CardAnswer(NOT_YET_VALID, first.card_number, first.valid_from, first.valid_to)
        elif ended is not None:
            found = CardAnswer(EXPIRED, ended.card_number, ended.valid_from, ended.valid_to)
        else:
            found = CardAnswer(NO_CARD)
    session.add(
        CardLookup(
            client_id=client_id,
            at=now,
            id_number=id_number,
            on_day=on,
            answer=found.answer,
            card_number=found.card_number,
        )
    )
    return found


def lookups(session: Session, client_id: int | None = None, limit: int = 50) -> list[CardLookup]:
    """The latest lookups, newest first (one client's, or everyone's)."""
    query = select(CardLookup).order_by(CardLookup.id.desc()).limit(limit)
    if client_id is not None:
        query = query.where(CardLookup.client_id == client_id)
    return list(session.scalars(query))
