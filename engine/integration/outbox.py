"""The outbox worker: delivers what transactions queued (portal pushes, SMS and e-mail, postal
orders, transfers) to the outside systems, with retries, dead letters and idempotency keys.

A pass claims due rows in a short transaction by setting a lease (`locked_until`; on PostgreSQL
with SELECT ... FOR UPDATE SKIP LOCKED, on SQLite under the BEGIN IMMEDIATE write lock), delivers
them outside any transaction, then marks each in a short transaction of its own, only if the lease
is still the one it set: a worker that overran its lease cannot overwrite the one that took over.
A worker killed after the outside system answered but before the mark leaves the row to be
delivered again when the lease runs out; the same Idempotency-Key makes that repeat a no-op.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, not_, or_, select, update
from sqlalchemy.orm import aliased

from engine.clock import Clock
from engine.config import Settings
from engine.data.db import Database
from engine.data.journal import record
from engine.data.models import Dossier, Event, OutboxMessage
from engine.integration import notifications
from engine.integration.connectors import connectors_for
from engine.integration.connectors.http import Connector, Rejected, Retryable, default_client
from engine.people.officers import Actor

log = logging.getLogger("motcua.outbox")

MAX_BACKOFF_SECONDS = 3600
# answers that become a dossier event: kind -> (event kind, field of the answer)
ANSWER_EVENTS = {
    "postal.order": ("postal_order_placed", "waybill"),
    "payout.transfer": ("transfer_ordered", "transfer_id"),
}
# kinds pushed strictly in order per dossier: a later one waits until the earlier ones are sent
ORDERED_KINDS = ("portal.status",)


def backoff(attempts: int) -> timedelta:
    """Wait before the next try: 2, 4, 8, ... seconds after 1, 2, 3 failed tries, at most an hour,
    plus up to 10% so that rows that failed together do not all come back at once."""
    seconds = min(2**attempts, MAX_BACKOFF_SECONDS)
    return timedelta(seconds=seconds * random.uniform(1.0, 1.1))


@dataclass(frozen=True)
class Claimed:
    id: int
    dossier_id: int | None
    kind: str
    payload: dict[str, Any]
    idempotency_key: str
    attempts: int
    lease: datetime


@dataclass(frozen=True)
class DeadLetter:
    id: int
    kind: str
    dossier_code: str | None
    attempts: int
    last_error: str | None
    created_at: datetime


class OutboxWorker:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        settings: Settings,
        connectors: dict[str, Connector] | None = None,
        lease: float | None = None,
    ):
        self.db, self.clock, self.settings = db, clock, settings
        # how long a claimed row stays this worker's; past it, another worker may deliver it again:
        # longer than a delivery's timeout, short enough to recover soon from a killed worker
        self.lease = timedelta(seconds=lease if lease is not None else settings.outbox_lease_seconds)
        self._client = None
        if connectors is None:
            self._client = default_client()
            connectors = connectors_for(settings, self._client)
        self.connectors = connectors

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    # --- one pass --------------------------------------------------------------------------------

    def run_once(self, batch: int = 50) -> dict[str, int]:
        """Deliver what is due now; counts of what happened."""
        counts = {"claimed": 0, "sent": 0, "retry": 0, "dead": 0, "lost": 0}
        for message in self._claim(batch):
            counts["claimed"] += 1
            # the batch took longer than the lease: another worker may be delivering the rest now
            counts["lost" if self.clock.now() >= message.lease else self._deliver(message)] += 1
        return counts

    def run(
        self,
        interval: float = 2.0,
        batch: int = 50,
        stop: threading.Event | None = None,
        report: Callable[[dict[str, int]], None] | None = None,
    ) -> None:
        """Pass after pass until `stop` is set; waits `interval` only when a pass found nothing."""
        stop = stop or threading.Event()
        while not stop.is_set():
            try:
                counts = self.run_once(batch)
            except Exception:  # the database away for a moment: keep going, the next pass tries again
                log.exception("outbox pass failed")
                counts = {"claimed": 0}
            if counts["claimed"] and report:
                report(counts)
            if not counts["claimed"]:
                stop.wait(interval)

    def _claim(self, batch: int) -> list[Claimed]:
        now = self.clock.now()
        lease = now + self.lease
        o = OutboxMessage
        earlier = aliased(OutboxMessage)
        waits_for_earlier = and_(
            o.kind.in_(ORDERED_KINDS),
            exists().where(
                earlier.dossier_id == o.dossier_id, earlier.kind == o.kind, earlier.id < o.id, earlier.status != "sent"
            ),
        )
        query = (
            select(o.id, o.dossier_id, o.kind, o.payload, o.idempotency_key, o.attempts)
            .where(
                o.status == "pending",
                o.next_attempt_at <= now,
                or_(o.locked_until.is_(None), o.locked_until < now),
                not_(waits_for_earlier),
            )
            .order_by(o.id)
            .limit(batch)
        )
        if not self.db.is_sqlite:
            query = query.with_for_update(skip_locked=True, of=o)
        with self.db.write() as session:
            rows = session.execute(query).all()
            if rows:
                session.execute(update(o).where(o.id.in_([r.id for r in rows])).values(locked_until=lease))
        return [Claimed(*row, lease=lease) for row in rows]

    def _deliver(self, message: Claimed) -> str:
        try:
            connector = self.connectors.get(message.kind)
            if connector is None:
                raise Rejected(f"no connector delivers {message.kind!r}")
            answer = connector.deliver(self._body(message), message.idempotency_key)
        except Rejected as err:
            return self._mark_failed(message, err.reason, dead=True)
        except KeyError as err:  # no try will add the field
            return self._mark_failed(message, f"the message has no {err}", dead=True)
        except Retryable as err:
            return self._mark_failed(message, err.reason, dead=False)
        except Exception as err:  # a fault of ours: keep the row and say why; retries run out to a dead letter
            log.exception("outbox message %s (%s) failed", message.id, message.kind)
            return self._mark_failed(message, f"{type(err).__name__}: {err}", dead=False)
        return self._mark_sent(message, answer)

    def _body(self, message: Claimed) -> dict[str, Any]:
        if message.kind == "postal.order":
            with self.db.read() as session:
                return shipment_order(session, self.settings, message.dossier_id, message.payload)
        if message.kind not in notifications.NOTIFY_KINDS:
            return message.payload
        try:
            with self.db.read() as session:
                return notifications.compose(session, self.settings, message.kind, message.dossier_id, message.payload)
        except (KeyError, ValueError, LookupError) as err:
            raise Rejected(f"cannot write the text: {type(err).__name__}: {err}") from err

    # --- marking -----------------------------------------------------------------------------------

    def _mark_sent(self, message: Claimed, answer: dict[str, Any]) -> str:
        now = self.clock.now()
        with self.db.write() as session:
            if not self._update(
                session,
                message,
                status="sent",
                sent_at=now,
                response=answer,
                attempts=message.attempts + 1,
                last_error=None,
            ):
                return "lost"
            if message.kind in ANSWER_EVENTS and message.dossier_id is not None:
                event, field = ANSWER_EVENTS[message.kind]
                record(
                    session,
                    message.dossier_id,
                    Actor.system(),
                    event,
                    now,
                    outbox_id=message.id,
                    **{field: answer.get(field)},
                )
        return "sent"

    def _mark_failed(self, message: Claimed, reason: str, dead: bool) -> str:
        now = self.clock.now()
        attempts = message.attempts + 1
        dead = dead or attempts >= self.settings.outbox_max_attempts
        values = {"attempts": attempts, "last_error": reason[:2000]}
        if dead:
            values["status"] = "dead"
        else:
            values["next_attempt_at"] = now + backoff(attempts)
        with self.db.write() as session:
            if not self._update(session, message, **values):
                return "lost"
        if dead:
            log.error(
                "outbox message %s (%s) is a dead letter after %s attempt(s): %s",
                message.id,
                message.kind,
                attempts,
                reason,
            )
            return "dead"
        log.warning(
            "outbox message %s (%s) failed (attempt %s), next at %s: %s",
            message.id,
            message.kind,
            attempts,
            values["next_attempt_at"].isoformat(),
            reason,
        )
        return "retry"

    @staticmethod
    def _update(session, message: Claimed, **values) -> bool:
        """Write the outcome if the row is still ours (nobody took it over after our lease ran out)."""
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message.id, OutboxMessage.locked_until == message.lease)
            .values(locked_until=None, **values)
        )
        return result.rowcount == 1

    # --- dead letters --------------------------------------------------------------------------------

    def dead_letters(self) -> list[DeadLetter]:
        o = OutboxMessage
        with self.db.read() as session:
            rows = session.execute(
                select(o.id, o.kind, Dossier.code, o.attempts, o.last_error, o.created_at)
                .outerjoin(Dossier, Dossier.id == o.dossier_id)
                .where(o.status == "dead")
                .order_by(o.id)
            ).all()
        return [DeadLetter(*row) for row in rows]

    def retry(self, ids: Iterable[int]) -> int:
        """Put dead letters back in the queue, due now, with their tries counted from zero."""
        ids = list(ids)
        if not ids:
            return 0
        with self.db.write() as session:
            result = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.status == "dead")
                .values(status="pending", attempts=0, next_attempt_at=self.clock.now(), locked_until=None)
            )
        return result.rowcount


STATUSES = ("pending", "sent", "dead")


@dataclass(frozen=True)
class Counts:
    """How many messages are in each status, overall and per kind, for the administrator."""

    by_status: dict[str, int]
    by_kind: dict[str, dict[str, int]]


def counts(session) -> Counts:
    o = OutboxMessage
    by_status = dict.fromkeys(STATUSES, 0)
    by_kind: dict[str, dict[str, int]] = {}
    for kind, status, n in session.execute(select(o.kind, o.status, func.count()).group_by(o.kind, o.status)):
        by_status[status] = by_status.get(status, 0) + n
        by_kind.setdefault(kind, dict.fromkeys(STATUSES, 0))[status] = n
    return Counts(by_status, dict(sorted(by_kind.items())))


def shipment_order(session, settings: Settings, dossier_id: int | None, payload: dict[str, Any]) -> dict[str, Any]:
    """A result shipment's order: who receives it, where and at what phone, from the application
    (the delivery address if one was given), unless the diagram said otherwise."""
    if dossier_id is None:
        raise Rejected("a shipment order needs a dossier")
    name, application = session.execute(
        select(Dossier.applicant_name, Event.data["application"])
        .join(Event, (Event.dossier_id == Dossier.id) & (Event.kind == "submitted"))
        .where(Dossier.id == dossier_id)
    ).one()
    application = application or {}
    order = {
        "recipient": name,
        "address": application.get("delivery_address") or application.get("address") or "",
        "phone": application.get("phone") or "",
        "fee": settings.postal_fee,
        "payer": "applicant",
    }
    return {**order, **payload}
