"""Moving running dossiers from one version of their procedure to another (Camunda's "process
instance migration").

A dossier's SpiffWorkflow state is re-bound to the new version's specs the way SpiffWorkflow 3.2's
own `bpmn.util.diff` does it (and spiff-arena's process-instance migration with it): task specs
are aligned by BPMN id (by structure where an id is gone), every task of the tree takes its new
spec, and the user tasks waiting now are reset and predicted again from the new diagram, so what
follows them is what version B says. Timers and message waits already running keep their due
times. A dossier can move when every element it waits in, and every element its history went
through, exists in B (a task of the tree whose spec B lacks could not be stored against B);
`plan_migration` says which dossiers can and why not, `migrate` moves them, one transaction per
dossier (engine.dossiers.service.DossierService.move_to_version)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import SpecDiff, migrate_workflow
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

from engine.data.models import Dossier
from engine.errors import EngineError
from engine.people.officers import Actor
from engine.runtime import Runtime
from engine.workflow.state import REGISTRY, dump_state, load_state
from engine.workflow.version_log import version_row
from engine.workflow.versions import RunnableVersion

# a task in these states is where the dossier is now: it must exist in the version it moves to
_WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED


class CannotMove(EngineError):
    """This dossier cannot move to that version (the reason says why)."""


@dataclass
class MigrationItem:
    dossier: str
    movable: bool
    reason: str = ""  # why not (empty when movable), in English as the CLI prints it
    reason_vi: str = ""  # the same in Vietnamese, for the studio's page
    waiting_in: list[str] = field(default_factory=list)  # the elements it waits in now
    moved: bool = False  # set by migrate()

    @property
    def outcome(self) -> str:
        """movable | moved | not movable | not moved, as the CLI prints it."""
        if self.moved:
            return "moved"
        return "movable" if self.movable else "not movable"


@dataclass
class MigrationPlan:
    code: str
    from_number: int
    to_number: int
    items: list[MigrationItem] = field(default_factory=list)


def plan_migration(
    runtime: Runtime, code: str, from_number: int, to_number: int, dossiers: Iterable[str] | None = None
) -> MigrationPlan:
    """Dry run: each running dossier of version `from_number` (or each of `dossiers`), movable to
    `to_number` or not, with the reason. Nothing is written."""
    _source, target, codes = _versions_and_dossiers(runtime, code, from_number, to_number, dossiers)
    plan = MigrationPlan(code, from_number, to_number)
    for dossier_code, problem in codes:
        if problem:
            plan.items.append(MigrationItem(dossier_code, False, problem[1], problem[0]))
            continue
        _state, wf = runtime.dossiers.load_workflow(dossier_code)
        item = MigrationItem(dossier_code, True, waiting_in=_waiting_in(wf))
        try:
            rebind(wf, target)
            load_state(dump_state(wf), target.parsed, wf.script_engine)  # it must restore against B
        except CannotMove as err:
            item.movable, item.reason, item.reason_vi = False, str(err), err.message.vi
        except Exception as err:  # SpiffWorkflow refused the re-binding: say how, move nothing
            item.movable, item.reason = False, f"cannot re-bind its state: {type(err).__name__}: {err}"
            item.reason_vi = f"không gắn lại được trạng thái: {type(err).__name__}: {err}"
        plan.items.append(item)
    return plan


def migrate(
    runtime: Runtime,
    code: str,
    from_number: int,
    to_number: int,
    actor: Actor,
    dossiers: Iterable[str] | None = None,
) -> MigrationPlan:
    """Move each movable dossier (see plan_migration) to version `to_number`, one transaction per
    dossier; a dossier whose move fails stays untouched on its version and is reported."""
    plan = plan_migration(runtime, code, from_number, to_number, dossiers)
    with runtime.db.read() as session:
        source_id = version_row(session, code, from_number).id
        target_id = version_row(session, code, to_number).id
    for item in plan.items:
        if not item.movable:
            continue
        try:
            runtime.dossiers.move_to_version(item.dossier, source_id, target_id, actor, rebind)
            item.moved = True
        except EngineError as err:
            item.movable, item.reason, item.reason_vi = False, str(err), err.message.vi
        except Exception as err:  # reported with the others: the remaining dossiers still move
            item.movable, item.reason = False, f"{type(err).__name__}: {err}"
            item.reason_vi = item.reason
    return plan


def rebind(wf: BpmnWorkflow, target: RunnableVersion) -> None:
    """Re-bind a workflow (and its running called processes) to the target version's specs, in
    place; CannotMove (before changing anything) when an element it needs is not in the target."""
    spec, subprocess_specs = target.parsed.spec, target.parsed.subprocess_specs
    if spec.name != wf.spec.name:
        raise CannotMove(
            f"phiên bản v{target.number} có quy trình chính {spec.name}, không phải {wf.spec.name}",
            f"v{target.number} has the main process {spec.name}, not {wf.spec.name}",
        )
    diffs = [(wf, SpecDiff(REGISTRY, wf.spec, spec), spec, "")]
    for sub in wf.subprocesses.values():
        name = sub.spec.name
        if name not in subprocess_specs:
            if sub.is_completed():
                raise CannotMove(
                    f"hồ sơ đã qua quy trình con {name}, phiên bản v{target.number} không có",
                    f"its history went through the called process {name}, which v{target.number} does not have",
                )
            raise CannotMove(
                f"hồ sơ đang chờ trong quy trình con {name}, phiên bản v{target.number} không có",
                f"it waits inside the called process {name}, which v{target.number} does not have",
            )
        diffs.append((sub, SpecDiff(REGISTRY, sub.spec, subprocess_specs[name]), subprocess_specs[name], name))
    # where it waits first (what the designer most needs to hear), then where it went through
    for states, waits in ((_WAITING, True), (TaskState.FINISHED_MASK, False)):
        for workflow, diff, _new, called in diffs:
            inside = f" inside the called process {called}" if called else ""
            inside_vi = f" trong quy trình con {called}" if called else ""
            for task in workflow.get_tasks(state=states, skip_subprocesses=True):
                if diff.alignment.get(task.task_spec) is not None:
                    continue
                what = _shown(task)
                if waits:
                    raise CannotMove(
                        f"hồ sơ đang chờ ở {what}{inside_vi}, phiên bản v{target.number} không có",
                        f"it waits in {what}{inside}, which v{target.number} does not have",
                    )
                raise CannotMove(
                    f"hồ sơ đã qua {what}{inside_vi}, phiên bản v{target.number} không có",
                    f"its history went through {what}{inside}, which v{target.number} does not have",
                )
    # every check passed: now change the workflow
    for workflow, diff, new, _called in diffs:
        alignment = {task: diff.alignment.get(task.task_spec) for task in workflow.get_tasks(skip_subprocesses=True)}
        migrate_workflow(_Alignment(alignment), workflow, new, reset_mask=TaskState.READY)
        _predict_again(workflow, [task for task, spec in alignment.items() if spec is None])
    wf.subprocess_specs = subprocess_specs


def _predict_again(workflow, unaligned) -> None:
    """Predict again the branches that still hold a predicted task of A that B lacks.

    migrate_workflow re-predicts only below the tasks it resets (READY); a dossier waiting inside a
    called process (the reception, STARTED) keeps the predicted tasks of A after it, and one of
    them missing in B could not be stored against B. Its predictions are dropped and made from B."""
    predicted = TaskState.PREDICTED_MASK
    frontier = {}
    for task in unaligned:
        if task.id not in workflow.tasks or not task.has_state(predicted):
            continue
        while task.parent is not None and task.parent.has_state(predicted):
            task = task.parent
        if task.parent is not None:
            frontier[task.parent.id] = task.parent
    for task in frontier.values():
        for child in [c for c in task.children if c.has_state(predicted)]:
            workflow._remove_task(child.id)
        task.task_spec._predict_hook(task)  # a definite task's outputs come back as FUTURE
        for child in task.children:
            if child.has_state(predicted):
                child.task_spec._predict(child)


class _Alignment:
    """What migrate_workflow reads of a WorkflowDiff: old task -> new spec."""

    def __init__(self, alignment):
        self.alignment = alignment


def _shown(task) -> str:
    """The element a task stands for: SpiffWorkflow's own helper specs ("X.BoundaryEventSplit")
    are named for the element X they serve."""
    spec = task.task_spec
    if getattr(spec, "bpmn_id", None) is None and task.parent is not None and "." in spec.name:
        owner = task.workflow.spec.task_specs.get(spec.name.split(".")[0])
        if owner is not None:
            spec = owner
    bpmn_id = getattr(spec, "bpmn_id", None) or spec.name
    name = getattr(spec, "bpmn_name", None)
    return f"{bpmn_id} “{name}”" if name else bpmn_id


def _waiting_in(wf: BpmnWorkflow) -> list[str]:
    found = []
    for workflow in (wf, *wf.subprocesses.values()):
        for task in workflow.get_tasks(state=TaskState.READY | TaskState.WAITING, skip_subprocesses=True):
            bpmn_id = getattr(task.task_spec, "bpmn_id", None)
            if bpmn_id and bpmn_id not in found:
                found.append(bpmn_id)
    return found


def _versions_and_dossiers(runtime, code, from_number, to_number, dossiers):
    """The two versions, and the dossiers to look at with a reason to skip each ((vi, en); None: look)."""
    if from_number == to_number:
        raise CannotMove(
            f"v{from_number} và v{to_number} là cùng một phiên bản", f"v{from_number} and v{to_number} are one version"
        )
    with runtime.db.read() as session:
        source_id = version_row(session, code, from_number).id
        target = runtime.versions.get(session, version_row(session, code, to_number).id)
        if dossiers is None:
            codes = session.scalars(
                select(Dossier.code)
                .where(Dossier.version_id == source_id, Dossier.finished_at.is_(None))
                .order_by(Dossier.code)
            ).all()
            return source_id, target, [(c, None) for c in codes]
        found = {
            row.code: row
            for row in session.execute(
                select(Dossier.code, Dossier.procedure_code, Dossier.version_id, Dossier.finished_at).where(
                    Dossier.code.in_(list(dossiers))
                )
            )
        }
        numbers = {}
        result = []
        for dossier_code in dossiers:
            row = found.get(dossier_code)
            if row is None:
                result.append((dossier_code, ("không có hồ sơ này", "no such dossier")))
            elif row.procedure_code != code:
                result.append(
                    (
                        dossier_code,
                        (
                            f"hồ sơ của {row.procedure_code}, không phải {code}",
                            f"a dossier of {row.procedure_code}, not {code}",
                        ),
                    )
                )
            elif row.finished_at is not None:
                result.append(
                    (
                        dossier_code,
                        ("đã kết thúc: chỉ hồ sơ đang xử lý mới chuyển được", "finished: only running dossiers move"),
                    )
                )
            elif row.version_id != source_id:
                if row.version_id not in numbers:
                    numbers[row.version_id] = runtime.versions.get(session, row.version_id).number
                number = numbers[row.version_id]
                result.append(
                    (
                        dossier_code,
                        (
                            f"đang chạy trên v{number}, không phải v{from_number}",
                            f"runs on v{number}, not v{from_number}",
                        ),
                    )
                )
            else:
                result.append((dossier_code, None))
        return source_id, target, result
