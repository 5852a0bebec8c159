"""Many people and processes acting on the same dossier at the same moment: one wins, the others
are told plainly what happened, and nothing is corrupted or lost."""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import text

from engine.clock import ManualClock
from engine.config import Settings
from engine.dossiers.documents import check_upload
from engine.errors import NotWaitingForMessage, TaskNotOpen
from engine.people.officers import Actor
from engine.runtime import Runtime
from engine.statuses import DossierStatus
from tests.conftest import START
from tests.helpers import P02_APPLICATION, assert_state_roundtrips, do_task, open_task

THREADS = 20
REPEATS = 20


def race(actions) -> list:
    """Run the callables at the same instant; return each one's result or exception."""
    barrier = threading.Barrier(len(actions))

    def run(action):
        barrier.wait()
        try:
            return action()
        except Exception as err:  # the outcome is what we check
            return err

    with ThreadPoolExecutor(len(actions)) as pool:
        return list(pool.map(run, actions))


def test_twenty_officers_completing_the_same_task_one_wins(runtime, office):
    desk_officers = [office.desk, office.desk2]
    for _ in range(REPEATS):
        code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
        task = open_task(runtime, code, "reception_check")

        outcomes = race(
            [
                (
                    lambda actor=desk_officers[i % 2], task_id=task.id: runtime.dossiers.complete_task(
                        task_id, actor, {"decision": "accept"}
                    )
                )
                for i in range(THREADS)
            ]
        )

        winners = [o for o in outcomes if not isinstance(o, Exception)]
        losers = [o for o in outcomes if isinstance(o, Exception)]
        assert len(winners) == 1
        assert all(isinstance(o, TaskNotOpen) for o in losers), losers
        completions = [e for e in runtime.dossiers.history(code) if e.kind == "task_completed"]
        assert len(completions) == 1
        winner_name = completions[0].actor
        assert all(f"already completed by {winner_name}" in str(o) for o in losers)
        assert [t.element_id for t in runtime.dossiers.open_tasks(code)] == ["collect_review"]
        assert_state_roundtrips(runtime, code)


def test_codes_stay_unique_when_many_submit_at_once(runtime):
    outcomes = race(
        [(lambda: runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))) for _ in range(THREADS)]
    )
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert sorted(outcomes) == [f"BHXH.QNI-260302-{n:04d}" for n in range(1, THREADS + 1)]


def test_timer_firing_while_the_supplement_is_recorded(runtime, office, clock):
    """Two schedulers and the desk act at once on a dossier whose supplement deadline has passed:
    the timer fires exactly once, the late supplement is refused plainly, nothing is half-done."""
    for _ in range(10):
        code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
        do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="TK1-TS")
        clock.advance(timedelta(days=31))

        outcomes = race(
            [
                runtime.dossiers.fire_due_timers,
                runtime.dossiers.fire_due_timers,
                lambda code=code: runtime.dossiers.deliver_message(code, "supplement_received", {}, office.desk),
            ]
        )

        assert sorted(o for o in outcomes[:2]) == [0, 1]
        assert isinstance(outcomes[2], NotWaitingForMessage)
        assert runtime.dossiers.get(code).status == DossierStatus.STOPPED
        kinds = [e.kind for e in runtime.dossiers.history(code)]
        assert kinds.count("timer_fired") == 1 and "message_received" not in kinds
        assert_state_roundtrips(runtime, code)


# --- two processes (PostgreSQL) ------------------------------------------------------------------


def _complete_in_process(url: str, task_ids: list[int], user_ids: list[int], barrier, results) -> None:
    """Child process: for each task, wait for the other process, then race THREADS // 2 threads."""
    runtime = Runtime.create(Settings(database_url=url), ManualClock(START))
    try:
        for task_id in task_ids:
            barrier.wait()
            outcomes = race(
                [
                    (
                        lambda uid=user_ids[i % 2], task_id=task_id: runtime.dossiers.complete_task(
                            task_id, Actor("officer", uid), {"decision": "accept"}
                        )
                    )
                    for i in range(THREADS // 2)
                ]
            )
            results.put(
                [(task_id, "ok" if not isinstance(o, Exception) else (type(o).__name__, str(o))) for o in outcomes]
            )
    finally:
        runtime.close()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_two_processes_completing_the_same_task_one_wins(runtime, office, database_url):
    codes = [runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An")) for _ in range(REPEATS)]
    task_ids = [open_task(runtime, code, "reception_check").id for code in codes]
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    users = [office.desk.user_id, office.desk2.user_id]
    workers = [
        context.Process(target=_complete_in_process, args=(database_url, task_ids, users, barrier, results))
        for _ in range(2)
    ]
    for w in workers:
        w.start()
    outcomes = [item for _ in range(2 * REPEATS) for item in results.get(timeout=120)]
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0

    for code, task_id in zip(codes, task_ids, strict=True):
        mine = [o for t, o in outcomes if t == task_id]
        assert len(mine) == THREADS
        assert mine.count("ok") == 1
        assert all(o[0] == "TaskNotOpen" and "already completed by" in o[1] for o in mine if o != "ok")
        assert [e.kind for e in runtime.dossiers.history(code)].count("task_completed") == 1
        assert_state_roundtrips(runtime, code)


def _start_in_process(url: str, count: int, barrier, results) -> None:
    runtime = Runtime.create(Settings(database_url=url), ManualClock(START))
    try:
        barrier.wait()
        results.put(
            race(
                [(lambda: runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))) for _ in range(count)]
            )
        )
    finally:
        runtime.close()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_codes_stay_unique_when_two_processes_submit_at_once(runtime, database_url):
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(2), context.Queue()
    workers = [context.Process(target=_start_in_process, args=(database_url, 10, barrier, results)) for _ in range(2)]
    for w in workers:
        w.start()
    codes = results.get(timeout=120) + results.get(timeout=120)
    for w in workers:
        w.join(timeout=60)
        assert w.exitcode == 0
    assert sorted(codes) == [f"BHXH.QNI-260302-{n:04d}" for n in range(1, 21)]


# --- the day's code counter and large documents (PostgreSQL) -------------------------------------

_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_HOLD = 4242  # the advisory lock the slow writer's papers wait for


@pytest.fixture
def large_papers_are_held(runtime):
    """Writing a paper named large.pdf waits for an advisory lock this fixture holds (a trigger on
    the documents table): a real, arbitrarily slow write of a large file, released by `release()`."""
    engine = runtime.db.engine
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE FUNCTION hold_large_papers() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"IF NEW.filename = 'large.pdf' THEN PERFORM pg_advisory_xact_lock({_HOLD}); END IF; "
                "RETURN NEW; END $$"
            )
        )
        conn.execute(
            text(
                "CREATE TRIGGER hold_large_papers BEFORE INSERT ON documents "
                "FOR EACH ROW EXECUTE FUNCTION hold_large_papers()"
            )
        )
    holder = engine.connect()
    holder.execute(text(f"SELECT pg_advisory_lock({_HOLD})"))
    holder.commit()
    released = []

    def release():
        if not released:
            holder.execute(text(f"SELECT pg_advisory_unlock({_HOLD})"))
            holder.commit()
            released.append(True)

    try:
        yield release
    finally:
        release()
        holder.close()
        with engine.begin() as conn:
            conn.execute(text("DROP TRIGGER hold_large_papers ON documents"))
            conn.execute(text("DROP FUNCTION hold_large_papers()"))


def _waiting_for_the_hold(runtime) -> bool:
    with runtime.db.engine.connect() as conn:
        return bool(
            conn.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = :hold AND NOT granted"),
                {"hold": _HOLD},
            ).scalar()
        )


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_a_submission_storing_large_papers_does_not_hold_up_the_next_one(runtime, large_papers_are_held):
    """The first applicant's papers take long to store; the second applicant, who submits meanwhile,
    gets a code and is done before the first one is: the day's counter is locked only while it is
    bumped, not while papers are written. The codes stay distinct and consecutive."""

    def submit(filename):
        paper = check_upload("tk1_ts", filename, _PDF)
        return runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"), documents=[paper])

    with ThreadPoolExecutor(2) as pool:
        slow = pool.submit(submit, "large.pdf")
        for _ in range(600):  # until the first submission is storing its papers (or has failed)
            if slow.done() or _waiting_for_the_hold(runtime):
                break
            threading.Event().wait(0.05)
        assert not slow.done(), slow.result()
        fast = pool.submit(submit, "small.pdf")
        try:
            # the deadline only ends a test that would otherwise wait for ever on the counter
            second_code = fast.result(timeout=60)
        finally:
            still_storing = not slow.done()
            large_papers_are_held()
        first_code = slow.result(timeout=60)

    assert still_storing  # the second submission was through while the first still stored its papers
    assert second_code == "BHXH.QNI-260302-0001"
    assert first_code == "BHXH.QNI-260302-0002"
    for code, filename in ((first_code, "large.pdf"), (second_code, "small.pdf")):
        submitted = next(e for e in runtime.dossiers.history(code) if e.kind == "submitted")
        assert [d["filename"] for d in submitted.data["documents"]] == [filename]
        assert runtime.dossiers.workflow_data(code)["dossier_code"] == code


def test_codes_stay_consecutive_when_many_submit_papers_at_once(runtime):
    """With papers, whose rows are written before the code is taken, codes still come out unique and
    without gaps, and no submission waits for ever on another."""
    outcomes = race(
        [
            (
                lambda n=n: runtime.dossiers.start(
                    "P02", P02_APPLICATION, Actor.applicant("An"), documents=[check_upload("tk1_ts", f"{n}.pdf", _PDF)]
                )
            )
            for n in range(THREADS)
        ]
    )
    assert not [o for o in outcomes if isinstance(o, Exception)]
    assert sorted(outcomes) == [f"BHXH.QNI-260302-{n:04d}" for n in range(1, THREADS + 1)]
