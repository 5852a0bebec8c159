"""Engine throughput: full P02 lifecycles per second, bare SpiffWorkflow against the persisted engine.

    .venv/bin/python bench/engine_throughput.py [--seconds N] [--postgres-url URL] [--profile]

Every measurement runs in this one process on one thread, one after the other, on the same parsed
P02 spec and the `happy` path of its metadata (submit, then find and complete every user task;
the "claim first" rows claim each task in a transaction of its own before completing it):

- bare SpiffWorkflow in memory, with the engine's RestrictedScriptEngine (the baseline all ratios
  refer to), and with SpiffWorkflow's plain PythonScriptEngine, to show what the restriction layer
  costs;
- the engine on a scratch SQLite file and on a scratch PostgreSQL database, each with its
  in-process workflow cache (the normal single-process case) and without it (every advance loads
  the state from the database: what a process sees for a dossier another process advanced last);
- on PostgreSQL, two OS processes running lifecycles on the same database at once, each on one
  thread with its own runtime (the "2 processes" row: their summed rate).

It also reports the stored size of a finished dossier (its `dossiers.state` and its rows in
human_tasks, events, outbox and timers) against what SpiffWorkflow's own serializer would store for
the same finished workflow, spec included. With --profile, the PostgreSQL engine run (SQLite when
there is no PostgreSQL) is repeated under cProfile: time by layer (SQLAlchemy, driver, SpiffWorkflow,
...), the engine's own functions and the top functions overall.

Numbers depend on the machine; compare runs on the same machine only.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import multiprocessing
import os
import pstats
import re
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from copy import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import DurationTimerEventDefinition, TimeDateEventDefinition
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import create_engine, event, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # runs without the editable install too

import summary  # bench/summary.py, beside this script

import engine as engine_package
from engine import forms
from engine.clock import ManualClock
from engine.config import Settings
from engine.data.models import Dossier, Event, HumanTask, OutboxMessage, Timer, User
from engine.data.scratch import scratch_database
from engine.dossiers.service import DossierService
from engine.people.officers import Actor, add_user, grant
from engine.runtime import Runtime
from engine.workflow.bpmn_specs import ClockDurationTimer, ClockTimeDateTimer, ParsedProcess
from engine.workflow.catalogue import Catalogue, load_catalogue
from engine.workflow.rules import RULES
from engine.workflow.scripting import RestrictedScriptEngine

PROCEDURE = "P02"
PATH = "happy"
DEFAULT_POSTGRES_URL = os.environ.get("MOTCUA_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
# Monday 2 March 2026, 09:00 in Vietnam. The clock stands still: the happy path has no waits.
START = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
# Rows of these tables belong to a dossier (dossier_id) and are written by its advances.
PROJECTION_TABLES = (HumanTask, Event, OutboxMessage, Timer)
SIZE_SAMPLE = 20  # finished dossiers measured for the size columns


# --- the scenario ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """The P02 happy path: raw form data for the engine, cleaned (typed) data for bare SpiffWorkflow.

    Bare runs get exactly the values the engine would put into the workflow after checking the
    forms (dates as `date`, amounts as numbers), so both carry the same task data.
    """

    parsed: ParsedProcess
    start_raw: dict[str, Any]
    start_clean: dict[str, Any]
    steps: list[tuple[str, dict[str, Any], dict[str, Any]]]  # (user task id, raw data, clean data)
    expect_status: int


def load_scenario(catalogue: Catalogue) -> Scenario:
    loaded = catalogue.procedures[PROCEDURE]
    meta = loaded.meta
    path = meta.paths[PATH]
    steps = []
    for step in path.steps:
        if step.kind != "task":  # a message or a wait would need the engine's delivery/timer code
            raise SystemExit(f"{PROCEDURE} path '{PATH}' has a {step.kind} step; this benchmark runs user tasks only")
        steps.append((step.target, dict(step.data), forms.validate(meta.tasks.get(step.target, ()), step.data)))
    start_clean = forms.validate(meta.application, path.start)
    # the engine adds these to the start data of every dossier
    start_clean.update(dossier_code=f"{PROCEDURE}-BENCH", procedure_code=PROCEDURE, submitted_on=START.date())
    return Scenario(loaded.parsed, dict(path.start), start_clean, steps, path.expect_status)


# --- measuring ---------------------------------------------------------------------------------


ROUNDS = 7  # every subject runs once per round, one after the other: drift hits them all alike


@dataclass
class Measurement:
    name: str
    slices: list[tuple[int, float]] = field(default_factory=list)  # (lifecycles, seconds), one per round
    state_bytes: int | None = None  # stored workflow state of one finished dossier
    rows_bytes: int | None = None  # the dossier's projection rows (engine only)
    statements: float | None = None  # SQL statements per lifecycle (engine only)
    transactions: float | None = None  # transactions per lifecycle (engine only)

    @property
    def lifecycles(self) -> int:
        return sum(count for count, _ in self.slices)

    @property
    def rates(self) -> list[float]:
        return [count / elapsed for count, elapsed in self.slices]

    @property
    def rate(self) -> float:
        # The median slice: other work on the machine slows some slices, and one burst of it
        # should not move the figure (the spread column shows how steady the slices were).
        return statistics.median(self.rates)

    @property
    def spread(self) -> float:
        """Half the range of the slice rates, relative to the median."""
        rates = self.rates
        return (max(rates) - min(rates)) / 2 / self.rate

    def ratio_to(self, baseline: Measurement) -> float:
        """The median over rounds of this rate over the baseline's rate in the same round."""
        return statistics.median(mine / theirs for mine, theirs in zip(self.rates, baseline.rates, strict=True))


@dataclass
class Subject:
    """Something to measure: its lifecycle, and what to do before each of its slices."""

    measurement: Measurement
    lifecycle: Callable[[], Any]
    before: Callable[[], None] = lambda: None
    after: Callable[[Measurement, int], None] = lambda measurement, count: None
    # how one slice of so many seconds runs, when not by calling `lifecycle` here (other processes)
    run_slice: Callable[[float], tuple[int, float]] | None = None


def _run_slice(seconds: float, lifecycle: Callable[[], Any]) -> tuple[int, float]:
    count, began = 0, time.perf_counter()
    deadline = began + seconds
    while True:
        lifecycle()
        count += 1
        now = time.perf_counter()
        if now >= deadline:
            return count, now - began


# --- bare SpiffWorkflow ------------------------------------------------------------------------


# what the engine offers scripts: its calculations, and set_status/send (which do nothing here)
BARE_FUNCTIONS = {**RULES, "date": date, "set_status": lambda code: None, "send": lambda kind, **payload: None}


def restricted_engine() -> RestrictedScriptEngine:
    return RestrictedScriptEngine(functions=BARE_FUNCTIONS)


def plain_engine() -> PythonScriptEngine:
    return PythonScriptEngine(environment=TaskDataEnvironment(dict(BARE_FUNCTIONS)))


def bare_lifecycle(scenario: Scenario, make_engine: Callable[[], PythonScriptEngine]) -> BpmnWorkflow:
    """One dossier's life in memory: what the engine does minus forms, database and projection."""
    wf = BpmnWorkflow(scenario.parsed.spec, scenario.parsed.subprocess_specs, script_engine=make_engine())
    wf.get_next_task(state=TaskState.READY).set_data(**scenario.start_clean)
    wf.do_engine_steps()
    for element_id, _raw, data in scenario.steps:
        task = next(t for t in wf.get_tasks(state=TaskState.READY, manual=True) if t.task_spec.bpmn_id == element_id)
        task.set_data(**data)
        task.run()
        wf.do_engine_steps()
    return wf


def bare_subject(name: str, scenario: Scenario, make_engine) -> Subject:
    wf = bare_lifecycle(scenario, make_engine)
    if not wf.is_completed():
        raise SystemExit(f"bare SpiffWorkflow did not finish {PROCEDURE} on path '{PATH}'")
    measurement = Measurement(name, state_bytes=len(plain_serializer().serialize_json(wf).encode("utf-8")))
    return Subject(measurement, lambda: bare_lifecycle(scenario, make_engine))


def plain_serializer() -> BpmnWorkflowSerializer:
    """SpiffWorkflow's own serializer, which writes the spec into every instance.

    It needs the same extras as engine/workflow/state.py: converters for the engine's clock-driven timer
    definitions (here also inside the spec) and for the dates and decimals the forms put into data.
    """
    config = copy(SPIFF_CONFIG)
    config[ClockDurationTimer] = SPIFF_CONFIG[DurationTimerEventDefinition]
    config[ClockTimeDateTimer] = SPIFF_CONFIG[TimeDateEventDefinition]
    registry = BpmnWorkflowSerializer.configure(config)
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda d: date.fromisoformat(d["value"]))
    registry.register(datetime, lambda v: {"value": v.isoformat()}, lambda d: datetime.fromisoformat(d["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]))
    return BpmnWorkflowSerializer(registry)


# --- the persisted engine ----------------------------------------------------------------------


class EngineBench:
    """A runtime on a scratch database with P02 deployed and one officer per role."""

    def __init__(self, runtime: Runtime, scenario: Scenario, catalogue: Catalogue, officers_exist: bool = False):
        self.rt = runtime
        self.scenario = scenario
        self.applicant = Actor.applicant(str(scenario.start_raw.get("full_name", "applicant")))
        self.officers: dict[str, Actor] = {}
        with runtime.db.write() as session:
            for role in catalogue.roles:
                username = f"bench.{role}"
                if officers_exist:  # another process's bench on the same database made them
                    user = session.scalars(select(User).where(User.username == username)).one()
                else:
                    user = add_user(session, username, f"Cán bộ đo hiệu năng ({role})")
                    grant(session, user, role, runtime.settings.office_code)
                self.officers[role] = Actor.of(user)
        self.statements = 0
        self.transactions = 0
        event.listen(runtime.db.engine, "before_cursor_execute", self._count_statement)
        event.listen(runtime.db.engine, "begin", self._count_transaction)

    def _count_statement(self, _conn, _cursor, statement: str, *_args) -> None:
        # SQLite's explicit BEGINs (engine/data/db.py) are left out: PostgreSQL's travel with the first query
        if not statement.startswith("BEGIN"):
            self.statements += 1

    def _count_transaction(self, *_args) -> None:
        self.transactions += 1

    def use_workflow_cache(self, enabled: bool) -> None:
        # A fresh service: cache_size=0 makes every advance load and parse the stored state.
        rt = self.rt
        rt.dossiers = DossierService(
            rt.db, rt.clock, rt.settings, rt.versions, **({} if enabled else {"cache_size": 0})
        )

    claim_first = False

    def lifecycle(self) -> str:
        """Submit, then for each task of the path an officer finds it among the dossier's open tasks
        and completes it (which claims it on the way), or, with claim_first, claims it in a
        transaction of its own first, as an officer who takes a task now and finishes it later."""
        dossiers = self.rt.dossiers
        code = dossiers.start(PROCEDURE, self.scenario.start_raw, self.applicant)
        for element_id, raw, _clean in self.scenario.steps:
            task = next(t for t in dossiers.open_tasks(code) if t.element_id == element_id)
            actor = self.officers[task.role]
            if self.claim_first:
                dossiers.claim(task.id, actor)
            dossiers.complete_task(task.id, actor, raw)
        return code

    def check(self, code: str) -> None:
        dossier = self.rt.dossiers.get(code)
        if dossier.finished_at is None or dossier.status != self.scenario.expect_status:
            raise SystemExit(
                f"{code} ended in status {dossier.status} (finished: {dossier.finished_at}), "
                f"expected a finished dossier in status {self.scenario.expect_status}"
            )

    def subject(self, name: str, cached: bool, claim_first: bool) -> Subject:
        """One way of running lifecycles on this database, measured in slices between others."""
        self.check(self.lifecycle())  # outside the timing: the path really finishes
        measurement = Measurement(name)
        counts = {}

        def before():
            self.use_workflow_cache(cached)
            self.claim_first = claim_first
            counts["statements"], counts["transactions"] = self.statements, self.transactions

        def after(m: Measurement, count: int):
            done = sum(n for n, _ in m.slices)  # including this slice
            previous = done - count
            for key in ("statements", "transactions"):
                per_lifecycle = (getattr(self, key) - counts[key]) / count
                average = getattr(m, key) or 0.0
                setattr(m, key, (average * previous + per_lifecycle * count) / done)

        return Subject(measurement, self.lifecycle, before, after)

    def finish(self, measurements: list[Measurement]) -> None:
        """Sizes, and a check that every dossier the run started has finished."""
        sizes = self.stored_sizes()
        for m in measurements:
            m.state_bytes, m.rows_bytes = sizes
        with self.rt.db.read() as session:
            unfinished = session.scalar(select(func.count()).where(Dossier.finished_at.is_(None)))
        if unfinished:
            raise SystemExit(f"{unfinished} dossier(s) did not finish; the figures would be wrong")

    def stored_sizes(self) -> tuple[int, int]:
        """Median bytes per finished dossier: its state, and its projection rows' values as text.

        Row sizes count each non-null value once as UTF-8 text (JSON for JSON columns); that is
        close to what SQLite stores and leaves out per-row and index overhead on both databases.
        """
        with self.rt.db.read() as session:
            finished = session.execute(
                select(Dossier.id, Dossier.state)
                .where(Dossier.finished_at.is_not(None))
                .order_by(Dossier.id.desc())
                .limit(SIZE_SAMPLE)
            ).all()
            ids = [dossier_id for dossier_id, _ in finished]
            rows = dict.fromkeys(ids, 0)
            for model in PROJECTION_TABLES:
                table = model.__table__
                for row in session.execute(select(table).where(table.c.dossier_id.in_(ids))).mappings():
                    rows[row["dossier_id"]] += sum(_text_bytes(v) for v in row.values())
        states = [len(state) for _, state in finished]  # stored bytes (compressed JSON)
        return int(statistics.median(states)), int(statistics.median(rows.values()))


def _text_bytes(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, (dict, list)):
        return len(json.dumps(value, ensure_ascii=False).encode("utf-8"))
    if hasattr(value, "isoformat"):
        value = value.isoformat()
    return len(str(getattr(value, "value", value)).encode("utf-8"))


@contextmanager
def engine_bench(url: str | None, scenario: Scenario, catalogue: Catalogue) -> Iterator[EngineBench]:
    with scratch_database(url) as scratch_url:
        settings = Settings(database_url=scratch_url)
        runtime = Runtime.create(settings, ManualClock(START))
        try:
            runtime.upgrade_database()
            runtime.deploy(catalogue)
            yield EngineBench(runtime, scenario, catalogue)
        finally:
            runtime.close()


ENGINE_VARIANTS = (  # (name suffix, workflow cache, claim first)
    ("", True, False),
    (", claim first", True, True),
    (", no workflow cache", False, False),
)


def engine_subjects(bench: EngineBench, label: str) -> list[Subject]:
    return [
        bench.subject(f"engine, {label}{suffix}", cached, claim_first)
        for suffix, cached, claim_first in ENGINE_VARIANTS
    ]


PROCESSES = 2  # the "N processes" row: that many OS processes on one database at once


def processes_subject(stack: ExitStack, url: str, label: str, warmup: int) -> Subject:
    """PROCESSES worker processes, each with its own runtime (and workflow cache) on the database
    at `url`, running lifecycles on one thread at the same time; a slice's rate is their sum."""
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    commands = [context.Queue() for _ in range(PROCESSES)]
    workers = [context.Process(target=_lifecycles_worker, args=(url, warmup, c, results)) for c in commands]
    for worker in workers:
        worker.start()

    def stop():
        for queue in commands:
            queue.put(None)
        for worker in workers:
            worker.join(timeout=60)

    stack.callback(stop)
    for _ in workers:
        if results.get(timeout=300) != "ready":
            raise SystemExit("a worker process of the processes row did not start")

    def run_slice(seconds: float) -> tuple[int, float]:
        for queue in commands:
            queue.put(seconds)
        slices = [results.get(timeout=seconds + 300) for _ in workers]
        count = sum(n for n, _ in slices)
        rate = sum(n / elapsed for n, elapsed in slices)
        return count, count / rate  # so that count / seconds is the summed rate

    return Subject(Measurement(f"engine, {label}, {PROCESSES} processes"), lambda: None, run_slice=run_slice)


def _lifecycles_worker(url: str, warmup: int, commands, results) -> None:
    """A worker process of the processes row: runs a slice of lifecycles per command, until None."""
    settings = Settings()
    catalogue = load_catalogue(settings.bpmn_dir, settings.workflows_dir)
    scenario = load_scenario(catalogue)
    runtime = Runtime.create(Settings(database_url=url), ManualClock(START))
    try:
        bench = EngineBench(runtime, scenario, catalogue, officers_exist=True)
        for _ in range(warmup):
            bench.lifecycle()
        results.put("ready")
        while (seconds := commands.get()) is not None:
            results.put(_run_slice(seconds, bench.lifecycle))
    finally:
        runtime.close()


def run_rounds(subjects: list[Subject], seconds: float, warmup: int) -> None:
    """Warm each subject up, then give each a slice of `seconds / ROUNDS` in every round."""
    for subject in subjects:
        subject.before()
        for _ in range(warmup):
            subject.lifecycle()
    for number in range(ROUNDS):
        print(f"  round {number + 1} of {ROUNDS}", flush=True)
        for subject in subjects:
            subject.before()
            if subject.run_slice is not None:
                count, elapsed = subject.run_slice(seconds / ROUNDS)
            else:
                count, elapsed = _run_slice(seconds / ROUNDS, subject.lifecycle)
            subject.measurement.slices.append((count, elapsed))
            subject.after(subject.measurement, count)


def postgres_reachable(url: str) -> str | None:
    """None when a server answers at `url`, else why not."""
    try:
        probe = create_engine(make_url(url), connect_args={"connect_timeout": 3})
        try:
            with probe.connect() as conn:
                conn.execute(text("SELECT 1"))
        finally:
            probe.dispose()
        return None
    except (OperationalError, ImportError) as err:
        return str(err).strip().splitlines()[0]


# --- profiling ---------------------------------------------------------------------------------


def profile_engine(label: str, url: str | None, scenario, catalogue, seconds, warmup, sort: str, limit: int) -> None:
    with engine_bench(url, scenario, catalogue) as bench:
        for _ in range(warmup):
            bench.lifecycle()
        profiler = cProfile.Profile()
        profiler.enable()
        count, elapsed = _run_slice(seconds, bench.lifecycle)
        profiler.disable()
    print(
        f"\ncProfile of the engine on {label}, workflow cache on: {count} lifecycles in {elapsed:.1f} s "
        "under the profiler (which slows Python code more than waiting on the database)"
    )

    # Where the time goes by layer. Self times do not overlap, so they add up to the total;
    # the time of builtins (dict.get, sqlite3's execute, ...) is charged to the layer calling them.
    raw = pstats.Stats(profiler)
    by_layer: dict[str, float] = {}
    for (filename, _line, name), (_cc, _nc, tottime, _ct, callers) in raw.stats.items():
        if filename == "~" and "sqlite3." in name:  # SQLite itself runs inside these C calls
            by_layer["sqlite3"] = by_layer.get("sqlite3", 0.0) + tottime
        elif filename == "~" and callers:
            for caller, caller_times in callers.items():
                layer = _layer(caller[0])
                by_layer[layer] = by_layer.get(layer, 0.0) + caller_times[2]
        else:
            by_layer[_layer(filename)] = by_layer.get(_layer(filename), 0.0) + tottime
    total = sum(by_layer.values()) or 1.0
    print("\nself time by layer:")
    for layer, spent in sorted(by_layer.items(), key=lambda item: -item[1]):
        print(f"  {layer:<40} {spent:6.2f} s  {100 * spent / total:5.1f}%")

    # The engine's own functions: which entry point and which step of an advance costs what.
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(re.escape(str(ENGINE_DIR) + os.sep), 20)
    print("\nengine/ functions, top 20 by cumulative time:")
    print(_after_header(out.getvalue()).replace(str(ENGINE_DIR.parent) + os.sep, ""))

    out = io.StringIO()
    pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(sort).print_stats(limit)
    print(f"\nall functions, top {limit} by {sort}:")
    print(_after_header(out.getvalue()))


ENGINE_DIR = Path(engine_package.__file__).resolve().parent
_LAYERS = (  # (text in the file path, layer), first match wins
    (ENGINE_DIR.as_posix() + "/", "engine/"),
    ("/SpiffWorkflow/bpmn/serializer/", "SpiffWorkflow serializer"),
    ("/SpiffWorkflow/spiff/serializer/", "SpiffWorkflow serializer"),
    ("/SpiffWorkflow/", "SpiffWorkflow"),
    ("/sqlalchemy/", "SQLAlchemy"),
    ("/psycopg", "psycopg (incl. waiting for the server)"),
    ("/sqlite3/", "sqlite3"),  # the Python part of the driver; its C calls are counted apart
    ("/RestrictedPython/", "RestrictedPython"),
    ("/json/", "json"),
    ("/uuid.py", "uuid"),
)


def _layer(filename: str) -> str:
    filename = filename.replace("\\", "/")
    for marker, layer in _LAYERS:
        if marker in filename:
            return layer
    return "other (stdlib, this script, ...)"


def _after_header(report: str) -> str:
    """pstats output from its column header on, without the totals and restriction lines above."""
    start = report.find("   ncalls")
    return report[start:].rstrip() if start >= 0 else report.rstrip()


# --- report ------------------------------------------------------------------------------------


def print_table(results: list[Measurement], baseline: Measurement, scenario: Scenario, skipped: list[str]) -> None:
    header = ("name", "lifecycles/s", "spread", "vs bare", "n", "SQL/lifecycle", "tx/lifecycle", "state B", "rows B")
    lines = []
    for r in results:
        lines.append(
            (
                r.name,
                f"{r.rate:,.1f}",
                f"±{100 * r.spread:.0f}%",
                f"{r.ratio_to(baseline):.2f}x",
                str(r.lifecycles),
                "-" if r.statements is None else f"{r.statements:.1f}",
                "-" if r.transactions is None else f"{r.transactions:.1f}",
                "-" if r.state_bytes is None else f"{r.state_bytes:,}",
                "-" if r.rows_bytes is None else f"{r.rows_bytes:,}",
            )
        )
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]

    def fmt(row):
        return "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True)))

    print()
    print(fmt(header))
    print("  ".join("-" * w for w in widths))
    for row in lines:
        print(fmt(row))
    for message in skipped:
        print(f"skipped: {message}")
    print(
        f"\nlifecycle = {PROCEDURE} path '{PATH}': submit, then {len(scenario.steps)} x "
        "(find the open task, [claim,] complete).\n"
        f"lifecycles/s = median over {ROUNDS} rounds, in each of which every row ran for an equal slice of time,\n"
        "               one after the other; spread = half the range of the slices; n = lifecycles counted.\n"
        f"vs bare  = median over the rounds of the row's rate over '{baseline.name}' in the same round.\n"
        "state B  = bytes stored per finished dossier: the engine's dossiers.state (spec left out), or for\n"
        "           bare rows SpiffWorkflow's own serializer output for the same finished workflow, spec included.\n"
        "rows B   = the dossier's human_tasks, events, outbox and timers values as UTF-8 text\n"
        "           (no row or index overhead).\n"
        "SQL, tx  = SQL statements (BEGIN/COMMIT and pool pings not counted) and transactions per lifecycle,\n"
        "           reads included."
    )


# the goals, as ratios to bare SpiffWorkflow in the same round
GOALS = {"engine, PostgreSQL": 0.5, "engine, PostgreSQL, 2 processes": 0.9}


def summary_rows(results: list[Measurement], baseline: Measurement) -> list[summary.Row]:
    """P1 for `make bench`: the rows with a goal, and the SQLite row beside them for context."""
    rows = []
    for r in results:
        goal = GOALS.get(r.name)
        if goal is None and r.name != "engine, SQLite":
            continue
        ratio = r.ratio_to(baseline)
        rows.append(
            summary.Row(
                "P1",
                r.name.replace("engine, ", "P02 lifecycles, "),
                f"{ratio:.2f}x bare ({r.rate:,.1f}/s against {baseline.rate:,.1f}/s)",
                "-" if goal is None else f">= {goal}x",
                None if goal is None else ratio >= goal,
            )
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--seconds", type=float, default=7.0, help=f"wall time per measured row, cut into {ROUNDS} rounds (default 7)"
    )
    parser.add_argument(
        "--warmup", type=int, default=3, help="untimed lifecycles per row before the rounds (default 3)"
    )
    parser.add_argument(
        "--postgres-url",
        default=DEFAULT_POSTGRES_URL,
        help="PostgreSQL server to create a scratch database on; '' to skip "
        f"(default $MOTCUA_TEST_POSTGRES_URL or {DEFAULT_POSTGRES_URL})",
    )
    parser.add_argument(
        "--profile", action="store_true", help="also profile the PostgreSQL (else SQLite) engine run with cProfile"
    )
    parser.add_argument("--profile-sort", default="cumulative", help="pstats sort key (default cumulative)")
    parser.add_argument("--profile-limit", type=int, default=25, help="functions to print (default 25)")
    parser.add_argument("--summary", help="write the P1 figures for bench/report.py to this JSON file")
    args = parser.parse_args(argv)

    settings = Settings()
    catalogue = load_catalogue(settings.bpmn_dir, settings.workflows_dir)
    if PROCEDURE not in catalogue.procedures:
        print(f"{PROCEDURE} did not load: {[str(p) for p in catalogue.problems]}", file=sys.stderr)
        return 1
    scenario = load_scenario(catalogue)
    print(
        f"{PROCEDURE} '{PATH}' path, {args.seconds:g} s per row in {ROUNDS} rounds "
        f"after {args.warmup} warm-up lifecycles; Python {sys.version.split()[0]}"
    )

    skipped: list[str] = []
    postgres_url = args.postgres_url or None
    if postgres_url:
        why = postgres_reachable(postgres_url)
        if why:
            skipped.append(f"PostgreSQL at {make_url(postgres_url).render_as_string()} is unreachable: {why}")
            postgres_url = None
    else:
        skipped.append("PostgreSQL (no --postgres-url)")

    subjects = [
        bare_subject("bare SpiffWorkflow, RestrictedScriptEngine", scenario, restricted_engine),
        bare_subject("bare SpiffWorkflow, PythonScriptEngine", scenario, plain_engine),
    ]
    with ExitStack() as stack:
        benches = [("SQLite", stack.enter_context(engine_bench(None, scenario, catalogue)))]
        if postgres_url:
            benches.append(("PostgreSQL", stack.enter_context(engine_bench(postgres_url, scenario, catalogue))))
        for label, bench in benches:
            subjects += engine_subjects(bench, label)
        if postgres_url:
            scratch = benches[-1][1].rt.settings.database_url
            subjects.append(processes_subject(stack, scratch, "PostgreSQL", args.warmup))
        run_rounds(subjects, args.seconds, args.warmup)
        for label, bench in benches:
            bench.finish([s.measurement for s in subjects if s.measurement.name.startswith(f"engine, {label}")])
    results = [s.measurement for s in subjects]
    baseline = results[0]
    print_table(results, baseline, scenario, skipped)
    summary.write(args.summary, summary_rows(results, baseline))

    if args.profile:
        label, url = ("PostgreSQL", postgres_url) if postgres_url else ("SQLite", None)
        profile_engine(
            label, url, scenario, catalogue, args.seconds, args.warmup, args.profile_sort, args.profile_limit
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
