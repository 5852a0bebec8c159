"""The dossiers' histories as hash chains: every way the engine writes an event chains it, and
`verify` finds an event edited, removed or moved by someone with the database in hand (who drops
the append-only trigger first), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, text

from engine.data.audit import GENESIS, event_hash, verify_database
from engine.data.models import Dossier, Event
from engine.errors import EngineError, NotFound
from engine.integration.inbound import record_event
from engine.people.officers import Actor
from tests.engine.dossiers.test_concurrency import race
from tests.helpers import P02_APPLICATION, do_task, open_task


def history_of(runtime, code: str) -> list[Event]:
    return runtime.dossiers.history(code)


def build(runtime, office) -> str:
    """A dossier whose history was written every way the engine writes one: submitted, claimed
    and released (a task's own transaction), completed (an advance), a note from the post (a
    transaction that does not hold the dossier), a timer."""
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
    task = open_task(runtime, code, "reception_check")
    runtime.dossiers.claim(task.id, office.desk)
    runtime.dossiers.unclaim(task.id, office.desk)
    do_task(runtime, office, code, "reception_check", decision="accept")
    with runtime.db.write() as session:
        record_event(session, code, Actor("Bưu điện", None, "system"), "postal_tracking", runtime.clock.now(), n=1)
    runtime.dossiers.claim(open_task(runtime, code, "collect_review").id, office.collection)
    return code


def test_every_event_is_chained_to_the_one_before(runtime, office, clock):
    code = build(runtime, office)
    other = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("Bình"))
    clock.advance(timedelta(minutes=5))
    with runtime.db.write() as session:  # one transaction appending to two dossiers
        for c in (other, code):
            record_event(session, c, Actor.system(), "note", runtime.clock.now(), text="ghi chú")

    for c in (code, other):
        events = history_of(runtime, c)
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert [e.prev_hash for e in events] == [GENESIS] + [e.hash for e in events[:-1]]
        dossier = runtime.dossiers.get(c)
        for e in events:
            assert e.hash == event_hash(dossier.id, e.seq, e.at, e.actor_id, e.actor, e.kind, e.data, e.prev_hash)
        assert (dossier.last_event_seq, dossier.last_event_hash) == (events[-1].seq, events[-1].hash)
    kinds = [e.kind for e in history_of(runtime, code)]
    assert {"submitted", "task_claimed", "task_unclaimed", "task_completed", "postal_tracking", "note"} <= set(kinds)

    report = verify_database(runtime.db)
    assert report.intact, report.problems
    assert (report.dossiers, report.events) == (2, len(kinds) + len(history_of(runtime, other)))
    assert verify_database(runtime.db, code).dossiers == 1
    with pytest.raises(NotFound, match=r"No dossier BHXH\.QNI-000000-0000"):
        verify_database(runtime.db, "BHXH.QNI-000000-0000")


# --- an attacker with the database in hand ----------------------------------------------------------


@pytest.fixture
def attacker(runtime):
    """Runs SQL on the database as someone who can: the append-only trigger and the one-event-per-
    place index dropped first. (PostgreSQL's test database is shared by the tests of a worker:
    both are made again afterwards, the tampered rows gone.)"""
    sqlite = runtime.db.is_sqlite
    disarmed = []

    def run(*statements: str, **params) -> None:
        with runtime.db.engine.begin() as conn:
            if not disarmed:
                if sqlite:
                    conn.exec_driver_sql("DROP TRIGGER events_no_update")
                    conn.exec_driver_sql("DROP TRIGGER events_no_delete")
                else:
                    conn.exec_driver_sql("DROP TRIGGER events_append_only ON events")
                conn.exec_driver_sql("DROP INDEX ix_events_dossier_seq")
                disarmed.append(True)
            for statement in statements:
                conn.execute(text(statement), params)

    yield run
    if disarmed and not sqlite:
        with runtime.db.engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE events")
            conn.exec_driver_sql("CREATE UNIQUE INDEX ix_events_dossier_seq ON events (dossier_id, seq)")
            conn.exec_driver_sql(
                "CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE ON events "
                "FOR EACH ROW EXECUTE FUNCTION events_append_only()"
            )


def problems(runtime) -> list[str]:
    return [str(p) for p in verify_database(runtime.db).problems]


def test_the_append_only_trigger_stays(runtime, office):
    code = build(runtime, office)
    first = history_of(runtime, code)[0].id
    for statement in ("UPDATE events SET kind = 'forged' WHERE id = :id", "DELETE FROM events WHERE id = :id"):
        with pytest.raises(Exception, match="append-only"), runtime.db.engine.begin() as conn:
            conn.execute(text(statement), {"id": first})
    assert problems(runtime) == []


def test_an_edited_event_is_found(runtime, office, attacker):
    code = build(runtime, office)
    completed = next(e for e in history_of(runtime, code) if e.kind == "task_completed")
    attacker("UPDATE events SET actor = 'Người khác' WHERE id = :id", id=completed.id)
    assert problems(runtime) == [f"{code}: event #{completed.id}: edited"]


def test_an_edit_with_a_fresh_hash_is_found_by_the_next_event(runtime, office, attacker):
    code = build(runtime, office)
    events = history_of(runtime, code)
    target = events[2]
    dossier_id = runtime.dossiers.get(code).id
    forged = event_hash(dossier_id, target.seq, target.at, None, "Ai đó", target.kind, target.data, target.prev_hash)
    attacker("UPDATE events SET actor = 'Ai đó', actor_id = NULL, hash = :h WHERE id = :id", h=forged, id=target.id)
    assert problems(runtime) == [f"{code}: event #{target.id}: edited"]


def test_a_removed_event_is_found(runtime, office, attacker):
    code = build(runtime, office)
    events = history_of(runtime, code)
    attacker("DELETE FROM events WHERE id = :id", id=events[3].id)
    assert problems(runtime) == [f"{code}: removed before event #{events[4].id}"]


def test_removing_the_newest_events_is_found_by_the_dossier_head(runtime, office, attacker):
    code = build(runtime, office)
    other = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("Bình"))
    events, others = history_of(runtime, code), history_of(runtime, other)
    attacker("DELETE FROM events WHERE id >= :id", id=events[-2].id)  # and every event of `other`
    assert problems(runtime) == [
        f"{code}: removed after event #{events[-3].id}",
        f"{other}: all {len(others)} events removed",
    ]


def test_swapped_events_are_found(runtime, office, attacker):
    """Two events trade places (their rows' ids): each still hashes right, the order does not."""
    code = build(runtime, office)
    a, b = history_of(runtime, code)[2:4]
    attacker(
        "UPDATE events SET id = -1 WHERE id = :a",
        "UPDATE events SET id = :a WHERE id = :b",
        "UPDATE events SET id = :b WHERE id = -1",
        a=a.id,
        b=b.id,
    )
    assert [e.kind for e in history_of(runtime, code)][2:4] == [b.kind, a.kind]
    assert problems(runtime) == [f"{code}: event #{b.id}: out of order"]


def test_an_event_added_behind_the_dossiers_back_is_found(runtime, office, attacker):
    code = build(runtime, office)
    last = history_of(runtime, code)[-1]
    dossier_id = runtime.dossiers.get(code).id
    data = {"note": "forged"}
    forged = event_hash(dossier_id, last.seq + 1, last.at, None, "Ai đó", "note", data, last.hash)
    attacker(
        "INSERT INTO events (dossier_id, at, actor_id, actor, kind, data, seq, prev_hash, hash) "
        "SELECT dossier_id, at, NULL, 'Ai đó', 'note', '{\"note\": \"forged\"}', seq + 1, hash, :h "
        "FROM events WHERE id = :id",
        h=forged,
        id=last.id,
    )
    added = history_of(runtime, code)[-1]
    assert problems(runtime) == [f"{code}: event #{added.id}: added after the dossier's last recorded event"]


def test_one_dossiers_check_reports_only_that_dossier(runtime, office, attacker):
    code = build(runtime, office)
    clean = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("Bình"))
    attacker("UPDATE events SET kind = 'forged' WHERE id = :id", id=history_of(runtime, code)[0].id)
    assert verify_database(runtime.db, clean).intact
    assert not verify_database(runtime.db, code).intact


# --- many writers on one dossier at once --------------------------------------------------------------


def test_writers_appending_to_one_dossier_at_once_keep_one_chain(runtime, office):
    """Notes from the post (which lock the dossier only at commit), claims and releases (which lock
    it with the task) and a completion (an advance), all at the same instant, twice over: every
    event lands in the chain once, in one line."""
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
    task = open_task(runtime, code, "reception_check")

    def note(n):
        with runtime.db.write() as session:
            record_event(session, code, Actor("Bưu điện", None, "system"), "postal_tracking", runtime.clock.now(), n=n)

    def claim_and_release():
        runtime.dossiers.claim(task.id, office.desk2)
        runtime.dossiers.unclaim(task.id, office.desk2)

    def complete():
        runtime.dossiers.complete_task(task.id, office.desk, {"decision": "accept"})
        return "completed"

    outcomes = []
    for _ in range(2):
        outcomes += race([*(lambda n=n: note(n) for n in range(12)), claim_and_release, claim_and_release, complete])
    # the officers are told plainly when one got in the other's way (claimed, already completed);
    # nothing else goes wrong (no deadlock, no duplicate place in the chain)
    assert all(o in (None, "completed") or isinstance(o, EngineError) for o in outcomes), outcomes

    events = history_of(runtime, code)
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert len([e for e in events if e.kind == "postal_tracking"]) == 24
    assert len([e for e in events if e.kind == "task_completed"]) == outcomes.count("completed")
    assert verify_database(runtime.db).intact


def test_the_chain_is_as_the_stored_rows_read_back(runtime, office):
    """Data the engine hands over as tuples or with number keys is hashed as it reads back from
    JSON (lists, text keys), so verification agrees with what was written."""
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
    with runtime.db.write() as session:
        record_event(
            session, code, Actor.system(), "note", runtime.clock.now(), pair=(1, 2), by_number={2: "a", 10: "b"}
        )
    with runtime.db.read() as session:
        stored = session.scalars(select(Event).where(Event.kind == "note")).one()
        assert stored.data == {"pair": [1, 2], "by_number": {"2": "a", "10": "b"}}
        assert session.scalars(select(Dossier.last_event_hash)).one() == stored.hash
    assert verify_database(runtime.db).intact
