"""The procedure catalogue: every diagram in bpmn/ with its metadata in workflows/, validated
together. A bad file is reported (file, element id, reason) and the other procedures still load.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import CycleTimerEventDefinition, TimerEventDefinition
from SpiffWorkflow.specs.ExclusiveChoice import ExclusiveChoice
from SpiffWorkflow.spiff.specs.defaults import ManualTask, ScriptTask, UserTask

from engine.workflow import safe_xml
from engine.workflow.bpmn_specs import ParsedProcess, event_definitions, parse_sources
from engine.workflow.diagram_checks import (
    Diagrams,
    check_calls,
    check_shapes,
    check_withdrawal,
    decision_ids,
    process_ids,
    unreachable_nodes,
)
from engine.workflow.metadata import Problem, ProcedureMeta, SharedStepMeta
from engine.workflow.metadata_schema import read_procedure_file, read_shared_file
from engine.workflow.scripting import check_source

SHARED_DIR = "shared"  # call activities many procedures use
DMN_DIR = "dmn"  # decision tables
DATA_FILES = {"roles.yaml", "rates.yaml"}  # workflows/ files that are not a procedure's metadata
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"


@dataclass
class LoadedProcedure:
    meta: ProcedureMeta
    raw_meta: dict[str, Any]  # the procedure's metadata with its shared steps' tasks merged in
    sources: dict[str, str]  # file name -> text of the diagram and every diagram it calls
    parsed: ParsedProcess
    meta_file: str = ""  # where the metadata came from, as people see the path

    @property
    def content_hash(self) -> str:
        blob = json.dumps({"sources": self.sources, "meta": self.raw_meta}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode("utf-8")).hexdigest()


@dataclass
class Catalogue:
    procedures: dict[str, LoadedProcedure] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    roles: dict[str, dict[str, str]] = field(default_factory=dict)


def load_catalogue(bpmn_dir: Path, workflows_dir: Path, only: Iterable[Path] | None = None) -> Catalogue:
    """Load and validate the catalogue, or, with `only`, just the procedures those files belong to
    (a diagram or metadata file, possibly a draft outside bpmn/ with its .yaml beside it)."""
    cat = Catalogue()
    cat.roles = _read_roles(workflows_dir, cat.problems)
    shared_sources, shared_meta = _read_shared(bpmn_dir, workflows_dir, cat.problems)

    if only is None:
        diagrams = sorted(bpmn_dir.glob("*.bpmn"))
        _report_orphan_metadata(diagrams, workflows_dir, cat.problems)
    else:
        diagrams = _diagrams_for(list(map(Path, only)), bpmn_dir, workflows_dir)

    for diagram in diagrams:
        loaded = _load_procedure(diagram, bpmn_dir, workflows_dir, shared_sources, shared_meta, cat)
        if loaded is None:
            continue
        if loaded.meta.code in cat.procedures:
            cat.problems.append(Problem(_rel(diagram), "code", f"procedure code {loaded.meta.code} is used twice"))
            continue
        cat.procedures[loaded.meta.code] = loaded
    return cat


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _read_yaml(path: Path, problems: list[Problem]) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        problems.append(Problem(_rel(path), "", f"cannot read YAML: {err}"))
        return None


def _read_roles(workflows_dir: Path, problems: list[Problem]) -> dict[str, dict[str, str]]:
    raw = _read_yaml(workflows_dir / "roles.yaml", problems) or {}
    return dict(raw.get("roles") or {})


def _check_xml(path: Path, text: str, problems: list[Problem]) -> bool:
    """Well-formed XML whose sequence flows connect elements that exist."""
    try:
        root = safe_xml.parse(text)
    except safe_xml.XMLRefused as err:
        problems.append(Problem(_rel(path), err.where, err.reason))
        return False
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    ok = True
    for flow in root.iter(f"{{{BPMN_NS}}}sequenceFlow"):
        for end in ("sourceRef", "targetRef"):
            ref = flow.get(end)
            if ref not in ids:
                what = "comes from" if end == "sourceRef" else "leads to"
                problems.append(
                    Problem(
                        _rel(path), flow.get("id", ""), f"sequence flow {what} '{ref}', which is not in the diagram"
                    )
                )
                ok = False
    if ok:
        for container in root.iter(f"{{{BPMN_NS}}}process", f"{{{BPMN_NS}}}subProcess"):
            for node_id in unreachable_nodes(container):
                problems.append(Problem(_rel(path), node_id, "no path from the start event reaches this element"))
                ok = False
    return ok


def _read_shared(bpmn_dir: Path, workflows_dir: Path, problems: list[Problem]):
    sources: dict[str, str] = {}
    metas: dict[str, tuple[SharedStepMeta, dict[str, Any]]] = {}
    for folder, pattern in ((SHARED_DIR, "*.bpmn"), (DMN_DIR, "*.dmn")):
        for path in sorted((bpmn_dir / folder).glob(pattern)):
            try:
                text = safe_xml.read_text(path)
            except safe_xml.XMLRefused as err:
                problems.append(Problem(_rel(path), err.where, err.reason))
                continue
            if _check_xml(path, text, problems):
                sources[f"{folder}/{path.name}"] = text
    for path in sorted((workflows_dir / SHARED_DIR).glob("*.yaml")):
        raw, meta, found = read_shared_file(path, _rel(path))  # the schema's and metadata.py's checks, with lines
        problems.extend(found)
        if meta is not None:
            metas[meta.process_id] = (meta, dict(raw.get("tasks") or {}))
    return sources, metas


def _diagrams_for(files: list[Path], bpmn_dir: Path, workflows_dir: Path) -> list[Path]:
    """The procedure diagrams to check for the files a designer names: a procedure's diagram or
    metadata (a draft may sit anywhere, with its .yaml beside it); a shared step means every
    procedure, since they all may call it."""
    shared_dirs = {(bpmn_dir / SHARED_DIR).resolve(), (workflows_dir / SHARED_DIR).resolve()}
    diagrams: list[Path] = []
    for path in files:
        if path.resolve().parent in shared_dirs:
            found = sorted(bpmn_dir.glob("*.bpmn"))
        elif path.suffix == ".bpmn":
            found = [path]
        else:
            beside = path.with_suffix(".bpmn")
            found = [beside if beside.exists() else bpmn_dir / f"{path.stem}.bpmn"]
        diagrams += [d for d in found if d not in diagrams]
    return diagrams


def _beside_draft(diagram: Path, process_id: str, shared_sources: dict[str, str], shared_meta: dict, problems):
    """A draft outside bpmn/ may bring its own versions of the processes it calls (.bpmn, with
    their forms in a .yaml of the same name) and of its decision tables (.dmn) in its folder; they
    take the place of the shared ones with the same process or decision id. Other drafts of the same
    procedure there are left alone, and so is a file that is not well-formed (it may be anything)."""
    sources, metas, beside = dict(shared_sources), dict(shared_meta), {}
    for path in sorted(diagram.parent.glob("*.bpmn")) + sorted(diagram.parent.glob("*.dmn")):
        if path.resolve() == diagram.resolve():
            continue
        same = decision_ids if path.suffix == ".dmn" else process_ids
        try:
            text = safe_xml.read_text(path)
            ids = set(same(text))
        except safe_xml.XMLRefused:
            continue
        if not ids or process_id in ids:
            continue
        found: list[Problem] = []
        if not _check_xml(path, text, found):  # one of the draft's own steps, broken
            problems.extend(found)
            continue
        for name in [n for n, t in sources.items() if n.endswith(path.suffix) and ids & set(same(t))]:
            del sources[name]
        sources[path.name] = text
        beside[path.name] = path
        yaml_path = path.with_suffix(".yaml")
        if path.suffix == ".bpmn" and yaml_path.exists():
            raw, step, found = read_shared_file(yaml_path, _rel(yaml_path))
            if step is not None and not found:
                metas[step.process_id] = (step, dict(raw.get("tasks") or {}))
    return sources, metas, beside


def _metadata_for(diagram: Path, workflows_dir: Path) -> Path:
    beside = diagram.with_suffix(".yaml")
    return beside if beside.exists() else workflows_dir / f"{diagram.stem}.yaml"


def _report_orphan_metadata(diagrams: list[Path], workflows_dir: Path, problems: list[Problem]) -> None:
    stems = {d.stem for d in diagrams}
    for path in sorted(workflows_dir.glob("*.yaml")):
        if path.name not in DATA_FILES and path.stem not in stems:
            problems.append(Problem(_rel(path), "", f"metadata without a diagram: bpmn/{path.stem}.bpmn is missing"))


def _load_procedure(diagram, bpmn_dir, workflows_dir, shared_sources, shared_meta, cat) -> LoadedProcedure | None:
    problems = cat.problems
    if not diagram.exists():
        problems.append(Problem(_rel(diagram), "", "diagram file not found"))
        return None
    meta_path = _metadata_for(diagram, workflows_dir)
    if not meta_path.exists():
        problems.append(Problem(_rel(diagram), "", f"no metadata: {_rel(meta_path)} is missing"))
        return None
    raw, meta, found = read_procedure_file(meta_path, _rel(meta_path))  # the schema's and metadata.py's checks
    problems.extend(found)
    if meta is None or found:
        return None
    in_catalogue = diagram.resolve().parent == bpmn_dir.resolve()  # (drafts may be named freely)
    if in_catalogue and meta.code != diagram.stem:
        problems.append(
            Problem(
                _rel(meta_path), "code", f"code {meta.code} differs from the file name {diagram.stem}; name both alike"
            )
        )
        return None

    try:
        text = safe_xml.read_text(diagram)
    except safe_xml.XMLRefused as err:
        problems.append(Problem(_rel(diagram), err.where, err.reason))
        return None
    if not _check_xml(diagram, text, problems):
        return None
    beside: dict[str, Path] = {}  # a draft's own called processes and decision tables, by source name
    if not in_catalogue:
        shared_sources, shared_meta, beside = _beside_draft(
            diagram, meta.process_id, shared_sources, shared_meta, problems
        )
    all_sources = {**shared_sources, diagram.name: text}

    def shown(name: str | None) -> str:  # a source name as the path people see
        if not name or name == diagram.name:
            return _rel(diagram)
        return _rel(beside[name]) if name in beside else _rel(bpmn_dir / name)

    diagrams = Diagrams.of(all_sources)
    found, _used = check_calls(diagrams, meta.process_id, shown)
    if found:  # the parser would fail on a missing process, and unfold a cycle forever
        problems.extend(found)
        return None
    try:
        parsed = parse_sources(all_sources, meta.process_id)
    except ValidationException as err:
        problems.append(Problem(shown(err.file_name), err.id or "", str(err).split("\n")[0]))
        return None
    except Exception as err:  # the parser raises plain errors for some broken diagrams
        problems.append(Problem(_rel(diagram), "", f"cannot parse: {err}"))
        return None

    used_files = {spec.file for spec in parsed.all_specs()} | parsed.dmn_files
    sources = {name: t for name, t in all_sources.items() if name in used_files}
    # forms of the shared steps it calls, unless the procedure declares its own for a task
    tasks: dict[str, Any] = {}
    raw_tasks: dict[str, Any] = {}
    purposes: dict[str, str] = {}
    paths = dict(meta.paths)
    for spec in parsed.subprocess_specs.values():
        shared = shared_meta.get(spec.name) if spec is not None else None
        if shared is not None:
            tasks.update(shared[0].tasks)
            raw_tasks.update(shared[1])
            purposes.update(shared[0].purposes)
            for name, shared_path in shared[0].paths.items():
                if name in meta.paths:  # the procedure's own path of that name wins
                    continue
                made = shared_path.made_from(meta.paths)
                if made is None:
                    step = shared_path.replace
                    problems.append(
                        Problem(
                            _rel(meta_path),
                            "paths",
                            f"the shared step {spec.name} gives every procedure calling it the path '{name}', made "
                            f"from a path with the step {{{step.kind}: {step.target}}}; no path here has it",
                        )
                    )
                    return None
                paths[name] = made
    tasks.update(meta.tasks)
    for task_id in meta.tasks:  # a task the procedure declares itself has the procedure's purpose, if any
        purposes.pop(task_id, None)
    for task_id, purpose in meta.purposes.items():
        if purpose in purposes.values():
            problems.append(
                Problem(_rel(meta_path), f"tasks.{task_id}", f"purpose '{purpose}' is already served by a shared step")
            )
            return None
        purposes[task_id] = purpose
    merged_meta = ProcedureMeta(**{**meta.__dict__, "tasks": tasks, "purposes": purposes, "paths": paths})

    found = check_diagram(parsed, merged_meta, cat.roles, meta_path=_rel(meta_path))
    found = [Problem(shown(p.file) if p.file != _rel(meta_path) else p.file, p.element, p.reason) for p in found]
    found += check_withdrawal(diagrams, meta.process_id, shown)
    found += check_shapes(diagrams.roots[diagram.name], _rel(diagram))
    problems.extend(found)
    if found:
        return None

    raw_meta = {**raw, "tasks": {**raw_tasks, **(raw.get("tasks") or {})}}
    return LoadedProcedure(merged_meta, raw_meta, sources, parsed, _rel(meta_path))


def check_diagram(parsed: ParsedProcess, meta: ProcedureMeta, roles: dict, meta_path: str) -> list[Problem]:
    """Checks that need the diagram and its metadata together."""
    problems: list[Problem] = []
    user_tasks: set[str] = set()
    messages: set[str] = set()
    for spec, ts in parsed.iter_task_specs():
        file, element = spec.file, ts.bpmn_id
        if element is None:  # SpiffWorkflow's own start/end bookkeeping specs
            continue
        # an officer does both kinds: the engine gives each to the role its lane names (a manual
        # task is a user task with no form, done when the officer says so)
        if isinstance(ts, (UserTask, ManualTask)):
            user_tasks.add(element)
            kind = "user task" if isinstance(ts, UserTask) else "manual task"
            if not ts.lane:
                problems.append(
                    Problem(file, element, f"{kind} is not in a lane; put it in the lane of the role that does it")
                )
            elif ts.lane not in roles:
                problems.append(Problem(file, element, f"lane '{ts.lane}' is not a known role ({', '.join(roles)})"))
            if isinstance(ts, UserTask) and element not in meta.tasks:
                problems.append(
                    Problem(file, element, f"user task has no form fields declared in the metadata ({meta_path})")
                )
        if isinstance(ts, ScriptTask):
            reason = check_source(ts.script or "", "exec")
            if reason:
                problems.append(Problem(file, element, f"script refused: {reason}"))
        for which in ("prescript", "postscript"):  # scripts SpiffWorkflow runs around any task
            reason = check_source(getattr(ts, which, None) or "", "exec")
            if reason:
                problems.append(Problem(file, element, f"{which[:-6]}-script refused: {reason}"))
        if isinstance(ts, ExclusiveChoice):
            for condition, _target in ts.cond_task_specs:
                if condition is None:
                    continue
                reason = check_source(condition.args[0], "eval")
                if reason:
                    problems.append(Problem(file, element, f"condition refused: {reason}"))
            if ts.default_task_spec is None and type(ts).__name__ == "ExclusiveGateway":
                problems.append(
                    Problem(
                        file,
                        element,
                        "exclusive gateway has no default flow; when no condition matches the dossier would stop",
                    )
                )
        for definition in event_definitions(ts):
            if isinstance(definition, CycleTimerEventDefinition):
                problems.append(Problem(file, element, "cycle timers are not supported; use a duration or a date"))
            elif isinstance(definition, TimerEventDefinition):
                reason = check_source(definition.expression, "eval")
                if reason:
                    problems.append(Problem(file, element, f"timer expression refused: {reason}"))
            if isinstance(definition, MessageEventDefinition):
                messages.add(definition.name)

    for task_id in meta.tasks:
        if task_id not in user_tasks:
            problems.append(
                Problem(meta_path, f"tasks.{task_id}", "no user task or manual task with this id in the diagram")
            )
    for path in meta.paths.values():
        for i, step in enumerate(path.steps):
            where = f"paths.{path.name}.steps[{i}]"
            if step.kind == "task" and step.target not in user_tasks:
                problems.append(
                    Problem(meta_path, where, f"no user task '{step.target}' in the diagram (nor a manual task)")
                )
            if step.kind == "message" and step.target not in messages:
                problems.append(Problem(meta_path, where, f"the diagram waits for no message '{step.target}'"))
    return problems
