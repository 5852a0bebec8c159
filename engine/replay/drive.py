"""Driving the plan through the real engine: worker processes, each with one runtime (one connection
pool, one workflow cache) on the same database, each taking every K-th dossier and doing its steps
at their planned times on its own manual clock.

A worker does one dossier from submission to its last planned step before the next: its workflow
stays in the process's cache between steps, which is what keeps a half-year within the hour. So a
worker's clock goes back when it moves on to the next dossier; nothing in a dossier's advances reads
another dossier's time, and a dossier's timers are fired for that dossier only (never the global
due-timer sweep, which would fire another worker's dossiers early).
"""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from queue import Empty

from sqlalchemy import select

from engine.clock import ManualClock
from engine.config import Settings
from engine.data.models import User
from engine.people.officers import Actor, add_user, grant
from engine.replay.plan import Plan, Replay
from engine.runtime import Runtime

PROGRESS_EVERY = 25  # dossiers between a worker's progress reports


@dataclass
class Failure:
    procedure: str
    outcome: str
    dossier: str | None
    step: int  # the index of the step that failed (-1: the submission)
    error: str


@dataclass
class DriveResult:
    dossiers: int = 0
    steps: int = 0
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0


def add_officers(runtime: Runtime, replay: Replay) -> None:
    """The replay's officers, each with their role in the office unit (kept if already there)."""
    with runtime.db.write() as session:
        existing = set(session.scalars(select(User.username).where(User.username.like("replay.%"))))
        for role, names in replay.officers().items():
            for name in names:
                if name not in existing:
                    user = add_user(session, name, f"Cán bộ {role} {name.rsplit('.', 1)[-1]}")
                    grant(session, user, role, runtime.settings.office_code)


def drive(
    settings: Settings,
    replay: Replay,
    workers: int,
    progress: Callable[[int], None] = lambda done: None,
) -> DriveResult:
    """Do every planned dossier with `workers` processes (in this process when 1); `progress` hears
    how many more dossiers are done as they are."""
    began = time.perf_counter()
    shares = [replay.plans[n::workers] for n in range(workers)]
    if workers == 1:
        result = _run_share(settings, shares[0], progress)
    else:
        context = multiprocessing.get_context("spawn")  # a clean interpreter: no inherited connections
        queue = context.Queue()
        processes = [context.Process(target=_worker, args=(settings, share, queue)) for share in shares]
        for process in processes:
            process.start()
        result, finished = DriveResult(), 0
        while finished < workers:
            try:
                kind, value = queue.get(timeout=5)
            except Empty:
                if any(p.exitcode not in (None, 0) for p in processes):
                    raise RuntimeError("a replay worker stopped without its results") from None
                continue
            if kind == "done":
                progress(value)
            else:
                finished += 1
                result.dossiers += value.dossiers
                result.steps += value.steps
                result.failures += value.failures
        for process in processes:
            process.join()
    result.seconds = time.perf_counter() - began
    return result


def _worker(settings: Settings, plans: list[Plan], queue) -> None:
    queue.put(("result", _run_share(settings, plans, lambda done: queue.put(("done", done)))))


def _run_share(settings: Settings, plans: list[Plan], report: Callable[[int], None]) -> DriveResult:
    if not plans:
        return DriveResult()
    clock = ManualClock(plans[0].arrival)
    runtime = Runtime.create(settings, clock)
    result = DriveResult()
    try:
        with runtime.db.read() as session:
            officers = {
                user.username: Actor.of(user)
                for user in session.scalars(select(User).where(User.username.like("replay.%")))
            }
        unreported = 0
        for plan in plans:
            _one(runtime, clock, plan, officers, result)
            result.dossiers += 1
            unreported += 1
            if unreported == PROGRESS_EVERY:
                report(unreported)
                unreported = 0
        if unreported:
            report(unreported)
    finally:
        runtime.close()
    return result


def _one(runtime: Runtime, clock: ManualClock, plan: Plan, officers: dict[str, Actor], result: DriveResult) -> None:
    dossiers = runtime.dossiers
    clock.set(plan.arrival)
    try:
        code = dossiers.start(plan.procedure, plan.start, Actor.applicant(_applicant(plan)), channel=plan.channel)
    except Exception as err:
        result.failures.append(Failure(plan.procedure, plan.outcome, None, -1, f"{type(err).__name__}: {err}"))
        return
    for index, step in enumerate(plan.steps):
        clock.set(step.at)
        try:
            if step.kind == "task":
                task = next((t for t in dossiers.open_tasks(code) if t.element_id == step.target), None)
                if task is None:
                    raise LookupError(f"no open task {step.target}")
                dossiers.complete_task(task.id, officers[step.officer], step.data)
            elif step.kind == "message":
                dossiers.deliver_message(code, step.target, step.data, Actor.system())
            else:
                dossiers.fire_timers_of(code)
        except Exception as err:
            result.failures.append(
                Failure(plan.procedure, plan.outcome, code, index, f"{step.target}: {type(err).__name__}: {err}")
            )
            return
        result.steps += 1


def _applicant(plan: Plan) -> str:
    start = plan.start
    return str(start.get("full_name") or start.get("organisation_name") or start.get("facility_name") or "applicant")
