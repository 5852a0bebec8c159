"""Test-run a procedure along the paths its metadata declares, through the real engine, on a
scratch database: what a process designer does before deploying a diagram."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition
from SpiffWorkflow.util.task import TaskState

from engine.clock import ManualClock
from engine.config import Settings
from engine.data.scratch import scratch_database
from engine.errors import EngineError
from engine.people.officers import Actor, add_user, grant
from engine.runtime import Runtime
from engine.statuses import DossierStatus
from engine.workflow.bpmn_specs import event_definitions
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
    # the element ids the dossier went through, in order (for colouring the path on the diagram)
    visited: list[str] = field(default_factory=list)

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
                    names = {ts.bpmn_id: ts.bpmn_name for _s, ts in catalogue.procedures[code].parsed.iter_task_specs()}
                    _run_path(runtime, clock, code, path, officers, result, echo, names)
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


def _run_path(runtime, clock, code, path: SimulationPath, officers, result: PathResult, echo, names=None) -> None:
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
            label = apply_step(runtime, clock, dossier, step, officers, number, names or {})
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
    except Exception as err:  # a broken diagram (a script failing on its element): report it, go on
        result.error = f"{type(err).__name__}: {err}"
    except BaseException as err:
        # a script stopped for running too long or too big is stopped by a BaseException (so that
        # the script itself cannot catch it); should one get this far, it fails the path all the same
        if isinstance(err, KeyboardInterrupt | SystemExit | GeneratorExit):
            raise
        result.error = f"{type(err).__name__}: {getattr(err, 'reason', '') or err}"
    if result.dossier is not None:
        try:
            result.visited = visited(runtime, result.dossier)
        except Exception as err:  # (the dossier's state is what failed: the error already says why)
            say(f"  (the path taken is unknown: {type(err).__name__}: {err})")
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


def visited(runtime: Runtime, dossier: str) -> list[str]:
    """The element ids of the steps the dossier has completed (its own and those of the processes
    it called), in the order it completed them."""
    _state, wf = runtime.dossiers.load_workflow(dossier)
    # (a BpmnWorkflow's tasks include those of the processes it called)
    done = [t for t in wf.get_tasks(state=TaskState.COMPLETED) if t.task_spec.bpmn_id is not None]
    done.sort(key=lambda t: t.last_state_change)
    return [t.task_spec.bpmn_id for t in done]


def waited_messages(runtime: Runtime, dossier: str) -> list[str]:
    """The names of the messages the dossier waits for now."""
    _state, wf = runtime.dossiers.load_workflow(dossier)
    return sorted(
        {
            d.name
            for t in wf.get_tasks(state=TaskState.WAITING)
            for d in event_definitions(t.task_spec)
            if isinstance(d, MessageEventDefinition)
        }
    )


def _named(element: str, name: str | None) -> str:
    return f"{element} ({name})" if name and name != element else element


def apply_step(
    runtime: Runtime,
    clock: ManualClock | None,
    dossier: str,
    step: PathStep,
    officers: dict[str, Actor],
    number: int = 0,
    names: dict[str, str | None] | None = None,
) -> str:
    """Do one declared step to a dossier as the officer of the task's role; returns a log label.
    `names` (element id -> name) lets a failing step name the task it expected."""
    dossiers = runtime.dossiers
    if step.kind == "task":
        now_open = dossiers.open_tasks(dossier)
        open_tasks = [t for t in now_open if t.element_id == step.target]
        if not open_tasks:
            listing = ", ".join(f"{_named(t.element_id, t.title)} [{t.role}]" for t in now_open) or "none"
            raise _Stop(
                f"step {number}: the path expects the task {_named(step.target, (names or {}).get(step.target))}, "
                f"but no such task is open; open tasks: {listing}"
            )
        task = open_tasks[0]
        actor = officers[task.role]
        dossiers.claim(task.id, actor)
        dossiers.complete_task(task.id, actor, step.data)
        return f"task    {step.target} by {actor.name} {step.data}"
    if step.kind == "message":
        waiting = waited_messages(runtime, dossier)
        if step.target not in waiting:
            listing = ", ".join(f"'{m}'" for m in waiting) or "none"
            open_now = ", ".join(_named(t.element_id, t.title) for t in dossiers.open_tasks(dossier)) or "none"
            raise _Stop(
                f"step {number}: the path sends the message '{step.target}', but the dossier does not wait for "
                f"it; it waits for the messages: {listing}; open tasks: {open_now}"
            )
        dossiers.deliver_message(dossier, step.target, step.data, Actor.system())
        return f"message {step.target}"
    if clock is None:
        raise _Stop(f"step {number}: waiting needs a clock that can be moved")
    parsed = TimerEventDefinition.parse_iso_duration(step.target)
    clock.advance(TimerEventDefinition.get_timedelta_from_start(parsed, clock.now()))
    fired = dossiers.fire_due_timers()
    return f"wait    {step.target} ({fired} timer(s) fired)"
