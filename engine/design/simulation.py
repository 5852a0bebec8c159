"""Test-run a procedure along the paths its metadata declares, through the real engine, on a
scratch database: what a process designer does before deploying a diagram."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.clock import ManualClock
from engine.config import Settings
from engine.data.scratch import scratch_database
from engine.errors import EngineError
from engine.people.officers import Actor, add_user, grant
from engine.runtime import Runtime
from engine.statuses import DossierStatus
from engine.workflow.catalogue import Catalogue
from engine.workflow.metadata import PathStep, Problem, SimulationPath


@dataclass
class PathResult:
    code: str
    path: str
    expected: int
    final: int | None = None
    dossier: str | None = None
    lines: list[str] = field(default_factory=list)
    error: str | None = None
    # what the dossier's data held at the end that the path's expect_data did not
    data_differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.error is None and self.final == self.expected and not self.data_differences

    @property
    def reason(self) -> str:
        """Why the path failed, in one line (empty when it did not)."""
        if self.error:
            return self.error
        reasons = []
        if self.final != self.expected:
            reasons.append(f"ended in status {_status(self.final)}, expected {_status(self.expected)}")
        if self.data_differences:
            reasons.append("the dossier's data at the end: " + "; ".join(self.data_differences))
        return "; ".join(reasons)


def simulate(
    catalogue: Catalogue,
    codes: list[str],
    path_names: list[str] | None = None,
    database_url: str | None = None,
    echo: Callable[[str], None] = lambda line: None,
    settings: Settings | None = None,
) -> list[PathResult]:
    """Run each named path (all declared paths when `path_names` is None) of each procedure."""
    results = []
    with scratch_database(database_url) as url:
        settings = settings or Settings.from_env()
        settings = Settings(**{**settings.__dict__, "database_url": url})
        clock = ManualClock(datetime.now(UTC).replace(microsecond=0))
        runtime = Runtime.create(settings, clock)
        try:
            runtime.upgrade_database()
            runtime.deploy(catalogue)
            officers = _seed_officers(runtime, catalogue)
            for code in codes:
                meta = catalogue.procedures[code].meta
                for name in path_names or list(meta.paths):
                    path = meta.paths[name]
                    result = PathResult(code, name, path.expect_status)
                    _run_path(runtime, clock, code, path, officers, result, echo)
                    results.append(result)
        finally:
            runtime.close()
    return results


def _seed_officers(runtime: Runtime, catalogue: Catalogue) -> dict[str, Actor]:
    officers = {}
    with runtime.db.write() as session:
        for role in catalogue.roles:
            user = add_user(session, f"sim.{role}", f"Cán bộ mô phỏng ({role})")
            grant(session, user, role, runtime.settings.office_code)
            officers[role] = Actor.of(user)
    return officers


def _status(code: int) -> str:
    return f"{code} {DossierStatus(code).label_en}"


def _run_path(runtime, clock, code, path: SimulationPath, officers, result: PathResult, echo) -> None:
    dossiers = runtime.dossiers

    def say(line: str) -> None:
        result.lines.append(line)
        echo(line)

    def situation(dossier_code: str) -> str:
        status = dossiers.get(dossier_code).status
        tasks = ", ".join(f"{t.element_id} ({t.role})" for t in dossiers.open_tasks(dossier_code)) or "none"
        return f"status {_status(status)}; open: {tasks}"

    say(f"{code} {path.name}: {path.description.en}")
    try:
        dossier = dossiers.start(code, path.start, Actor.applicant(str(path.start.get("full_name", "applicant"))))
        result.dossier = dossier
        say(f"  start   {dossier} -> {situation(dossier)}")
        for incident in dossiers.incidents(dossier):  # kept before its first step: the path cannot go on
            raise _Stop(f"the first step failed: {incident.error}")
        for number, step in enumerate(path.steps, 1):
            label = apply_step(runtime, clock, dossier, step, officers, number)
            say(f"  {number:>2}. {label} -> {situation(dossier)}")
        result.final = dossiers.get(dossier).status
        if path.expect_data:
            data = dossiers.workflow_data(dossier)
            result.data_differences = data_differences(path.expect_data, data)
            for key in path.expect_data:
                if key in data:
                    say(f"  data    {key}: {_shown(data[key])}")
    except (EngineError, _Stop) as err:
        result.error = str(err)
    except Exception as err:  # a broken diagram: report it and go on with the other paths
        result.error = f"{type(err).__name__}: {err}"
    if result.ok:
        say(f"  ok: ended in status {_status(result.final)}" + (" with the data expected" if path.expect_data else ""))
    else:
        say(f"  FAILED: {result.reason}")


def data_differences(expected: dict[str, Any], data: dict[str, Any]) -> list[str]:
    """Each expected value the data does not hold, as "name: expected X, got Y". Values compare
    by type too: `true` is not 1, and "5000000" is not 5,000,000; a date is expected as its text
    "YYYY-MM-DD"."""
    differences = []
    for key, want in expected.items():
        if key not in data:
            differences.append(f"{key}: expected {_shown(want)}, not in the data")
            continue
        got = data[key]
        if isinstance(got, date) and isinstance(want, str):
            got = got.isoformat()
        if type(got) is not type(want) or got != want:
            differences.append(f"{key}: expected {_shown(want)}, got {_shown(data[key])}")
    return differences


def _shown(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, date):
        return value.isoformat()
    return repr(value)


class _Stop(Exception):
    pass


def check_paths(catalogue: Catalogue, database_url: str | None = None) -> list[Problem]:
    """Every declared path of every valid procedure, run to its end: the problems of those that
    fail, end in another status than declared or without the data they expect."""
    problems = []
    for result in simulate(catalogue, sorted(catalogue.procedures), database_url=database_url):
        if not result.ok:
            meta_file = catalogue.procedures[result.code].meta_file
            problems.append(Problem(meta_file, f"paths.{result.path}", f"simulation: {result.reason}"))
    return problems


def apply_step(
    runtime: Runtime,
    clock: ManualClock | None,
    dossier: str,
    step: PathStep,
    officers: dict[str, Actor],
    number: int = 0,
) -> str:
    """Do one declared step to a dossier as the officer of the task's role; returns a log label."""
    dossiers = runtime.dossiers
    if step.kind == "task":
        open_tasks = [t for t in dossiers.open_tasks(dossier) if t.element_id == step.target]
        if not open_tasks:
            raise _Stop(f"step {number}: no open task '{step.target}'")
        task = open_tasks[0]
        actor = officers[task.role]
        dossiers.claim(task.id, actor)
        dossiers.complete_task(task.id, actor, step.data)
        return f"task    {step.target} by {actor.name} {step.data}"
    if step.kind == "message":
        dossiers.deliver_message(dossier, step.target, step.data, Actor.system())
        return f"message {step.target}"
    if clock is None:
        raise _Stop(f"step {number}: waiting needs a clock that can be moved")
    parsed = TimerEventDefinition.parse_iso_duration(step.target)
    clock.advance(TimerEventDefinition.get_timedelta_from_start(parsed, clock.now()))
    fired = dossiers.fire_due_timers()
    return f"wait    {step.target} ({fired} timer(s) fired)"
