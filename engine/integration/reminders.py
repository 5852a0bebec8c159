"""Renewal reminders: an SMS / e-mail to the holder of a health-insurance card that expires soon.

A job queues one `notify.hi_renewal` outbox message per card and expiry date; the message's
idempotency key is made of the card and its expiry date, so two jobs running at once (or one run
twice) queue it once: the second insert finds the key taken and does nothing.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from engine.clock import Clock
from engine.config import Settings
from engine.data.db import Database
from engine.data.models import Dossier, HealthInsuranceCard, OutboxMessage
from engine.dossiers.cards import NEVER_HANDED_OVER
from engine.statuses import DossierStatus

KIND = "notify.hi_renewal"
# the card was signed and handed over only once the dossier's processing finished
_ISSUED = (DossierStatus.FINISHED, DossierStatus.RETURNED)


def queue_renewal_reminders(db: Database, clock: Clock, settings: Settings, days_before: int = 30) -> int:
    """Queue a reminder for every card expiring within `days_before` days from today (office time)
    not yet reminded for that expiry date, unless a later card with the same number was issued
    since; how many were queued."""
    now = clock.now()
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    card, newer, renewal = HealthInsuranceCard, aliased(HealthInsuranceCard), aliased(Dossier)
    renewed = exists().where(
        newer.card_number == card.card_number,
        newer.valid_to > card.valid_to,
        renewal.id == newer.dossier_id,
        renewal.status.not_in(NEVER_HANDED_OVER),  # a renewal still being processed counts
    )
    insert = sqlite.insert if db.is_sqlite else postgresql.insert
    queued = 0
    with db.write() as session:
        due = session.execute(
            select(card.id, card.dossier_id, card.card_number, card.valid_to, Dossier.code)
            .join(Dossier, Dossier.id == card.dossier_id)
            .where(
                card.valid_to >= today,
                card.valid_to <= today + timedelta(days=days_before),
                or_(card.reminded_for.is_(None), card.reminded_for != card.valid_to),
                Dossier.status.in_(_ISSUED),
                # the holder renews it: an employee's card goes on with the employer's contributions
                card.holder_id_number == Dossier.applicant_id_number,
                ~renewed,
            )
            .order_by(card.valid_to, card.id)
        ).all()
        for row in due:
            valid_to = row.valid_to.isoformat()
            added = session.scalar(
                insert(OutboxMessage)
                .values(
                    dossier_id=row.dossier_id,
                    kind=KIND,
                    payload={"dossier_code": row.code, "card_number": row.card_number, "valid_to": valid_to},
                    idempotency_key=f"{KIND}:{row.dossier_id}:{row.card_number}:{valid_to}",
                    status="pending",
                    attempts=0,
                    created_at=now,
                    next_attempt_at=now,
                )
                .on_conflict_do_nothing(index_elements=["idempotency_key"])
                .returning(OutboxMessage.id)
            )
            if added is not None:  # None: another job queued it first (the key was taken)
                queued += 1
            session.execute(update(card).where(card.id == row.id).values(reminded_for=row.valid_to))
    return queued
