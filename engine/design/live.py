"""The live view of a deployed version (Camunda Cockpit's model): per element, how many dossiers
wait there now, how many of them are overdue, and how long finished visits took; the dossiers
waiting at one element; and one dossier's own path on its diagram.

What is measured:
- *Waiting*: open human tasks (new or claimed) of the version's running dossiers, by the task's
  element, and pending timers, by the timer's element. Dossiers waiting for a message (a post
  receipt, a bank confirmation) are not counted: the engine records those waits only inside the
  serialized workflow state, which is never queried (DESIGN.md, "State and speed").
- *Overdue*: a waiting dossier whose step limit has passed (the human task's `due_at`, set by the
  SLA clock from the metadata's split of the legal limit) or whose appointment has passed while its
  clock runs (`engine.sla` / `applicants.is_late`: not paused for the applicant, not processed).
- *Time spent*: for human tasks done (not those canceled by a timer or a withdrawal), from the task
  row's `created_at` (the dossier reached the step) to its `finished_at`. Count and mean are
  aggregated in SQL over every finished visit; the p90 is taken in Python, by nearest rank, over
  the latest `P90_SAMPLE` finished visits per element, picked in SQL with a window function
  (`row_number()`, on SQLite and PostgreSQL alike: SQLite has no `percentile_cont`).

Elements of called processes (the shared reception, approval, result return) are reported under
their own ids, each with `shown_on`: the call activity of the main diagram they run inside, where
the page paints them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from SpiffWorkflow.util.task import TaskState
from sqlalchemy import Float, and_, case, cast, func, literal, or_, select, union_all
from sqlalchemy.orm import Session

from engine.data.models import Dossier, HumanTask, Procedure, ProcedureVersion, TaskStatus, Timer, TimerStatus
from engine.design.simulation import visited
from engine.errors import NotFound, not_found
from engine.forms import Message
from engine.runtime import Runtime
from engine.sla.late import OFFICE_TASK_PREFIX
from engine.workflow.version_log import version_row
from engine.workflow.versions import current_versions

P90_SAMPLE = 1000  # latest finished visits per element the p90 is taken over
OPEN = (TaskStatus.NEW, TaskStatus.CLAIMED)


@dataclass(frozen=True)
class ElementFigures:
    element_id: str
    name: str | None
    kind: str  # the BPMN type without its prefix: userTask, intermediateCatchEvent, ...
    shown_on: str  # the main diagram's element it is painted on (itself or its call activity)
    waiting: int
    overdue: int
    visits: int  # finished visits measured
    mean_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class LiveView:
    code: str
    number: int
    live: bool  # the version new dossiers start on
    numbers: list[int]  # every version of the procedure, for the picker
    diagram: str  # the main diagram's BPMN text
    elements: list[ElementFigures]  # those with figures or a human task / timer, by diagram order

    def on_diagram(self) -> dict[str, dict]:
        """Waiting and overdue summed per painted element, with the figures of what runs inside."""
        painted: dict[str, dict] = {}
        for e in self.elements:
            item = painted.setdefault(e.shown_on, {"waiting": 0, "overdue": 0, "inner": []})
            item["waiting"] += e.waiting
            item["overdue"] += e.overdue
            item["inner"].append(e)
        return painted


@dataclass(frozen=True)
class WaitingDossier:
    code: str
    applicant: str
    unit_code: str
    element_id: str
    since: datetime | None  # None: a timer (its row keeps no start)
    due: datetime | None
    overdue: bool


@dataclass(frozen=True)
class WaitingPage:
    element_id: str
    items: list[WaitingDossier]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


@dataclass(frozen=True)
class DossierPath:
    """One dossier on its own version's diagram: what it has done and where it is."""

    code: str
    number: int
    diagram: str
    done: list[str]  # main-diagram element ids completed, in order (call activities once)
    current: list[str]  # main-diagram element ids it waits in now
    steps: list[tuple[str, str | None, str]]  # (element id, name, "done" | "current"), for the list


# --- which version, its diagram and elements -----------------------------------------------------


def _version(session: Session, code: str, number: int | None) -> ProcedureVersion:
    if number is not None:
        return version_row(session, code, number)
    procedure = session.get(Procedure, code)
    if procedure is None or procedure.current_version_id is None:
        raise not_found("procedure", code)
    return session.get(ProcedureVersion, procedure.current_version_id)


def main_diagram(row: ProcedureVersion) -> str:
    """The BPMN text of the version's own diagram (its sources also hold what it calls)."""
    marker = f'id="{row.process_id}"'
    for name, text in sorted(row.sources.items()):
        if name.endswith(".bpmn") and marker in text and "<bpmn:process" in text.split(marker)[0][-200:]:
            return text
    for name, text in sorted(row.sources.items()):
        if name.endswith(".bpmn") and marker in text:
            return text
    raise NotFound(f"Không tìm thấy sơ đồ của {row.code}", f"The diagram of {row.code} is missing")


def element_map(parsed) -> dict[str, tuple[str, str | None, str]]:
    """Every element id of the version -> (main-diagram element it runs in, name, BPMN kind): an
    element of the main process stands for itself, one of a called process for the call activity
    of the main process that (directly or further down) calls it."""
    found: dict[str, tuple[str, str | None, str]] = {}

    def walk(spec, shown_on: str | None, seen: frozenset[str]) -> None:
        for task_spec in spec.task_specs.values():
            bpmn_id = getattr(task_spec, "bpmn_id", None)
            if bpmn_id is None:
                continue
            here = shown_on or bpmn_id
            kind = type(task_spec).__name__
            found.setdefault(bpmn_id, (here, getattr(task_spec, "bpmn_name", None), kind))
            called = getattr(task_spec, "spec", None)
            # (a process that calls itself is refused at validation; `seen` keeps this walk finite anyway)
            if isinstance(called, str) and called in parsed.subprocess_specs and called not in seen:
                walk(parsed.subprocess_specs[called], here, seen | {called})

    walk(parsed.spec, None, frozenset({parsed.spec.name}))
    return found


# --- the figures ---------------------------------------------------------------------------------


def _seconds(session: Session, start, end):
    """`end - start` in seconds, in the database's own arithmetic."""
    if session.get_bind().dialect.name == "postgresql":
        return func.extract("epoch", end - start)
    return (func.julianday(end) - func.julianday(start)) * 86400.0


def _dossier_late(now: datetime):
    """The SQL twin of `applicants.is_late`: past its appointment with its clock running."""
    return and_(
        Dossier.appointment_at.is_not(None),
        Dossier.appointment_at < now,
        Dossier.processed_at.is_(None),
        Dossier.finished_at.is_(None),
        Dossier.paused_at.is_(None),
    )


def _task_overdue(now: datetime):
    return or_(and_(HumanTask.due_at.is_not(None), HumanTask.due_at < now), _dossier_late(now))


def _nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def live_view(runtime: Runtime, code: str, number: int | None = None) -> LiveView:
    """The figures of every element of version `number` of the procedure (the live one when None),
    in four queries: open tasks, pending timers, finished visits' count and mean, the p90 sample."""
    now = runtime.clock.now()
    with runtime.db.read() as session:
        row = _version(session, code, number)
        live_id = session.scalar(select(Procedure.current_version_id).where(Procedure.code == code))
        numbers = list(
            session.scalars(
                select(ProcedureVersion.number).where(ProcedureVersion.code == code).order_by(ProcedureVersion.number)
            )
        )
        parsed = runtime.versions.get(session, row.id).parsed
        of_version = and_(HumanTask.dossier_id == Dossier.id, Dossier.version_id == row.id)
        diagram_task = ~HumanTask.spiff_task_id.startswith(OFFICE_TASK_PREFIX)  # no apology letters

        waiting = {
            element: (count, overdue)
            for element, count, overdue in session.execute(
                select(
                    HumanTask.element_id,
                    func.count(),
                    func.sum(case((_task_overdue(now), 1), else_=0)),
                )
                .where(of_version, diagram_task, HumanTask.status.in_(OPEN))
                .group_by(HumanTask.element_id)
            )
        }
        for element, count, overdue in session.execute(
            select(Timer.element_id, func.count(), func.sum(case((_dossier_late(now), 1), else_=0)))
            .where(Timer.dossier_id == Dossier.id, Dossier.version_id == row.id, Timer.status == TimerStatus.PENDING)
            .group_by(Timer.element_id)
        ):
            before = waiting.get(element, (0, 0))
            waiting[element] = (before[0] + count, before[1] + int(overdue or 0))

        spent = _seconds(session, HumanTask.created_at, HumanTask.finished_at)
        finished = and_(
            of_version, diagram_task, HumanTask.status == TaskStatus.DONE, HumanTask.finished_at.is_not(None)
        )
        means = {
            element: (count, float(mean) if mean is not None else None)
            for element, count, mean in session.execute(
                select(HumanTask.element_id, func.count(), func.avg(cast(spent, Float)))
                .where(finished)
                .group_by(HumanTask.element_id)
            )
        }
        ranked = (
            select(
                HumanTask.element_id.label("element_id"),
                cast(spent, Float).label("seconds"),
                func.row_number()
                .over(partition_by=HumanTask.element_id, order_by=HumanTask.finished_at.desc())
                .label("n"),
            )
            .where(finished)
            .subquery()
        )
        samples: dict[str, list[float]] = {}
        for element, seconds in session.execute(
            select(ranked.c.element_id, ranked.c.seconds).where(ranked.c.n <= P90_SAMPLE)
        ):
            samples.setdefault(element, []).append(max(0.0, float(seconds)))
        diagram = main_diagram(row)

    places = element_map(parsed)
    wanted = set(waiting) | set(means) | {e for e, (_on, _n, kind) in places.items() if kind == "UserTask"}
    order = {e: i for i, e in enumerate(places)}
    elements = []
    for element in sorted(wanted, key=lambda e: (order.get(e, len(order)), e)):
        shown_on, name, kind = places.get(element, (element, None, "unknown"))
        count, overdue = waiting.get(element, (0, 0))
        visits, mean = means.get(element, (0, None))
        sample = samples.get(element)
        elements.append(
            ElementFigures(
                element_id=element,
                name=name,
                kind=kind,
                shown_on=shown_on,
                waiting=int(count),
                overdue=int(overdue or 0),
                visits=int(visits),
                mean_seconds=max(0.0, mean) if mean is not None else None,
                p90_seconds=_nearest_rank(sample, 0.9) if sample else None,
            )
        )
    return LiveView(code, row.number, row.id == live_id, numbers, diagram, elements)


def waiting_at(
    runtime: Runtime,
    code: str,
    element: str,
    number: int | None = None,
    page: int = 1,
    per_page: int = 20,
    units: frozenset[str] | None = None,
) -> WaitingPage:
    """The dossiers of the version waiting at `element` (a call activity of the main diagram takes
    in the elements of what it calls), oldest wait first, `per_page` at a time; only those of
    `units` when given (a leader lists their own units' dossiers)."""
    page, per_page = max(1, page), min(max(1, per_page), 100)
    now = runtime.clock.now()
    with runtime.db.read() as session:
        row = _version(session, code, number)
        places = element_map(runtime.versions.get(session, row.id).parsed)
        if element not in places:
            raise NotFound(
                f"Phiên bản v{row.number} của {code} không có phần tử {element}",
                f"Version v{row.number} of {code} has no element {element}",
            )
        in_units = [] if units is None else [Dossier.unit_code.in_(sorted(units))]
        ids = sorted({element} | {e for e, (on, _n, _k) in places.items() if on == element})
        tasks = select(
            Dossier.code.label("code"),
            Dossier.applicant_name.label("applicant"),
            Dossier.unit_code.label("unit_code"),
            HumanTask.element_id.label("element_id"),
            HumanTask.created_at.label("since"),
            func.coalesce(HumanTask.due_at, Dossier.appointment_at).label("due"),
            case((_task_overdue(now), 1), else_=0).label("overdue"),
        ).where(
            HumanTask.dossier_id == Dossier.id,
            Dossier.version_id == row.id,
            HumanTask.status.in_(OPEN),
            ~HumanTask.spiff_task_id.startswith(OFFICE_TASK_PREFIX),
            HumanTask.element_id.in_(ids),
            *in_units,
        )
        timers = select(
            Dossier.code,
            Dossier.applicant_name,
            Dossier.unit_code,
            Timer.element_id,
            literal(None, HumanTask.created_at.type).label("since"),
            Dossier.appointment_at,
            case((_dossier_late(now), 1), else_=0),
        ).where(
            Timer.dossier_id == Dossier.id,
            Dossier.version_id == row.id,
            Timer.status == TimerStatus.PENDING,
            Timer.element_id.in_(ids),
            *in_units,
        )
        both = union_all(tasks, timers).subquery()
        total = session.scalar(select(func.count()).select_from(both))
        rows = session.execute(
            select(both)
            .order_by(both.c.since.is_(None), both.c.since, both.c.code, both.c.element_id)
            .limit(per_page)
            .offset((page - 1) * per_page)
        ).all()
    items = [
        WaitingDossier(r.code, r.applicant, r.unit_code, r.element_id, r.since, r.due, bool(r.overdue)) for r in rows
    ]
    return WaitingPage(element, items, int(total or 0), page, per_page)


def dossier_path(runtime: Runtime, dossier_code: str) -> DossierPath:
    """The dossier's done path and current step on its own version's main diagram."""
    done_inner = visited(runtime, dossier_code)
    _state, wf = runtime.dossiers.load_workflow(dossier_code)
    waiting = [
        t.task_spec.bpmn_id
        for t in wf.get_tasks(state=TaskState.READY | TaskState.WAITING | TaskState.STARTED)
        if t.task_spec.bpmn_id is not None
    ]
    with runtime.db.read() as session:
        dossier = runtime.dossiers.get(dossier_code)
        row = session.get(ProcedureVersion, dossier.version_id)
        places = element_map(runtime.versions.get(session, row.id).parsed)
        diagram = main_diagram(row)

    def main(ids: list[str]) -> list[str]:
        out: list[str] = []
        for e in ids:
            on = places.get(e, (e, None, ""))[0]
            if on not in out:
                out.append(on)
        return out

    # a call activity still running is current, not done; a boundary event waiting is not a step
    current = [e for e in main(waiting) if places.get(e, ("", None, ""))[2] != "BoundaryEvent"]
    done = [e for e in main(done_inner) if e not in current]
    # the list names the steps a person recognises: not the gateways, nor unnamed elements
    steps = [(e, places[e][1], "done") for e in done if e in places and places[e][1] and "Gateway" not in places[e][2]]
    steps += [(e, places.get(e, (e, None, ""))[1], "current") for e in current]
    return DossierPath(dossier_code, row.number, diagram, done, current, steps)


@dataclass(frozen=True)
class ProcedureLive:
    code: str
    name: Message
    number: int  # the live version
    waiting: int  # open human tasks of its running dossiers, every version
    overdue: int


def live_overview(runtime: Runtime) -> list[ProcedureLive]:
    """Every deployed procedure with its live version and how many of its dossiers wait at a
    human step now (and how many of those are overdue): the way into the live diagrams."""
    now = runtime.clock.now()
    with runtime.db.read() as session:
        live = current_versions(session, runtime.versions)
        counts = {
            code: (waiting, int(overdue or 0))
            for code, waiting, overdue in session.execute(
                select(Dossier.procedure_code, func.count(), func.sum(case((_task_overdue(now), 1), else_=0)))
                .where(
                    HumanTask.dossier_id == Dossier.id,
                    HumanTask.status.in_(OPEN),
                    ~HumanTask.spiff_task_id.startswith(OFFICE_TASK_PREFIX),
                )
                .group_by(Dossier.procedure_code)
            )
        }
    return [
        ProcedureLive(code, version.meta.name, version.number, *counts.get(code, (0, 0)))
        for code, version in live.items()
    ]
