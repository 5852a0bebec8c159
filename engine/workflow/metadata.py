"""Procedure metadata (`workflows/*.yaml`): read into typed objects, every problem reported.

The format is described in workflows/README.md. Parsing never raises for bad content: it returns
what it could read and a list of problems, so one bad file does not stop the others loading.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.forms import FIELD_TYPES, Choice, Field, Message
from engine.statuses import DossierStatus
from engine.workflow.scripting import check_source

# working days of the office calendar; calendar days; calendar days not counting public holidays
# and Tết (Law 41/2024 art. 79(3), 107(3)): weekends count, national and office holidays do not
LIMIT_UNITS = ("working", "calendar", "calendar_no_holidays")
ON_SUPPLEMENT = ("resume", "restart")
# the steps a dossier's time limit is split over, in order; the desk's reception comes before
# the clock starts and is due the day the dossier counts as received
STEPS = ("processing", "approval", "payout", "return")
STEP_KINDS = ("task", "message", "wait")
# fields whose value becomes the dossier's applicant name (dossiers.applicant_name, 200 characters)
NAME_FIELDS = ("full_name", "organisation_name")
MAX_NAME_LENGTH = 200
# what a path may expect in the dossier's data at its end (`expect_data`): plain values, a date
# in quotes ("2026-10-01", as in `start`: metadata is stored as JSON)
EXPECTED_TYPES = (bool, int, str)
# What a user task is for, where the pages and inboxes treat it specially. The shared steps'
# metadata marks their tasks (`purpose:`), so nothing outside the metadata names a diagram's task.
PURPOSES = {
    "intake": "the desk's first check of a new dossier (awaiting intake; a supplement asked at reception)",
    "intake_recheck": "the desk's check of the papers an applicant supplied",
    "supplement_request": "a written request for papers during processing",
    "return_counter": "the result handed over at the counter",
    "return_post": "the result sent by post (the waybill)",
    "return_redelivery": "what to do after the post could not deliver the result",
}
# a reception decision: the receipt slip's officer (accept), the refusal slip (refuse), the registry check
RECEPTION = ("intake", "intake_recheck")
RETURN = ("return_counter", "return_post", "return_redelivery")


@dataclass(frozen=True)
class Problem:
    """Something wrong in a diagram or its metadata, pointing at the file and element."""

    file: str
    element: str
    reason: str
    line: int | None = None  # in the file, where known (metadata: from the YAML; XML: the parser's)

    def __str__(self) -> str:
        if self.line:
            where = f"{self.file} line {self.line}" + (f" ({self.element})" if self.element else "")
        else:
            where = f"{self.file}: {self.element}" if self.element else self.file
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class Document:
    id: str
    name: Message
    required: bool
    original: bool
    # required only when the application has these answers (the paper a ground needs)
    required_if: Mapping[str, Any] = field(default_factory=dict)
    source: str = ""  # where the law lists it: law, article, clause

    def is_required(self, application: Mapping[str, Any]) -> bool:
        """Whether the applicant must attach it, given the application's answers."""
        if self.required:
            return True
        return bool(self.required_if) and all(
            str(application.get(k, "")).strip() in _answers(v) for k, v in self.required_if.items()
        )


def _answers(wanted: Any) -> set[str]:
    """The answers a document's required_if accepts: one value, or a list of them (any of)."""
    return {str(v) for v in wanted} if isinstance(wanted, list) else {str(wanted)}


@dataclass(frozen=True)
class PathStep:
    kind: str  # task | message | wait
    target: str  # user task element id, message name, or ISO duration
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SimulationPath:
    name: str
    description: Message
    start: dict[str, Any]
    steps: tuple[PathStep, ...]
    expect_status: int
    # values the dossier's data must hold at the end of the path (e.g. the amounts paid)
    expect_data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SharedPath:
    """A path a shared step gives every procedure that calls it, made from one of the procedure's
    own paths: the first that has the step `replace`, with that step replaced by `steps` (say, the
    bank's confirmation replaced by days of silence and finance's follow-up)."""

    name: str
    description: Message
    replace: PathStep
    steps: tuple[PathStep, ...]

    def made_from(self, paths: dict[str, SimulationPath]) -> SimulationPath | None:
        """The path made from the first of `paths` that has the step to replace, if one has it."""
        for path in paths.values():
            at = next((i for i, s in enumerate(path.steps) if (s.kind, s.target) == self._replaced), None)
            if at is not None:
                description = Message(
                    f"{self.description.vi} (dựa trên đường '{path.name}')",
                    f"{self.description.en} (made from path '{path.name}')",
                )
                steps = (*path.steps[:at], *self.steps, *path.steps[at + 1 :])
                return SimulationPath(self.name, description, path.start, steps, path.expect_status)
        return None

    @property
    def _replaced(self) -> tuple[str, str]:
        return self.replace.kind, self.replace.target


@dataclass(frozen=True)
class Limit:
    """A time limit: days in a unit, and where the law sets it (law, article, clause); `label` says
    in words which applications it is for, where the limit depends on the application."""

    days: int
    unit: str
    source: str = ""
    label: Message | None = None


@dataclass(frozen=True)
class LimitCase:
    """A limit that applies instead of the procedure's when `condition` (an expression on the
    application's data) holds; the first case that holds wins (P11 by who files, P12 by cause).
    Applicants see the limit's label, never the condition."""

    condition: str
    limit: Limit

    @property
    def label(self) -> Message | None:
        return self.limit.label


@dataclass(frozen=True)
class Refusal:
    """An application the law does not allow: when `condition` (an expression on the application's
    data) holds, the submission is refused with `message` on `field` (engine/workflow/refusals.py)."""

    condition: str
    field: str
    message: Message
    source: str = ""


@dataclass(frozen=True)
class ProcedureMeta:
    code: str
    process_id: str
    name: Message
    applicants: tuple[str, ...]
    limit_days: int
    limit_unit: str
    # while the applicant is asked for papers during processing the clock stops; when they arrive
    # it either resumes where it stopped or restarts from zero
    on_supplement: str
    # the limit split over the steps after acceptance, in the limit's unit (see STEPS)
    steps: dict[str, int]
    processing_units: tuple[str, ...]
    fee: int
    result: Message
    documents: tuple[Document, ...]
    application: tuple[Field, ...]
    tasks: dict[str, tuple[Field, ...]]
    paths: dict[str, SimulationPath]
    purposes: dict[str, str] = field(default_factory=dict)  # user task id -> what it is for (PURPOSES)
    limit_source: str = ""  # the law, article and clause the limit comes from
    # the law's limit where the office keeps a stricter one (the office's is limit_days/limit_unit)
    legal_limit: Limit | None = None
    limit_cases: tuple[LimitCase, ...] = ()  # limits that depend on the application
    # which applications the procedure's own limit is for, beside the cases (P11: the employer files)
    limit_label: Message | None = None
    refusals: tuple[Refusal, ...] = ()  # applications refused at submission (refuse_if)

    @property
    def limit(self) -> Limit:
        return Limit(self.limit_days, self.limit_unit, self.limit_source, self.limit_label)

    def tasks_for(self, *purposes: str) -> tuple[str, ...]:
        """The ids of this procedure's user tasks that serve these purposes."""
        return tuple(task for task, purpose in self.purposes.items() if purpose in purposes)

    def purpose_of(self, task_id: str | None) -> str | None:
        return self.purposes.get(task_id or "")


@dataclass(frozen=True)
class SharedStepMeta:
    process_id: str
    name: Message
    tasks: dict[str, tuple[Field, ...]]
    purposes: dict[str, str] = field(default_factory=dict)
    paths: dict[str, SharedPath] = field(default_factory=dict)  # given to every procedure calling it


class _Reader:
    """Collects problems while reading one file."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, element: str, reason: str) -> None:
        self.problems.append(Problem(self.file, element, reason))

    def message(self, raw: Any, where: str) -> Message:
        if not isinstance(raw, dict) or not str(raw.get("vi", "")).strip() or not str(raw.get("en", "")).strip():
            self.problem(where, "needs a name in Vietnamese and English ({vi: ..., en: ...})")
            return Message("", "")
        return Message(str(raw["vi"]), str(raw["en"]))

    def fields(self, raw: Any, where: str) -> tuple[Field, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.problem(where, "fields must be a list")
            return ()
        result, seen = [], set()
        for i, item in enumerate(raw):
            f = self.field(item, f"{where}.fields[{i}]")
            if f is None:
                continue
            if f.name in seen:
                self.problem(where, f"field '{f.name}' is declared twice")
            seen.add(f.name)
            result.append(f)
        for f in result:
            for other in f.required_if:
                if other not in seen:
                    self.problem(where, f"field '{f.name}' is required_if unknown field '{other}'")
        return tuple(result)

    def field(self, raw: Any, where: str) -> Field | None:
        if not isinstance(raw, dict) or not raw.get("name"):
            self.problem(where, "a field needs at least a name and a type")
            return None
        name, kind = str(raw["name"]), raw.get("type")
        where = f"{where} ({name})"
        if kind not in FIELD_TYPES:
            self.problem(where, f"unknown field type {kind!r}; use one of {', '.join(FIELD_TYPES)}")
            return None
        choices: list[Choice] = []
        if kind == "choice":
            raw_choices = raw.get("choices") or []
            if not raw_choices:
                self.problem(where, "a choice field needs choices")
            for c in raw_choices:
                if isinstance(c, dict):
                    label = (
                        self.message(c.get("label"), where)
                        if c.get("label")
                        else Message(str(c.get("value")), str(c.get("value")))
                    )
                    choices.append(Choice(str(c.get("value")), label, c.get("unless")))
                else:
                    choices.append(Choice(str(c), Message(str(c), str(c))))
        required_if = raw.get("required_if") or {}
        if not isinstance(required_if, dict):
            self.problem(where, "required_if must map a field name to a value")
            required_if = {}
        max_length = raw.get("max_length")
        if max_length is not None and (
            not isinstance(max_length, int) or isinstance(max_length, bool) or max_length < 1
        ):
            self.problem(where, f"max_length is a whole number of characters above 0, not {max_length!r}")
            max_length = None
        if name in NAME_FIELDS and not (max_length and max_length <= MAX_NAME_LENGTH):
            self.problem(where, f"the applicant's name is kept in {MAX_NAME_LENGTH} characters: set max_length")
        return Field(
            name=name,
            type=kind,
            label=self.message(raw.get("label"), where),
            required=bool(raw.get("required", False)),
            choices=tuple(choices),
            min=raw.get("min"),
            max=raw.get("max"),
            required_if=required_if,
            max_length=max_length,
        )

    def tasks(self, raw: Any) -> dict[str, tuple[Field, ...]]:
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            self.problem("tasks", "tasks must map user task ids to their fields")
            return {}
        return {
            str(task_id): self.fields((spec or {}).get("fields"), f"tasks.{task_id}") for task_id, spec in raw.items()
        }

    def purposes(self, raw: Any) -> dict[str, str]:
        """task id -> purpose, for the tasks that declare one (each purpose at most once)."""
        found: dict[str, str] = {}
        for task_id, spec in (raw or {}).items() if isinstance(raw, dict) else ():
            purpose = (spec or {}).get("purpose") if isinstance(spec, dict) else None
            if purpose is None:
                continue
            if purpose not in PURPOSES:
                self.problem(f"tasks.{task_id}", f"unknown purpose {purpose!r}; use one of {', '.join(PURPOSES)}")
            elif purpose in found.values():
                self.problem(f"tasks.{task_id}", f"purpose '{purpose}' is already the purpose of another task")
            else:
                found[str(task_id)] = purpose
        return found


def read_shared_step(raw: Any, file: str) -> tuple[SharedStepMeta | None, list[Problem]]:
    r = _Reader(file)
    if not isinstance(raw, dict) or not raw.get("process_id"):
        r.problem("", "a shared step's metadata needs process_id, name and tasks")
        return None, r.problems
    paths = {}
    for name, p in (raw.get("paths") or {}).items():
        path = _read_shared_path(r, str(name), p)
        if path is not None:
            paths[str(name)] = path
    meta = SharedStepMeta(
        str(raw["process_id"]),
        r.message(raw.get("name"), "name"),
        r.tasks(raw.get("tasks")),
        r.purposes(raw.get("tasks")),
        paths,
    )
    return meta, r.problems


def read_procedure(raw: Any, file: str) -> tuple[ProcedureMeta | None, list[Problem]]:
    r = _Reader(file)
    if not isinstance(raw, dict):
        r.problem("", "the metadata file must be a mapping (code, process_id, name, ...)")
        return None, r.problems
    for key in ("code", "process_id", "name", "limit"):
        if key not in raw:
            r.problem(key, f"'{key}' is missing")
    if r.problems:
        return None, r.problems

    limit = raw.get("limit") or {}
    days, unit = limit.get("days"), limit.get("unit")
    if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
        r.problem("limit.days", f"the time limit must be a positive whole number of days, not {days!r}")
    if unit not in LIMIT_UNITS:
        r.problem("limit.unit", f"the limit unit must be one of {', '.join(LIMIT_UNITS)}, not {unit!r}")
    source = limit.get("source", "")
    if not isinstance(source, str):
        r.problem("limit.source", "the source is text: the law, article and clause")
        source = ""
    legal = _read_limit(r, limit["legal"], "limit.legal") if limit.get("legal") is not None else None
    cases = _read_cases(r, limit.get("when"))
    limit_label = r.message(limit["label"], "limit.label") if limit.get("label") is not None else None
    if cases and limit_label is None:
        r.problem("limit.label", "with limits by application ('when'), the procedure's own limit needs a label too")
    on_supplement = limit.get("on_supplement", "resume")
    if on_supplement not in ON_SUPPLEMENT:
        r.problem(
            "limit.on_supplement", f"after a supplement the clock must 'resume' or 'restart', not {on_supplement!r}"
        )
    steps = _read_steps(r, limit.get("steps"), days if isinstance(days, int) else 0)
    fee = raw.get("fee", 0)
    if not isinstance(fee, int) or fee < 0:
        r.problem("fee", "the fee is a whole, non-negative number of đồng")

    documents = []
    for i, d in enumerate(raw.get("documents") or []):
        if not isinstance(d, dict) or not d.get("id"):
            r.problem(f"documents[{i}]", "a document needs an id and a name")
            continue
        required_if = d.get("required_if") or {}
        if not isinstance(required_if, dict):
            r.problem(f"documents[{i}]", "required_if must map an application field to a value")
            required_if = {}
        documents.append(
            Document(
                str(d["id"]),
                r.message(d.get("name"), f"documents[{i}]"),
                bool(d.get("required", False)),
                bool(d.get("original", True)),
                required_if,
                str(d.get("source") or ""),
            )
        )

    application = r.fields(raw.get("application"), "application")
    answers = {f.name: f for f in application}
    for i, doc in enumerate(documents):
        for name, value in doc.required_if.items():
            asked = answers.get(name)
            if asked is None:
                r.problem(f"documents[{i}]", f"document '{doc.id}' is required_if unknown application field '{name}'")
            elif asked.choices and not _answers(value) <= {c.value for c in asked.choices}:
                r.problem(
                    f"documents[{i}]", f"document '{doc.id}' is required_if {name} = '{value}', not one of its choices"
                )
    refusals = _read_refusals(r, raw.get("refuse_if"), {f.name for f in application})
    paths = {}
    for name, p in (raw.get("paths") or {}).items():
        path = _read_path(r, str(name), p)
        if path is not None:
            paths[str(name)] = path

    meta = ProcedureMeta(
        code=str(raw["code"]),
        process_id=str(raw["process_id"]),
        name=r.message(raw.get("name"), "name"),
        applicants=tuple(raw.get("applicants") or ()),
        limit_days=days if isinstance(days, int) else 0,
        limit_unit=unit or "",
        on_supplement=on_supplement,
        limit_source=source,
        legal_limit=legal,
        limit_cases=cases,
        limit_label=limit_label,
        refusals=refusals,
        steps=steps,
        processing_units=tuple(raw.get("processing_units") or ()),
        fee=fee if isinstance(fee, int) else 0,
        result=r.message(raw.get("result"), "result") if raw.get("result") else Message("", ""),
        documents=tuple(documents),
        application=application,
        tasks=r.tasks(raw.get("tasks")),
        paths=paths,
        purposes=r.purposes(raw.get("tasks")),
    )
    return meta, r.problems


def _read_step(r: _Reader, where: str, raw: Any) -> PathStep | None:
    kinds = [k for k in STEP_KINDS if isinstance(raw, dict) and k in raw]
    if len(kinds) != 1:
        r.problem(where, "a step is one of {task: id}, {message: name} or {wait: duration}")
        return None
    kind = kinds[0]
    data = raw.get("data") if kind == "task" else raw.get("payload")
    return PathStep(kind, str(raw[kind]), dict(data or {}))


def _read_path_steps(r: _Reader, where: str, raw: Any) -> tuple[PathStep, ...]:
    steps = [_read_step(r, f"{where}.steps[{i}]", s) for i, s in enumerate(raw or [])]
    return tuple(s for s in steps if s is not None)


def _read_shared_path(r: _Reader, name: str, raw: Any) -> SharedPath | None:
    where = f"paths.{name}"
    if not isinstance(raw, dict) or "replace" not in raw or not raw.get("steps"):
        r.problem(where, "a shared step's path needs the step it replaces (replace: {message: ...}) and steps")
        return None
    replace = _read_step(r, f"{where}.replace", raw["replace"])
    if replace is None:
        return None
    description = r.message(raw.get("description"), where) if raw.get("description") else Message(name, name)
    return SharedPath(name, description, replace, _read_path_steps(r, where, raw["steps"]))


def _read_path(r: _Reader, name: str, raw: Any) -> SimulationPath | None:
    where = f"paths.{name}"
    if not isinstance(raw, dict):
        r.problem(where, "a path needs start data, steps and expect_status")
        return None
    steps = _read_path_steps(r, where, raw.get("steps"))
    expect = raw.get("expect_status")
    if expect not in {int(s) for s in DossierStatus}:
        r.problem(where, f"expect_status must be a dossier status code 1-10, not {expect!r}")
        expect = 0
    description = r.message(raw.get("description"), where) if raw.get("description") else Message(name, name)
    expect_data = raw.get("expect_data") or {}
    if not isinstance(expect_data, dict) or not all(isinstance(k, str) and k for k in expect_data):
        r.problem(f"{where}.expect_data", "expect_data maps names in the dossier's data to the values expected")
        expect_data = {}
    for key, value in expect_data.items():
        if not isinstance(value, EXPECTED_TYPES):
            r.problem(
                f"{where}.expect_data.{key}",
                f"an expected value is a whole number, text, true/false or a date in quotes, not {value!r}",
            )
    return SimulationPath(name, description, dict(raw.get("start") or {}), tuple(steps), expect, dict(expect_data))


def _read_limit(r: _Reader, raw: Any, where: str) -> Limit | None:
    if not isinstance(raw, dict) or set(raw) - {"days", "unit", "source"}:
        r.problem(where, 'a limit is {days: N, unit: ..., source: "law, article, clause"}')
        return None
    days, unit, source = raw.get("days"), raw.get("unit"), raw.get("source", "")
    if not isinstance(days, int) or isinstance(days, bool) or days <= 0:
        r.problem(f"{where}.days", f"the time limit must be a positive whole number of days, not {days!r}")
        return None
    if unit not in LIMIT_UNITS:
        r.problem(f"{where}.unit", f"the limit unit must be one of {', '.join(LIMIT_UNITS)}, not {unit!r}")
        return None
    if not isinstance(source, str):
        r.problem(f"{where}.source", "the source is text: the law, article and clause")
        return None
    return Limit(days, unit, source)


def _read_cases(r: _Reader, raw: Any) -> tuple[LimitCase, ...]:
    """`when: [{if: "<expression on the application>", days: N, unit: ..., source: ..., label: {vi, en}}]`;
    the label, required, is what applicants see instead of the condition."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        r.problem("limit.when", "'when' is a list of {if: ..., days: ..., unit: ..., label: {vi: ..., en: ...}}")
        return ()
    cases = []
    for i, item in enumerate(raw):
        where = f"limit.when[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("if"), str) or not item["if"].strip():
            r.problem(where, "a case needs a condition on the application ('if') and its days and unit")
            continue
        refused = check_source(item["if"], "eval")
        if refused:
            r.problem(f"{where}.if", refused)
            continue
        if "label" not in item:
            r.problem(
                f"{where}.label",
                "a case needs a label saying in words which applications it is for ({vi: ..., en: ...}): "
                "applicants see it, not the condition",
            )
            continue
        label = r.message(item["label"], f"{where}.label")
        limit = _read_limit(r, {k: v for k, v in item.items() if k not in ("if", "label")}, where)
        if limit is not None:
            cases.append(LimitCase(item["if"], Limit(limit.days, limit.unit, limit.source, label)))
    return tuple(cases)


def _read_refusals(r: _Reader, raw: Any, fields: set[str]) -> tuple[Refusal, ...]:
    """`refuse_if: [{if: "<expression on the application>", field: ..., message: {vi, en}, source: ...}]`."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        r.problem("refuse_if", "'refuse_if' is a list of {if: ..., field: ..., message: ...}")
        return ()
    refusals = []
    for i, item in enumerate(raw):
        where = f"refuse_if[{i}]"
        if not isinstance(item, dict) or not isinstance(item.get("if"), str) or not item["if"].strip():
            r.problem(where, "a refusal needs a condition on the application ('if'), a field and a message")
            continue
        refused = check_source(item["if"], "eval")
        if refused:
            r.problem(f"{where}.if", refused)
            continue
        if item.get("field") not in fields:
            r.problem(f"{where}.field", f"'{item.get('field')}' is not a field of the application")
            continue
        message = r.message(item.get("message"), f"{where}.message")
        refusals.append(Refusal(item["if"], item["field"], message, str(item.get("source") or "")))
    return tuple(refusals)


def _read_steps(r: _Reader, raw: Any, days: int) -> dict[str, int]:
    """The split of the limit over the steps; by default leadership gets one day, the result's
    return none, and processing the rest."""
    if raw is None:
        approval = 1 if days > 1 else 0
        return {"processing": days - approval, "approval": approval, "payout": 0, "return": 0}
    if (
        not isinstance(raw, dict)
        or any(k not in STEPS for k in raw)
        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in raw.values())
    ):
        r.problem("limit.steps", f"the split maps steps ({', '.join(STEPS)}) to whole, non-negative days")
        return {}
    steps = {step: int(raw.get(step, 0)) for step in STEPS}
    if sum(steps.values()) != days:
        r.problem("limit.steps", f"the steps add up to {sum(steps.values())} days, the limit is {days}")
    return steps
