"""Health-insurance cards issued by dossiers (P03's card_issue task), projected into `hi_cards`
in the task's own transaction so that renewal reminders (engine/integration/reminders.py) can find them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.data.models import HealthInsuranceCard


def record_card(
    session: Session, dossier_id: int, cleaned: dict[str, Any], now: datetime, valid_from: Any = None
) -> None:
    """Keep the card a task form issued, when it has a number and an expiry date; `valid_from` is the
    first valid day an earlier step set (the dossier's data, as text or a date). The dossier row
    is locked by the caller, so looking first and then inserting cannot race with itself; a card
    issued again (the leader sent it back) takes the latest expiry date."""
    number, valid_to = cleaned.get("hi_card_number"), cleaned.get("card_valid_to")
    if not number or not isinstance(valid_to, date):
        return
    card = session.scalar(
        select(HealthInsuranceCard).where(
            HealthInsuranceCard.dossier_id == dossier_id, HealthInsuranceCard.card_number == number
        )
    )
    start = _day(valid_from)
    if card is None:
        session.add(
            HealthInsuranceCard(
                dossier_id=dossier_id, card_number=number, valid_from=start, valid_to=valid_to, recorded_at=now
            )
        )
    else:
        card.valid_from, card.valid_to, card.recorded_at = start, valid_to, now


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
