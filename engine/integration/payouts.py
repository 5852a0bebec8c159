"""The daily check of payouts against the bank: every transfer the bank confirmed to us on a day
must be in the bank's own report of that day, with the same amount, and the other way round.

Ours are the `bank_confirmed` messages dossiers took, kept in `confirmed_transfers` in the same
transaction as the dossier takes one (`record_confirmation`), dated by the bank's settlement time
in the message (the time the bank's report goes by), or by when we took it if the bank gave none;
a day is read by that indexed time. An amount that is not a whole number of đồng is never read as
0: the bank's webhook with one is refused (engine.integration.inbound), a report with one is
refused here, and one that reached a dossier anyway (typed at the command line, or kept from before
the check) is listed as unreadable, which makes the day differ.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.config import Settings
from engine.data.models import ConfirmedTransfer, Dossier
from engine.data.store import DossierRow
from engine.errors import EngineError

TIMEOUT_SECONDS = 10.0


class BankUnavailable(EngineError):
    pass


class MalformedAmount(EngineError):
    pass


@dataclass(frozen=True)
class Transfer:
    transfer_id: str
    dossier_code: str
    amount: int | None  # None: ours, recorded with an amount that was not a whole number of đồng


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
    unreadable: list[Transfer] = field(default_factory=list)  # ours, with an amount that is no number

    @property
    def matches(self) -> bool:
        return (
            not self.missing_at_bank
            and not self.missing_here
            and not self.amounts_differ
            and not self.unreadable
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
        ours_total=sum(t.amount or 0 for t in ours),  # (an unreadable one is listed, so the day differs)
        bank_count=len(bank),
        bank_total=sum(t.amount or 0 for t in bank),
        missing_at_bank=[t for t in ours if t.transfer_id not in bank_by_id],
        missing_here=[t for t in bank if t.transfer_id not in ours_by_id],
        amounts_differ=[
            (t, bank_by_id[t.transfer_id])
            for t in ours
            if t.amount is not None and t.transfer_id in bank_by_id and bank_by_id[t.transfer_id].amount != t.amount
        ],
        unreadable=[t for t in ours if t.amount is None],
    )


def confirmed_transfers(session: Session, day: date, zone: ZoneInfo) -> list[Transfer]:
    """The bank confirmations dossiers took that were settled on `day` (office time): that day's
    rows only, by the index on the settlement time."""
    start = datetime.combine(day, time(0), zone)
    rows = session.execute(
        select(ConfirmedTransfer.transfer_id, Dossier.code, ConfirmedTransfer.amount)
        .join(Dossier, Dossier.id == ConfirmedTransfer.dossier_id)
        .where(ConfirmedTransfer.settled_at >= start, ConfirmedTransfer.settled_at < start + timedelta(days=1))
        .order_by(ConfirmedTransfer.id)
    )
    return [Transfer(transfer_id, code, amount) for transfer_id, code, amount in rows]


def record_confirmation(
    session: Session, dossier: DossierRow, payload: dict[str, Any], now: datetime, zone: ZoneInfo
) -> None:
    """A dossier took the bank's confirmation of a transfer (DossierService.when_taken): keep it for
    the day's reconciliation, in the same transaction. A confirmation without a transfer id (a
    simulated path, a confirmation typed by hand) names no transfer of the bank's report."""
    transfer_id = payload.get("transfer_id")
    if not transfer_id:
        return
    try:
        amount: int | None = check_amount(payload.get("amount"))
    except MalformedAmount:
        amount = None
    session.add(
        ConfirmedTransfer(
            dossier_id=dossier.id,
            transfer_id=str(transfer_id)[:100],
            amount=amount,
            settled_at=_settled(payload.get("at"), zone) or now,
            recorded_at=now,
        )
    )


def check_amount(value: Any) -> int:
    """An amount as the bank sends it: whole đồng, not negative, a JSON number or its digits;
    anything else is refused, never read as 0."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,18}", value):
        return int(value)
    shown = json.dumps(value, ensure_ascii=False)[:40]
    raise MalformedAmount(
        f"Số tiền {shown} không phải số nguyên đồng không âm", f"The amount {shown} is not a whole number of đồng"
    )


def bank_report(settings: Settings, day: date) -> list[Transfer]:
    """The confirmed transfers of `day` as the bank reports them; a report listing an amount that
    is not a whole number of đồng is refused whole."""
    url = f"{settings.bank_url.rstrip('/')}/reports/{day.isoformat()}"
    try:
        response = httpx.get(url, timeout=TIMEOUT_SECONDS)
        response.raise_for_status()
        listed = [t for t in response.json()["transfers"] if t.get("outcome", "confirmed") == "confirmed"]
        found = [(str(t["transfer_id"]), str(t.get("dossier_code") or ""), t["amount"]) for t in listed]
    except (httpx.HTTPError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise BankUnavailable(
            f"Không lấy được bảng kê ngày {day:%d/%m/%Y} của ngân hàng: {error}",
            f"The bank's report of {day.isoformat()} could not be read: {error}",
        ) from error
    transfers = []
    for transfer_id, code, amount in found:
        try:
            transfers.append(Transfer(transfer_id, code, check_amount(amount)))
        except MalformedAmount as bad:
            raise BankUnavailable(
                f"Bảng kê ngày {day:%d/%m/%Y} của ngân hàng bị từ chối: giao dịch {transfer_id}: {bad.message.vi}",
                f"The bank's report of {day.isoformat()} is refused: transfer {transfer_id}: {bad.message.en}",
            ) from None
    return transfers


def _settled(settled: Any, zone: ZoneInfo) -> datetime | None:
    """The bank's settlement time (a time without a zone is office time), if it gave a readable one."""
    if not isinstance(settled, str):
        return None
    try:
        moment = datetime.fromisoformat(settled)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)
