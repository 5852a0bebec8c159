"""The dossiers' histories as hash chains, and the check that finds where one was tampered with;
the administration's log of changes (units, officers, role grants, the calendar), chained alike.

Each event carries its place in its dossier's history (`seq`, 1, 2, ...), the hash of the event
before it (`prev_hash`; the first points at GENESIS) and its own `hash`: SHA-256 over the dossier
id, seq, time, actor, kind, data and prev_hash. The dossier row keeps the chain's head (the last
seq and hash), so the newest events cannot be dropped unseen either. The events of one dossier are
chained in the order they are written, under a lock on the dossier row: either the caller holds
the row already and chains them before saving it (an advance: no extra statement), or
`link_at_commit` locks it and reads the head when the buffered rows are inserted.

What the chain proves: a row edited, removed, inserted or moved in the database after it was
written is reported by `verify`, by dossier and event. What it does not: someone who can write to
the database and recomputes every later hash and the dossier's head (the hash has no secret key)
leaves a chain that verifies; copies kept elsewhere (backups) are what show such a rewrite.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import groupby
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.orm import Session

from engine.data.models import AdminChange, Dossier, Event
from engine.errors import not_found

GENESIS = "0" * 64  # what the first event of a dossier points back at

_D, _E = Dossier.__table__, Event.__table__


def event_hash(
    dossier_id: int, seq: int, at: datetime, actor_id: int | None, actor: str, kind: str, data: Any, prev_hash: str
) -> str:
    """SHA-256 of the event's canonical form: a JSON array, keys sorted, no spaces, ASCII, times
    in UTC ISO 8601."""
    body = [dossier_id, seq, at.astimezone(UTC).isoformat(), actor_id, actor, kind, data, prev_hash]
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def link(row: dict[str, Any], seq: int, prev_hash: str) -> str:
    """Give a buffered event row (engine.data.db.insert_later) its place after `prev_hash`;
    returns its hash. Its data is stored as read back from JSON, so what is hashed is what a
    reader of the row sees (tuples as lists, keys as text)."""
    row["data"] = json.loads(json.dumps(row["data"], allow_nan=False))
    row["seq"], row["prev_hash"] = seq, prev_hash
    row["hash"] = event_hash(
        row["dossier_id"], seq, row["at"], row["actor_id"], row["actor"], row["kind"], row["data"], prev_hash
    )
    return row["hash"]


_HEAD = select(_D.c.last_event_seq, _D.c.last_event_hash).where(_D.c.id == bindparam("key"))
_HEAD_LOCKED = _HEAD.with_for_update()
_SET_HEAD = update(_D).where(_D.c.id == bindparam("key"))


def link_at_commit(connection: Connection, rows: list[dict[str, Any]]) -> None:
    """Chain the events a transaction is about to insert that its caller has not chained (they
    came from a step that does not hold the dossier row: a claim, a note from the post, a rating,
    an answer the outbox recorded). The dossier row is locked first (PostgreSQL; on SQLite the
    write transaction holds the whole database), so two transactions appending to one dossier
    queue, and the second links after the first's last event. Dossiers are locked in id order,
    so two transactions touching the same dossiers cannot deadlock here."""
    pending: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        if "hash" not in row:
            pending.setdefault(row["dossier_id"], []).append(row)
    head = _HEAD if connection.dialect.name == "sqlite" else _HEAD_LOCKED
    for dossier_id in sorted(pending):
        seq, prev_hash = connection.execute(head, {"key": dossier_id}).one()
        for row in pending[dossier_id]:
            seq += 1
            prev_hash = link(row, seq, prev_hash)
        connection.execute(_SET_HEAD, {"key": dossier_id, "last_event_seq": seq, "last_event_hash": prev_hash})


# --- verification --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One finding, said the way `motcua audit verify` prints it."""

    dossier_code: str
    event_id: int | None
    kind: str  # edited | out_of_order | removed_before | removed_after | all_removed | added
    count: int = 0  # all_removed: how many events the dossier had

    def __str__(self) -> str:
        said = {
            "edited": f"event #{self.event_id}: edited",
            "out_of_order": f"event #{self.event_id}: out of order",
            "removed_before": f"removed before event #{self.event_id}",
            "removed_after": f"removed after event #{self.event_id}",
            "all_removed": f"all {self.count} events removed",
            "added": f"event #{self.event_id}: added after the dossier's last recorded event",
        }[self.kind]
        return f"{self.dossier_code}: {said}"


@dataclass
class AuditReport:
    dossiers: int = 0
    events: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.problems

    @property
    def dossiers_with_problems(self) -> int:
        return len({p.dossier_code for p in self.problems})


@dataclass(frozen=True)
class _Stored:
    id: int
    seq: int
    at: datetime
    actor_id: int | None
    actor: str
    kind: str
    data: Any
    prev_hash: str
    hash: str


_CHAINS = (
    select(
        _D.c.id,
        _D.c.code,
        _D.c.last_event_seq,
        _D.c.last_event_hash,
        _E.c.id,
        _E.c.seq,
        _E.c.at,
        _E.c.actor_id,
        _E.c.actor,
        _E.c.kind,
        _E.c.data,
        _E.c.prev_hash,
        _E.c.hash,
    )
    .select_from(_D.outerjoin(_E, _E.c.dossier_id == _D.c.id))
    .order_by(_D.c.id, _E.c.id)
)


def verify(connection: Connection, dossier_code: str | None = None) -> AuditReport:
    """Check every dossier's chain (or one dossier's); run it in one snapshot of the database
    (engine.data.db.Database.snapshot), or heads and events written in between would disagree."""
    query = _CHAINS if dossier_code is None else _CHAINS.where(_D.c.code == dossier_code)
    rows = connection.execute(query.execution_options(yield_per=2000))
    report = AuditReport()
    for (dossier_id, code, head_seq, head_hash), group in groupby(rows, key=lambda r: tuple(r[:4])):
        events = [_Stored(*r[4:]) for r in group if r[4] is not None]
        report.dossiers += 1
        report.events += len(events)
        report.problems += check_chain(dossier_id, code, head_seq, head_hash, events)
    return report


def check_chain(dossier_id: int, code: str, head_seq: int, head_hash: str, events: Iterable[_Stored]) -> list[Problem]:
    """The problems of one dossier's chain; `events` in the order they were inserted (by id)."""
    problems: list[Problem] = []
    edited: set[int] = set()
    by_seq: dict[int, _Stored] = {}
    highest = 0
    for e in events:
        if e.hash != event_hash(dossier_id, e.seq, e.at, e.actor_id, e.actor, e.kind, e.data, e.prev_hash):
            edited.add(e.id)
            problems.append(Problem(code, e.id, "edited"))
        if e.seq <= highest:  # inserted after an event that comes later in the chain: moved
            problems.append(Problem(code, e.id, "out_of_order"))
        highest = max(highest, e.seq)
        by_seq.setdefault(e.seq, e)
    # the links, in chain order: a gap is a removal; a link to a hash the event before no longer
    # has means that event was rewritten with a fresh hash of its own
    expected, prev_hash, last = 1, GENESIS, None
    for seq in sorted(by_seq):
        e = by_seq[seq]
        if seq > expected:
            problems.append(Problem(code, e.id, "removed_before"))
        elif e.prev_hash != prev_hash:
            blamed = e if last is None else last
            if blamed.id not in edited:
                edited.add(blamed.id)
                problems.append(Problem(code, blamed.id, "edited"))
        expected, prev_hash, last = seq + 1, e.hash, e
    # the head on the dossier row: the newest events
    if head_seq > highest:
        problems.append(
            Problem(code, None, "all_removed", head_seq) if last is None else Problem(code, last.id, "removed_after")
        )
    elif head_seq < highest:
        problems += [Problem(code, e.id, "added") for e in _after(by_seq, head_seq)]
    elif last is not None and head_hash != last.hash and last.id not in edited:
        problems.append(Problem(code, last.id, "edited"))
    return sorted(problems, key=lambda p: (p.event_id is None, p.event_id or 0))  # in the history's order


def _after(by_seq: dict[int, _Stored], seq: int) -> Iterator[_Stored]:
    return (by_seq[s] for s in sorted(by_seq) if s > seq)


class _Snapshots(Protocol):
    """engine.data.db.Database, which imports this module (so it is not imported back)."""

    def snapshot(self) -> AbstractContextManager[Connection]: ...


def verify_database(db: _Snapshots, dossier_code: str | None = None) -> AuditReport:
    """`verify` on one snapshot of the database; a dossier code that matches nothing is refused."""
    with db.snapshot() as connection:
        report = verify(connection, dossier_code)
    if dossier_code is not None and report.dossiers == 0:
        raise not_found("dossier", dossier_code)
    return report


# --- the administration's changes ----------------------------------------------------------------
# One chain for the whole office (units, officers, role grants, the calendar): each change hashed
# with the one before, the same canonical form as a dossier's events with area and kind together.


def change_hash(
    seq: int, at: datetime, actor_id: int | None, actor: str, area: str, kind: str, data: Any, prev: str
) -> str:
    return event_hash(0, seq, at, actor_id, actor, f"{area}.{kind}", data, prev)


def record_change(
    session: Session, actor_id: int | None, actor: str, area: str, kind: str, now: datetime, **data: Any
) -> AdminChange:
    """Append a change to the administration's log, in the caller's transaction. Two administrators
    writing at once both read the same head: the unique `seq` refuses the second transaction, which
    changes nothing (the caller says so and the administrator tries again)."""
    last = session.execute(select(AdminChange.seq, AdminChange.hash).order_by(AdminChange.seq.desc()).limit(1)).first()
    seq, prev = (last.seq + 1, last.hash) if last else (1, GENESIS)
    data = json.loads(json.dumps(data, allow_nan=False, default=str))
    change = AdminChange(
        seq=seq,
        at=now,
        actor_id=actor_id,
        actor=actor,
        area=area,
        kind=kind,
        data=data,
        prev_hash=prev,
        hash=change_hash(seq, now, actor_id, actor, area, kind, data, prev),
    )
    session.add(change)
    session.flush()
    return change


def latest_changes(session: Session, area: str | None = None, limit: int = 10) -> list[AdminChange]:
    query = select(AdminChange).order_by(AdminChange.seq.desc()).limit(limit)
    if area is not None:
        query = query.where(AdminChange.area == area)
    return list(session.scalars(query))


def verify_changes(session: Session) -> list[int]:
    """The seq numbers of changes whose row no longer matches its hash or its link to the one before
    (edited, removed before it); empty when the log is as it was written."""
    bad, prev, expected = [], GENESIS, 1
    for c in session.scalars(select(AdminChange).order_by(AdminChange.seq)):
        own = change_hash(c.seq, c.at, c.actor_id, c.actor, c.area, c.kind, c.data, c.prev_hash)
        if c.seq != expected or c.prev_hash != prev or c.hash != own:
            bad.append(c.seq)
        prev, expected = c.hash, c.seq + 1
    return bad
