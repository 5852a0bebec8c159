"""Health-insurance cards issued by dossiers, projected into `hi_cards` in the issuing task's own
transaction: the applicant's own card (P03's card_issue: `hi_card_number`, `card_valid_to`), or the
cards of a card list (a `card_list` field: P01's employees, each with their citizen ID). Renewal
reminders (engine/integration/reminders.py) and medical facilities' checks (card_checks.py) read them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.data.models import Dossier, HealthInsuranceCard
from engine.forms import Field
from engine.statuses import DossierStatus

# a card recorded by a dossier that then ended so was never handed over
NEVER_HANDED_OVER = (DossierStatus.REFUSED, DossierStatus.WITHDRAWN, DossierStatus.STOPPED)


def record_cards(
    session: Session, dossier_id: int, fields: Iterable[Field], cleaned: dict[str, Any], now: datetime, data
) -> None:
    """Keep the cards a task's form issued: the applicant's own card when the form has a number and
    an expiry date (its first valid day is what an earlier step set in the dossier's `data`), and
    every card of the form's card lists. The dossier row is locked by the caller, so reading its
    cards first and then inserting cannot race with itself."""
    number, valid_to = cleaned.get("hi_card_number"), cleaned.get("card_valid_to")
    lists = [cleaned[f.name] for f in fields if f.type == "card_list" and f.name in cleaned]
    if not lists and not (number and isinstance(valid_to, date)):
        return
    applicant = session.scalar(select(Dossier.applicant_id_number).where(Dossier.id == dossier_id))
    cards = session.scalars(select(HealthInsuranceCard).where(HealthInsuranceCard.dossier_id == dossier_id))
    kept = {c.card_number: c for c in cards}  # a card issued again (sent back) takes the latest values
    issued: list[tuple[str, str, date | None, date]] = []
    if number and isinstance(valid_to, date):
        issued.append((number, applicant, _day(data.get("card_valid_from")), valid_to))
    for listed in lists:
        # a list issued again (the dossier was sent back and corrected) replaces the one before:
        # the employees' cards it leaves out were never handed over
        numbers = {card["card_number"] for card in listed}
        for gone in [c for c in kept.values() if c.holder_id_number != applicant and c.card_number not in numbers]:
            session.delete(kept.pop(gone.card_number))
        for card in listed:
            valid = (date.fromisoformat(card["valid_from"]), date.fromisoformat(card["valid_to"]))
            issued.append((card["card_number"], card["citizen_id"], *valid))
    for number, holder, valid_from, valid_to in issued:
        card = kept.get(number)
        if card is None:
            card = kept[number] = HealthInsuranceCard(dossier_id=dossier_id, card_number=number)
            session.add(card)
        card.holder_id_number, card.valid_from, card.valid_to, card.recorded_at = holder, valid_from, valid_to, now


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
