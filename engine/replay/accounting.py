"""What a replay left in the database, read back with plain queries (nothing of the dashboard's):
every dossier accounted for (received = finished + open), by status; the shares the generator put in
beside the shares measured; on-time share; the backlog at the end by role and by unit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from engine.data.models import Dossier, Event, HumanTask, TaskStatus
from engine.replay.plan import Replay


@dataclass
class Share:
    name: str
    generated: float | None  # from the plan
    measured: float | None  # from the database


@dataclass
class Accounting:
    received: int
    finished: int
    open: int
    by_status: dict[int, int]
    shares: list[Share]
    on_time: float | None  # of the dossiers whose processing finished: by their appointment
    processed: int
    late: int
    overdue: int | None  # still in processing at the end of the period, past their appointment
    backlog_by_role: dict[str, int]
    backlog_by_unit: dict[str, int]
    events: dict[str, int] = field(default_factory=dict)  # failed deliveries, bank rejections ...

    @property
    def balanced(self) -> bool:
        return self.received == self.finished + self.open


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def measure(session: Session, replay: Replay | None = None) -> Accounting:
    received = session.scalar(select(func.count(Dossier.id))) or 0
    finished = session.scalar(select(func.count(Dossier.id)).where(Dossier.finished_at.is_not(None))) or 0
    open_ = session.scalar(select(func.count(Dossier.id)).where(Dossier.finished_at.is_(None))) or 0
    by_status = dict(session.execute(select(Dossier.status, func.count()).group_by(Dossier.status)).all())
    online = session.scalar(select(func.count()).where(Dossier.channel == "online")) or 0
    with_result = session.scalar(select(func.count()).where(Dossier.result_channel.is_not(None))) or 0
    by_post = session.scalar(select(func.count()).where(Dossier.result_channel == "post")) or 0
    message = Event.data["message"].as_string()
    messages = dict(
        session.execute(
            select(message, func.count(func.distinct(Event.dossier_id)))
            .where(Event.kind == "message_received")
            .group_by(message)
        ).all()
    )
    paid_bank, paid_cash = messages.get("bank_confirmed", 0), messages.get("cash_paid", 0)
    processed, on_time = session.execute(
        select(
            func.count(Dossier.id),
            func.sum(case((Dossier.processed_at <= Dossier.appointment_at, 1), else_=0)),
        ).where(Dossier.processed_at.is_not(None), Dossier.appointment_at.is_not(None))
    ).one()
    overdue = None
    if replay is not None:
        overdue = session.scalar(
            select(func.count(Dossier.id)).where(
                Dossier.finished_at.is_(None),
                Dossier.processed_at.is_(None),
                Dossier.appointment_at < replay.period_end,
            )
        )
    open_task = HumanTask.status.in_([TaskStatus.NEW, TaskStatus.CLAIMED])
    backlog_by_role = dict(
        session.execute(select(HumanTask.role_code, func.count()).where(open_task).group_by(HumanTask.role_code)).all()
    )
    backlog_by_unit = dict(
        session.execute(
            select(Dossier.unit_code, func.count()).where(Dossier.finished_at.is_(None)).group_by(Dossier.unit_code)
        ).all()
    )
    shares = [
        Share("online share", None, _share(online, received)),
        Share("results by post", None, _share(by_post, with_result)),
        Share("benefits paid cashless", None, _share(paid_bank, paid_bank + paid_cash)),
    ]
    if replay is not None:
        for share, generated in zip(shares, generated_shares(replay), strict=True):
            share.generated = generated
    return Accounting(
        received=received,
        finished=finished,
        open=open_,
        by_status=by_status,
        shares=shares,
        on_time=_share(on_time or 0, processed or 0),
        processed=processed or 0,
        late=(processed or 0) - (on_time or 0),
        overdue=overdue,
        backlog_by_role=backlog_by_role,
        backlog_by_unit=backlog_by_unit,
        events={
            "failed deliveries": messages.get("postal_failed", 0),
            "bank rejections": messages.get("bank_rejected", 0),
            "supplements received": messages.get("supplement_received", 0),
            "withdrawals": messages.get("withdrawal_requested", 0),
        },
    )


def generated_shares(replay: Replay) -> list[float | None]:
    """The generator's own shares, as the database would show them: online among all dossiers,
    post among the results asked for, cashless among the payouts done within the period."""
    plans = replay.plans
    online = sum(p.channel == "online" for p in plans)
    post = sum(p.result_channel == "post" for p in plans)
    paid = [p for p in plans if any(s.target in ("bank_confirmed", "cash_paid") for s in p.steps)]
    bank = sum(any(s.target == "bank_confirmed" for s in p.steps) for p in paid)
    return [_share(online, len(plans)), _share(post, len(plans)), _share(bank, len(paid))]
