"""The daily check of payouts against the bank: every transfer the bank confirmed to us on a day
must be in the bank's own report of that day, with the same amount, and the other way round.

Ours are the `bank_confirmed` messages dossiers took, dated by the bank's settlement time in the
message (the time the bank's report goes by), or by when we received it if the bank gave none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.config import Settings
from engine.data.models import Dossier, Event
from engine.errors import EngineError

TIMEOUT_SECONDS = 10.0


class BankUnavailable(EngineError):
    pass


@dataclass(frozen=True)
class Transfer:
    transfer_id: str
    dossier_code: str
    amount: int


@dataclass(frozen=True)
class Reconciliation:
    day: date
    ours_count: int
    ours_total: int
    bank_count: int
    bank_total: int
    missing_at_bank: list[Transfer]  # we recorded it as confirmed; the bank's report does not list it
    missing_here: list[Transfer]  # the bank reports it; no dossier of ours took its confirmation
    amounts_differ: list[tuple[Transfer, Transfer]] = field(default_factory=list)  # (ours, the bank's)

    @property
    def matches(self) -> bool:
        return (
            not self.missing_at_bank
            and not self.missing_here
            and not self.amounts_differ
            and (self.ours_count, self.ours_total) == (self.bank_count, self.bank_total)
        )


def reconcile(session: Session, settings: Settings, day: date) -> Reconciliation:
    ours = confirmed_transfers(session, day, ZoneInfo(settings.timezone))
    bank = bank_report(settings, day)
    ours_by_id = {t.transfer_id: t for t in ours}
    bank_by_id = {t.transfer_id: t for t in bank}
    return Reconciliation(
        day=day,
        ours_count=len(ours),
        ours_total=sum(t.amount for t in ours),
        bank_count=len(bank),
        bank_total=sum(t.amount for t in bank),
        missing_at_bank=[t for t in ours if t.transfer_id not in bank_by_id],
        missing_here=[t for t in bank if t.transfer_id not in ours_by_id],
        amounts_differ=[
            (t, bank_by_id[t.transfer_id])
            for t in ours
            if t.transfer_id in bank_by_id and bank_by_id[t.transfer_id].amount != t.amount
        ],
    )


def confirmed_transfers(session: Session, day: date, zone: ZoneInfo) -> list[Transfer]:
    """The bank confirmations dossiers took that were settled on `day` (office time)."""
    rows = session.execute(
        select(Event.at, Event.data, Dossier.code)
        .join(Dossier, Dossier.id == Event.dossier_id)
        .where(Event.kind == "message_received", Event.data["message"].as_string() == "bank_confirmed")
        .order_by(Event.id)
    )
    found = []
    for at, data, code in rows:
        payload = data.get("payload") or {}
        if _local_day(payload.get("at"), at, zone) == day and payload.get("transfer_id"):
            found.append(Transfer(str(payload["transfer_id"]), code, _amount(payload.get("amount"))))
    return found


def bank_report(settings: Settings, day: date) -> list[Transfer]:
    """The confirmed transfers of `day` as the bank reports them."""
    url = f"{settings.bank_url.rstrip('/')}/reports/{day.isoformat()}"
    try:
        response = httpx.get(url, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        listed = response.json()["transfers"]
        return [
            Transfer(str(t["transfer_id"]), str(t.get("dossier_code") or ""), _amount(t["amount"]))
            for t in listed
            if t.get("outcome", "confirmed") == "confirmed"
        ]
    except (httpx.HTTPError, ValueError, KeyError, TypeError) as error:
        raise BankUnavailable(
            f"Không lấy được bảng kê ngày {day:%d/%m/%Y} của ngân hàng: {error}",
            f"The bank's report of {day.isoformat()} could not be read: {error}",
        ) from error


def _local_day(settled: Any, received: datetime, zone: ZoneInfo) -> date:
    moment = received
    if isinstance(settled, str):
        try:
            parsed = datetime.fromisoformat(settled)
            moment = parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)
        except ValueError:
            pass
    return moment.astimezone(zone).date()


def _amount(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
