"""Timers and the late-dossier poll at scale, on PostgreSQL.

    .venv/bin/python bench/timers_scale.py [--pending 100000] [--fired 1000000] [--running 50000]
                                           [--due 600] [--postgres-url URL] [--keep]

Loads a scratch PostgreSQL database (engine.data.scratch) with real P02 dossiers made through the
engine, then bulk-clones their rows with SQL (the dossier row with its stored workflow state, and
its timer row; not their history, tasks or search terms):

- `--pending` dossiers asked for papers at reception, each waiting on its 30-day supplement timer
  (cloned from ten dossiers asked at different hours, so ten due times);
- `--fired` finished dossiers stopped by that timer, each with its timer row, half of them marked
  canceled, due times spread over the year before (the rows a poll must not walk through);
- `--running` dossiers in processing, appointments 3 to 42 days ahead, and one in a hundred more
  already past their appointment and flagged (what the late poll re-reads every time);
- `--due` dossiers asked for papers through the engine, one after the other, on a clock moved so that
  their timers fall due evenly over one minute.

Then VACUUM ANALYZE (as autovacuum would) and it measures, beside the goals:

1. the idle timer poll: `DossierService.fire_due_timers()` with nothing due (p50/p95 of 200), and the
   due query alone, with the query plan; the same query without the partial index, for comparison;
2. the late-dossier poll: `late.candidates` and the whole `flag_late_dossiers()` with nothing to
   flag, and the plan of its query; again without the partial index;
3. firing latency: the runtime's clock is switched to real time, shifted so the `--due` timers fall
   due over the next minute, and a `Scheduler` (engine/background/scheduler.py) runs its loop with its
   normal poll interval in a thread; another connection watches the timer rows and notes when each
   is seen fired (committed). p50/p95/max of seen-fired time minus due time.

Numbers depend on the machine (and on what else runs on it); compare runs on the same machine.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import summary  # bench/summary.py, beside this script
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import Connection, make_url

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # runs without the editable install too

from engine.background.scheduler import POLL_INTERVAL, Scheduler
from engine.config import Settings
from engine.data.models import Dossier, Timer, TimerStatus
from engine.data.scratch import scratch_database
from engine.dossiers.service import due_timers
from engine.people.officers import Actor, add_user, grant
from engine.runtime import Runtime
from engine.sla import late
from engine.sla.office_calendar import current_calendar
from engine.workflow.catalogue import load_catalogue

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # a Monday, 09:00 in Quảng Ngãi
SUPPLEMENT_WAIT = timedelta(days=30)  # P02's supplement_wait ('P30D')
NOW = T0 + SUPPLEMENT_WAIT  # the idle polls' moment: nothing due yet
BATCH = 100_000  # rows per cloning statement
GOALS = {"poll": 5.0, "late": 5.0, "p95": 2.0}


class BenchClock:
    """The runtime's clock: a set moment while the data is built and the idle polls are measured,
    then real time shifted (the scheduler sees time pass as an office's does)."""

    def __init__(self, start: datetime):
        self._fixed: datetime | None = start
        self._offset = timedelta(0)

    def now(self) -> datetime:
        return self._fixed if self._fixed is not None else datetime.now(UTC) + self._offset

    def set(self, moment: datetime) -> None:
        self._fixed = moment

    def run_from(self, moment: datetime) -> None:
        """From now on, time passes as it does, starting at `moment`."""
        self._offset, self._fixed = moment - datetime.now(UTC), None


@contextmanager
def database(base_url: str, keep: bool) -> Iterator[str]:
    if not keep:
        with scratch_database(base_url) as url:
            yield url
        return
    name = f"motcua_timers_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    url = make_url(base_url).set(database=name).render_as_string(hide_password=False)
    print(f"kept database: {url}")
    yield url


# --- loading -----------------------------------------------------------------------------------


class Office:
    def __init__(self, runtime: Runtime, clock: BenchClock):
        self.runtime, self.clock = runtime, clock
        with runtime.db.write() as session:
            user = add_user(session, "bench.officer", "Cán bộ đo hiệu năng")
            for role in ("desk", "collection", "leadership"):
                grant(session, user, role, runtime.settings.office_code)
        self.officer = Actor.of(user)

    def start(self, application: dict) -> str:
        return self.runtime.dossiers.start("P02", application, Actor.applicant("Nguyễn Văn Hùng"))

    def do(self, code: str, element_id: str, **data) -> None:
        dossiers = self.runtime.dossiers
        task = next(t for t in dossiers.open_tasks(code) if t.element_id == element_id)
        dossiers.claim(task.id, self.officer)
        dossiers.complete_task(task.id, self.officer, data)

    def asked_for_papers(self, application: dict, at: datetime) -> str:
        """A dossier the desk asked for papers at `at`: its timer falls due 30 days later."""
        self.clock.set(at)
        code = self.start(application)
        self.do(code, "reception_check", decision="supplement", missing_documents="TK1-TS")
        return code


def dossier_id(conn: Connection, code: str) -> int:
    return conn.execute(select(Dossier.id).where(Dossier.code == code)).scalar_one()


def clone(conn: Connection, template: int, count: int, tag: str, dossier: dict[str, str], after: str) -> None:
    """`count` copies of dossier `template` (its row, state included), in batches; `dossier` replaces
    column values (SQL over `t`, the template, and `g`, the copy's number); `after` is a statement
    run on each batch's new rows (`new`: their columns) with the template's id as :template (and the
    idle polls' moment as :now)."""
    columns = [c.name for c in Dossier.__table__.columns if c.name != "id"]
    values = {"code": f"t.code || '-{tag}' || g", "submission_key": "NULL", **dossier}
    listed = ", ".join(values.get(c, f"t.{c}") for c in columns)
    for low in range(1, count + 1, BATCH):
        conn.execute(
            text(
                f"WITH new AS (INSERT INTO dossiers ({', '.join(columns)}) SELECT {listed} FROM dossiers t, "
                "generate_series(CAST(:low AS integer), CAST(:high AS integer)) g"
                f" WHERE t.id = :template RETURNING *) {after}"
            ),
            {"low": low, "high": min(low + BATCH - 1, count), "template": template, "now": NOW},
        )
        conn.commit()


COPY_TIMER = (
    "INSERT INTO timers (dossier_id, spiff_task_id, element_id, due_at, status, fired_at) "
    "SELECT new.id, tt.spiff_task_id, tt.element_id, {due}, {status}, {fired} FROM new "
    "JOIN timers tt ON tt.dossier_id = :template"
)


def load(runtime: Runtime, clock: BenchClock, pending: int, fired: int, running: int, due: int) -> list[int]:
    """Fill the database; the ids of the `due` timers that fall due during the latency run."""
    catalogue = load_catalogue(Settings().bpmn_dir, Settings().workflows_dir)
    application = dict(catalogue.procedures["P02"].meta.paths["happy"].start)
    office = Office(runtime, clock)
    begin = time.perf_counter()

    # real dossiers, made through the engine
    stopped = office.asked_for_papers(application, T0 - timedelta(days=60))
    clock.set(T0 - timedelta(days=29))
    assert runtime.dossiers.fire_due_timers() == 1  # stopped by its timer: the finished template
    waiting = [office.asked_for_papers(application, T0 + timedelta(days=2, hours=h)) for h in range(10)]
    clock.set(T0)
    in_processing = office.start(application)
    office.do(in_processing, "reception_check", decision="accept")
    latency = [office.asked_for_papers(application, T0 + timedelta(hours=1, seconds=60 * i / due)) for i in range(due)]
    print(f"  {13 + due} dossiers made through the engine in {time.perf_counter() - begin:.0f} s")

    begin = time.perf_counter()
    with runtime.db.engine.connect() as conn:
        # the engine-made dossiers still being processed: appointments after the idle polls' moment
        conn.execute(
            text(
                "UPDATE dossiers SET appointment_at = :later WHERE processed_at IS NULL AND finished_at IS NULL"
                " AND paused_at IS NULL"
            ),
            {"later": NOW + timedelta(days=10)},
        )
        conn.commit()
        template = dossier_id(conn, stopped)
        clone(
            conn,
            template,
            fired,
            "f",
            {},
            COPY_TIMER.format(
                due="tt.due_at - (new.id % 365) * interval '1 day'",
                status="CASE WHEN new.id % 2 = 0 THEN 'fired' ELSE 'canceled' END",
                fired="CASE WHEN new.id % 2 = 0 THEN tt.fired_at - (new.id % 365) * interval '1 day' END",
            ),
        )
        for n, code in enumerate(waiting):
            share = pending // len(waiting) + (1 if n < pending % len(waiting) else 0)
            clone(
                conn,
                dossier_id(conn, code),
                share,
                "p",
                {},
                COPY_TIMER.format(due="tt.due_at", status="tt.status", fired="NULL"),
            )
        template = dossier_id(conn, in_processing)
        clone(
            conn,
            template,
            running,
            "r",
            {"appointment_at": "CAST(:now AS timestamptz) + (3 + g % 40) * interval '1 day'"},
            "SELECT 1",
        )
        clone(
            conn,
            template,
            running // 100,
            "l",
            {"appointment_at": "CAST(:now AS timestamptz) - (1 + g % 10) * interval '1 day'"},
            "INSERT INTO late_dossiers (dossier_id, procedure_code, unit_code, appointment_at, detected_at) "
            "SELECT new.id, new.procedure_code, new.unit_code, new.appointment_at,"
            " new.appointment_at - interval '1 day' FROM new",
        )
        ids = conn.execute(
            select(Timer.id).join(Dossier, Dossier.id == Timer.dossier_id).where(Dossier.code.in_(latency))
        ).scalars()
        latency_ids = list(ids)
    with runtime.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
        counts = conn.execute(
            text(
                "SELECT (SELECT count(*) FROM dossiers), (SELECT count(*) FROM dossiers WHERE finished_at IS NOT NULL),"
                " (SELECT count(*) FROM timers WHERE status = 'pending'), (SELECT count(*) FROM timers)"
            )
        ).one()
    print(
        f"  cloned with SQL and analyzed in {time.perf_counter() - begin:.0f} s: {counts[0]:,} dossiers"
        f" ({counts[1]:,} finished), {counts[2]:,} pending timers of {counts[3]:,}"
    )
    return latency_ids


# --- measuring ---------------------------------------------------------------------------------


def timed(
    works: dict[str, Callable[[], object]], rounds: int = 200, warmup: int = 20
) -> dict[str, tuple[float, float]]:
    """p50 and p95 in ms of each work, run in turns (a burst of other work on the machine hits them
    all alike), after `warmup` unmeasured rounds: connections warm, statements prepared as a
    long-running scheduler's are."""
    times: dict[str, list[float]] = {name: [] for name in works}
    for n in range(warmup + rounds):
        for name, work in works.items():
            begin = time.perf_counter()
            work()
            if n >= warmup:
                times[name].append((time.perf_counter() - begin) * 1000)
    return {name: (statistics.median(t), statistics.quantiles(t, n=20)[18]) for name, t in times.items()}


def plan(conn: Connection, query, runs: int = 20) -> list[str]:
    """EXPLAIN ANALYZE of the compiled query, its parameters inlined the way a custom plan sees them,
    and the server's median execution time over `runs` runs."""
    sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
    lines = list(conn.execute(text(f"EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) {sql}")).scalars())
    return [*lines, f"server-side execution, median of {runs}: {server_ms(conn, query, runs):.3f} ms"]


def server_ms(conn: Connection, query, runs: int = 20) -> float:
    """The median of the server's own execution time (EXPLAIN ANALYZE), which the machine's load
    and the round trip hardly move."""
    sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
    times = []
    for _ in range(runs):
        lines = conn.execute(text(f"EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF) {sql}")).scalars().all()
        times.append(float(next(x for x in lines if x.startswith("Execution Time")).split()[2]))
    return statistics.median(times)


def query_times(conn: Connection, query, rounds: int = 200, warmup: int = 20) -> tuple[float, float]:
    return timed({"query": lambda: conn.execute(query).all()}, rounds, warmup)["query"]


def without_index(runtime: Runtime, index: str, recreate: str | None, query) -> tuple[tuple[float, float], list[str]]:
    """The query's cost and plan with the partial index dropped (and the old index, if any, back),
    inside a transaction rolled back afterwards."""
    with runtime.db.engine.connect() as conn, conn.begin() as transaction:
        if recreate:
            conn.execute(text(recreate))
        conn.execute(text(f"DROP INDEX {index}"))
        figures = query_times(conn, query, rounds=20, warmup=6)  # slow: fewer runs
        lines = plan(conn, query, runs=5)
        transaction.rollback()
    return figures, lines


def show(label: str, figures: tuple[float, float], goal: float | None = None) -> None:
    p50, p95 = figures
    beside = f"   goal < {goal:g} ms: {'met' if p95 < goal else 'MISSED'}" if goal else ""
    print(f"  {label:<58} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms{beside}")


def show_plan(lines: list[str]) -> None:
    for line in lines:
        print(f"      {line}")


def idle_polls(runtime: Runtime, clock: BenchClock) -> dict[str, tuple[float, float]]:
    clock.set(NOW)
    dossiers = runtime.dossiers
    assert dossiers.fire_due_timers() == 0, "something is due at the idle moment"
    due_query = due_timers(NOW, 100)
    with runtime.db.read() as session:
        calendar = current_calendar(session, runtime.settings)
        threshold = calendar.due(calendar.received_day(NOW), 1)
        assert late.candidates(session, calendar, NOW) == [], "a dossier is about to be late at the idle moment"
    late_query = late.candidates_query(threshold)

    def baseline():
        with runtime.db.read() as session:
            session.execute(text("SELECT 1")).all()

    def late_poll():
        with runtime.db.read() as session:
            late.candidates(session, current_calendar(session, runtime.settings), NOW)

    with runtime.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        figures = timed(
            {
                "baseline": baseline,
                "timers": dossiers.fire_due_timers,
                "due": lambda: conn.execute(due_query).all(),
                "late": late_poll,
                "flag": dossiers.flag_late_dossiers,
                "candidates": lambda: conn.execute(late_query).all(),
            }
        )
        due_plan, late_plan = plan(conn, due_query), plan(conn, late_query)
    print("\nidle polls (nothing due, nothing to flag), in turns:")
    show("baseline: a read session running SELECT 1", figures["baseline"])
    show("timer poll: DossierService.fire_due_timers()", figures["timers"], GOALS["poll"])
    show("  the due query alone, on an open connection", figures["due"])
    show_plan(due_plan)
    before, old_plan = without_index(
        runtime, "ix_timers_pending_due", "CREATE INDEX ix_timers_due_at ON timers (due_at)", due_query
    )
    show("  the same, index on due_at only (before migration 0025)", before)
    show_plan(old_plan)
    show("late poll: late.candidates, with the office calendar", figures["late"], GOALS["late"])
    show("late poll: DossierService.flag_late_dossiers()", figures["flag"], GOALS["late"])
    show("  the candidates query alone, on an open connection", figures["candidates"])
    show_plan(late_plan)
    before, old_plan = without_index(runtime, "ix_dossiers_running_appointment", None, late_query)
    show("  the same without the partial index (before migration 0025)", before)
    show_plan(old_plan)
    return figures


def firing_latency(
    runtime: Runtime, clock: BenchClock, timer_ids: list[int], lead: float = 5.0
) -> tuple[float | None, int]:
    """Start the scheduler's loop, let the timers fall due over a minute, note when each is seen
    fired; returns the p95 of the delays (None when none fired) and how many fired."""
    first_due = T0 + timedelta(hours=1) + SUPPLEMENT_WAIT
    watch = select(Timer.id, Timer.due_at).where(Timer.id.in_(timer_ids), Timer.status == TimerStatus.FIRED)
    clock.run_from(first_due - timedelta(seconds=lead))
    scheduler = Scheduler(runtime, outbox=False)
    stop = threading.Event()
    passes: list[int] = []
    loop = threading.Thread(
        target=scheduler.run,
        kwargs={"stop": stop, "report": lambda done: passes.append(done.timers_fired)},
        daemon=True,
    )
    loop.start()
    seen: dict[int, float] = {}
    deadline = time.monotonic() + lead + 60 + 60
    try:
        with runtime.db.engine.connect() as conn:
            while len(seen) < len(timer_ids) and time.monotonic() < deadline:
                rows = conn.execute(watch).all()
                now = clock.now()  # after the query: the rows were committed by then
                for timer_id, due_at in rows:
                    if timer_id not in seen:
                        seen[timer_id] = (now - due_at).total_seconds()
                conn.rollback()
                time.sleep(0.05)
    finally:
        stop.set()
        loop.join()
        scheduler.close()
    late_by = sorted(seen.values())
    print(
        f"\nfiring latency: {len(timer_ids)} timers due over one minute, one scheduler polling every"
        f" {POLL_INTERVAL:g} s ({len(passes)} passes):"
    )
    if len(late_by) < len(timer_ids):
        print(f"  only {len(late_by)} of {len(timer_ids)} fired within two minutes")
    if not late_by:
        return None, 0
    p95 = statistics.quantiles(late_by, n=20)[18] if len(late_by) > 1 else late_by[0]
    verdict = "met" if p95 < GOALS["p95"] and len(late_by) == len(timer_ids) else "MISSED"
    print(
        f"  seen fired after due: p50 {statistics.median(late_by):.2f} s  p95 {p95:.2f} s"
        f"  max {late_by[-1]:.2f} s   goal p95 < {GOALS['p95']:g} s: {verdict}"
    )
    return p95, len(late_by)


def summary_rows(args, polls: dict[str, tuple[float, float]], p95: float | None, fired: int) -> list[summary.Row]:
    """P3 for `make bench`: the idle polls' p95 and the firing delay's, beside their goals."""
    behind = f"{args.pending:,} pending, {args.fired:,} fired timers"
    rows = [
        summary.Row(
            "P3",
            f"idle timer poll, {behind}",
            f"p95 {polls['timers'][1]:.1f} ms",
            f"< {GOALS['poll']:g} ms",
            polls["timers"][1] < GOALS["poll"],
        ),
        summary.Row(
            "P3",
            f"idle late-dossier poll, {args.running:,} in processing",
            f"p95 {polls['flag'][1]:.1f} ms",
            f"< {GOALS['late']:g} ms",
            polls["flag"][1] < GOALS["late"],
        ),
        summary.Row(
            "P3",
            "baseline beside them: a read session running SELECT 1",
            f"p95 {polls['baseline'][1]:.1f} ms",
            "-",
            None,
        ),
    ]
    delay = "none fired" if p95 is None else f"p95 {p95:.2f} s ({fired} of {args.due} fired)"
    rows.append(
        summary.Row(
            "P3",
            f"a due timer fired after its time, {behind}",
            delay,
            f"p95 < {GOALS['p95']:g} s",
            p95 is not None and p95 < GOALS["p95"] and fired == args.due,
        )
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pending", type=int, default=100_000, help="pending timers (waiting dossiers)")
    parser.add_argument("--fired", type=int, default=1_000_000, help="fired or canceled timers (finished dossiers)")
    parser.add_argument("--running", type=int, default=50_000, help="dossiers in processing (for the late poll)")
    parser.add_argument("--due", type=int, default=600, help="timers falling due during the latency run")
    parser.add_argument("--postgres-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    parser.add_argument("--summary", help="write the P3 figures for bench/report.py to this JSON file")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # killed: still drop the scratch database
    with database(args.postgres_url, args.keep) as url:
        clock = BenchClock(T0)
        runtime = Runtime.create(Settings(database_url=url), clock)
        try:
            runtime.upgrade_database()
            runtime.deploy(load_catalogue(Settings().bpmn_dir, Settings().workflows_dir))
            print(f"loading {make_url(url).database}:")
            timer_ids = load(runtime, clock, args.pending, args.fired, args.running, args.due)
            polls = idle_polls(runtime, clock)
            p95, fired = firing_latency(runtime, clock, timer_ids)
            summary.write(args.summary, summary_rows(args, polls, p95, fired))
        finally:
            runtime.close()


if __name__ == "__main__":
    main()
