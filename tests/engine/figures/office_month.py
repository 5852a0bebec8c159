"""A small month of the office, scripted through the real engine: dossiers accepted and approved
at chosen times, through chosen channels, some rated. Each returns what the test needs to count
the figures by itself."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from engine.data.models import Account
from engine.dossiers.applicants import rate
from engine.people.officers import Actor
from tests.helpers import P02_APPLICATION, do_task, review_p02

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=VN)


@dataclass
class Scripted:
    code: str
    channel: str
    accepted: datetime | None  # None: refused at reception
    approved: datetime | None
    rating: str | None


def applicant_account(runtime, id_number: str = "051090001234") -> int:
    with runtime.db.write() as session:
        account = Account(
            kind="individual",
            id_number=id_number,
            full_name=P02_APPLICATION["full_name"],
            password_hash="-",
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        session.add(account)
        session.flush()
        return account.id


def run_p02(
    runtime,
    office,
    clock,
    accepted: str,
    approved: str | None,
    *,
    channel: str = "online",
    rating: str | None = None,
    rated: str | None = None,
    account_id: int | None = None,
    reviewed: str | None = None,
) -> Scripted:
    """A P02 dossier submitted and accepted at `accepted`, reviewed by collection at `reviewed`
    (default: at acceptance) and approved at `approved` (None: left open at the leader); rated
    `rating` at `rated` (default: at approval)."""
    clock.set(at(accepted))
    code = runtime.dossiers.start(
        "P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]), account_id=account_id, channel=channel
    )
    do_task(runtime, office, code, "reception_check", decision="accept")
    clock.set(at(reviewed or accepted))
    review_p02(runtime, office, code)
    if approved is None:
        return Scripted(code, channel, at(accepted), None, None)
    clock.set(at(approved))
    do_task(runtime, office, code, "leader_approval", decision="approve")
    if rating:
        clock.set(at(rated or approved))
        with runtime.db.write() as session:
            rate(session, code, account_id, {"rating": rating, "comment": "Nhanh"}, clock.now())
    return Scripted(code, channel, at(accepted), at(approved), rating)


def refuse_p02(runtime, office, clock, when: str, channel: str = "online") -> Scripted:
    clock.set(at(when))
    code = runtime.dossiers.start(
        "P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]), channel=channel
    )
    do_task(runtime, office, code, "reception_check", decision="refuse", refusal_reason="Trùng hồ sơ")
    return Scripted(code, channel, None, None, None)
