"""Importing a diagram written with another tool (Camunda Modeler, bpmn.io, spiff-arena, ...).

The foreign file is read safely (engine/workflow/safe_xml.py) and compared with what Motcua runs:
lanes that name officer roles, user tasks with forms in the metadata and a withdrawal boundary
event, scripts and conditions the script policy accepts, call activities to known processes, a
shape for every element. Everything that must change is listed against its element; what can be
changed without a decision (the process id, Camunda's settings, manual tasks, a lane named exactly
like a role) is changed in the draft and listed as changed. The draft diagram and a skeleton of
its metadata (form stubs, a path stub) are then checked by `motcua procedures validate`.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.config import Settings
from engine.workflow import safe_xml
from engine.workflow.scripting import check_source

BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI_NS = "http://www.omg.org/spec/BPMN/20100524/DI"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
WITHDRAWAL_MESSAGE = "withdrawal_requested"
CODE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,31}$")  # a file stem and an XML id alike
ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")

# flow elements: what Motcua runs, and what it does not (with what to use instead)
RUN = {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
RUN |= {"userTask", "scriptTask", "businessRuleTask", "callActivity", "subProcess", "task"}
RUN |= {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway"}
NOT_RUN = {
    "serviceTask": "Motcua runs no service tasks; use a script task that calls an engine function, or "
    "send(kind, ...) to have the outbox deliver something outside",
    "sendTask": "Motcua runs no send tasks; use a script task that calls send(kind, ...) (the outbox delivers it)",
    "receiveTask": "Motcua runs no receive tasks; wait for news from outside with a message catch event "
    "(or a boundary event) whose message the engine delivers by name",
    "transaction": "Motcua runs no transactions (compensation is not supported); use an embedded subprocess",
    "adHocSubProcess": "Motcua runs no ad-hoc subprocesses; draw the order of the steps",
    "complexGateway": "Motcua runs no complex gateways; use exclusive, inclusive or parallel gateways",
}
FLOW_TAGS = RUN | set(NOT_RUN) | {"manualTask"}
# Camunda form field types as Motcua's
CAMUNDA_TYPES = {"string": "text", "long": "integer", "boolean": "boolean", "date": "date", "enum": "choice"}


def q(tag: str, ns: str = BPMN_NS) -> str:
    return f"{{{ns}}}{tag}"


def local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


@dataclass(frozen=True)
class ImportItem:
    element: str  # the element's id; "" for the file as a whole
    message: str
    changed: bool = False  # True: already changed in the draft, listed so the designer knows

    def __str__(self) -> str:
        prefix = "changed in the draft: " if self.changed else ""
        return f"{self.element or '(file)'}: {prefix}{self.message}"


@dataclass
class ImportReport:
    code: str
    items: list[ImportItem] = field(default_factory=list)
    draft_bpmn: str | None = None  # None: the file could not be read at all (items say why)
    draft_yaml: str | None = None

    @property
    def to_change(self) -> list[ImportItem]:
        return [i for i in self.items if not i.changed]


def shared_process_ids(bpmn_dir: Path) -> set[str]:
    """The ids of the processes of the shared steps (bpmn/shared/), the call activities' targets."""
    found = set()
    for path in sorted((bpmn_dir / "shared").glob("*.bpmn")):
        try:
            root = safe_xml.parse(safe_xml.read_text(path))
        except safe_xml.XMLRefused:
            continue  # `procedures validate` reports it
        found |= {p.get("id") for p in root.iter(q("process")) if p.get("id")}
    return found


def import_report(
    bpmn_bytes: bytes, roles: Mapping[str, Mapping[str, str]], code: str, known_processes: Collection[str] | None = None
) -> ImportReport:
    """What must change for Motcua to run this diagram, element by element, with a draft diagram
    and a skeleton of its metadata; `known_processes` are the call activities' possible targets
    (by default the shared steps of the catalogue)."""
    report = ImportReport(code)
    if not CODE.fullmatch(code or ""):
        report.items.append(ImportItem("", f"the code {code!r} must start with a letter, then letters, digits or _"))
        return report
    try:
        root = safe_xml.parse(bpmn_bytes)
    except safe_xml.XMLRefused as err:
        report.items.append(ImportItem("", f"cannot read the file: {err}"))
        return report
    if root.tag != q("definitions"):
        ns = etree.QName(root).namespace or "no namespace"
        report.items.append(
            ImportItem("", f"not a BPMN 2.0 diagram: the document is <{local(root)}> ({ns}), not <bpmn:definitions>")
        )
        return report
    processes = root.findall(q("process"))
    if not processes:
        report.items.append(ImportItem("", "the file holds no process"))
        return report
    if known_processes is None:
        known_processes = shared_process_ids(Settings.from_env().bpmn_dir)

    importer = _Importer(root, roles, code, set(known_processes), report.items)
    report.draft_bpmn = importer.draft_bpmn()
    report.draft_yaml = importer.draft_yaml()
    return report


class _Importer:
    def __init__(self, root, roles, code, known_processes, items: list[ImportItem]):
        self.root, self.roles, self.code, self.items = root, roles, code, items
        self.forms: dict[str, list[dict]] = {}  # user task id -> field stubs
        self.names: dict[str, str] = {}  # user task id -> its name
        self.process = self._choose_process()
        self.lane_roles: list[str] = []
        self._rename_process(known_processes)
        self._check_lanes()
        self._check_elements()
        self._check_shapes()
        self._strip_camunda()
        self._check_spiffworkflow_reads_it()

    def add(self, element: str | None, message: str, changed: bool = False) -> None:
        self.items.append(ImportItem(element or "", message, changed))

    # --- processes, collaboration --------------------------------------------------------------

    def _choose_process(self):
        processes = self.root.findall(q("process"))
        executable = [p for p in processes if p.get("isExecutable") == "true"]
        process = executable[0] if executable else processes[0]
        if len(processes) > 1:
            dropped = [p.get("id", "?") for p in processes if p is not process]
            self.add(
                process.get("id"),
                f"the file holds {len(processes)} processes; Motcua runs one per procedure: this one is kept, "
                f"{', '.join(dropped)} dropped (a step many procedures share is a call activity to a shared step)",
                changed=True,
            )
            for other in processes:
                if other is not process:
                    self._drop(other)
        collaboration = self.root.find(q("collaboration"))
        if collaboration is not None:
            participants = collaboration.findall(q("participant"))
            flows = collaboration.findall(q("messageFlow"))
            if len(participants) > 1 or flows:
                self.add(
                    collaboration.get("id"),
                    f"a collaboration of {len(participants)} pools and {len(flows)} message flow(s): Motcua runs one "
                    "pool; news from outside arrives as a message by name (a message catch or boundary event), "
                    "so the other pools and the message flows are dropped",
                    changed=True,
                )
                for el in participants + flows:
                    if el.get("processRef") != process.get("id"):
                        self._drop(el)
        if process.get("isExecutable") != "true":
            self.add(process.get("id"), "the process was not executable; it is marked executable", changed=True)
            process.set("isExecutable", "true")
        return process

    def _drop(self, el) -> None:
        """Remove an element and the shapes that draw it and what it holds."""
        ids = {e.get("id") for e in el.iter() if isinstance(e.tag, str) and e.get("id")}
        el.getparent().remove(el)
        for shape in list(self.root.iter(q("BPMNShape", BPMNDI_NS), q("BPMNEdge", BPMNDI_NS))):
            if shape.get("bpmnElement") in ids:
                shape.getparent().remove(shape)

    def _rename_process(self, known_processes: set[str]) -> None:
        old = self.original_id = self.process.get("id")
        self.known = known_processes | {old, self.code}
        if old == self.code:
            return
        self.process.set("id", self.code)
        for el in self.root.iter(q("participant"), q("callActivity")):
            for attr in ("processRef", "calledElement"):
                if el.get(attr) == old:
                    el.set(attr, self.code)
        self.add(old, f"the process id is now the procedure's code, {self.code}", changed=True)

    # --- lanes ----------------------------------------------------------------------------------

    def _role_names(self) -> str:
        return ", ".join(f"{code} ({names.get('en', code)})" for code, names in self.roles.items())

    def _closest_role(self, name: str) -> tuple[str | None, bool]:
        """(role code, exact) for a lane's name: exact when it is a role's code or name, else the
        closest by spelling, if any is close."""
        wanted = " ".join(name.lower().split())
        candidates: dict[str, str] = {}
        for code, names in self.roles.items():
            for text in (code, names.get("vi", ""), names.get("en", "")):
                if text:
                    candidates[" ".join(text.lower().split())] = code
        if wanted in candidates:
            return candidates[wanted], True
        close = difflib.get_close_matches(wanted, list(candidates), n=1, cutoff=0.6)
        return (candidates[close[0]], False) if close else (None, False)

    def _check_lanes(self) -> None:
        lanes = list(self.process.iter(q("lane")))
        self.in_lane: set[str] = set()
        if not lanes:
            self.add(
                self.code,
                f"no lanes: every user task must sit in a lane named for the officer role that does it "
                f"({self._role_names()})",
            )
            return
        for lane in lanes:
            self.in_lane |= {(ref.text or "").strip() for ref in lane.findall(q("flowNodeRef"))}
            name = (lane.get("name") or "").strip()
            if name in self.roles:
                self.lane_roles.append(name)
                continue
            role, exact = self._closest_role(name)
            if exact and role:
                lane.set("name", role)
                self.lane_roles.append(role)
                self.add(lane.get("id"), f"lane '{name}' is named by its role's code, '{role}'", changed=True)
            elif role:
                self.add(
                    lane.get("id"),
                    f"lane '{name}' is not an officer role; did you mean '{role}' "
                    f"({self.roles[role].get('vi', '')} / {self.roles[role].get('en', '')})? "
                    "A lane's name is a role code from workflows/roles.yaml",
                )
            else:
                self.add(
                    lane.get("id"),
                    f"lane '{name}' is not an officer role; name it with a role code: {self._role_names()}",
                )

    # --- flow elements --------------------------------------------------------------------------

    def _check_elements(self) -> None:
        boundary = self._withdrawal_boundaries()
        for el in list(self.process.iter()):
            tag = local(el)
            element = el.get("id", "")
            if tag in NOT_RUN:
                operator = el.find(f".//{q('serviceTaskOperator', SPIFF_NS)}")
                detail = f" (operator '{operator.get('id')}')" if operator is not None else ""
                detail += f" (camunda:class {el.get(q('class', CAMUNDA_NS))})" if el.get(q("class", CAMUNDA_NS)) else ""
                self.add(element, f"{tag}{detail}: {NOT_RUN[tag]}")
            elif tag == "manualTask":
                el.tag = q("userTask")
                self.add(
                    element,
                    "a manual task is an officer's work: it is now a user task; give it a form and a lane",
                    changed=True,
                )
                tag = "userTask"
            elif tag == "task":
                self.add(
                    element,
                    "a task without a type does nothing when a dossier passes it; make it a user "
                    "task (an officer's work) or a script task",
                )
            if tag == "userTask":
                self._check_user_task(el, boundary)
            elif tag == "scriptTask":
                self._check_script(el)
            elif tag == "callActivity":
                called = el.get("calledElement")
                if called == self.code:
                    self.add(element, "the call activity calls its own process: a dossier would never end")
                elif called not in self.known:
                    shared = ", ".join(sorted(self.known - {self.code, self.original_id}))
                    self.add(
                        element, f"calls process '{called}', which is neither a shared step ({shared}) nor this one"
                    )
            elif tag == "sequenceFlow":
                condition = el.find(q("conditionExpression"))
                if condition is not None and (condition.text or "").strip():
                    self._check_expression(element, "condition", condition.text.strip())
            elif tag == "exclusiveGateway" and len(el.findall(q("outgoing"))) > 1 and not el.get("default"):
                self.add(
                    element, "exclusive gateway without a default flow: when no condition matches, the dossier stops"
                )
            elif tag == "timerEventDefinition":
                self._check_timer(el)

    def _check_user_task(self, el, boundary: set[str]) -> None:
        element = el.get("id", "")
        self.names[element] = el.get("name") or element
        holders = {element} | {a.get("id") for a in el.iterancestors(q("subProcess"))}  # a subprocess's lane counts
        if self.in_lane and not holders & self.in_lane:
            self.add(element, "user task is not in a lane; put it in the lane of the role that does it")
        fields = self._camunda_form(el)
        self.forms[element] = fields
        if fields:
            self.add(
                element,
                f"its {len(fields)} Camunda form field(s) are stubs under tasks.{element} in {self.code}.yaml: "
                "give each a Vietnamese and English label and check its type",
            )
        else:
            self.add(
                element,
                f"user task without form fields: fill in tasks.{element} in {self.code}.yaml (a stub is there)",
            )
        if element not in boundary:
            self.add(
                element,
                f"no withdrawal boundary event: add an interrupting message boundary event on '{WITHDRAWAL_MESSAGE}' "
                f"(id withdrawal_at_{element}) leading to a call activity of shared_withdrawal, as bpmn/P02.bpmn does",
            )

    def _withdrawal_boundaries(self) -> set[str]:
        """The elements an interrupting boundary event on the withdrawal message is attached to."""
        messages = {m.get("id"): m.get("name") for m in self.root.iter(q("message"))}
        attached = set()
        for event in self.process.iter(q("boundaryEvent")):
            definition = event.find(q("messageEventDefinition"))
            if (
                definition is not None
                and messages.get(definition.get("messageRef")) == WITHDRAWAL_MESSAGE
                and event.get("cancelActivity", "true") != "false"
            ):
                attached.add(event.get("attachedToRef"))
        return attached

    def _camunda_form(self, el) -> list[dict]:
        fields = []
        for form_field in el.iter(q("formField", CAMUNDA_NS)):
            kind = CAMUNDA_TYPES.get(form_field.get("type", ""), "text")
            stub = {"name": form_field.get("id") or "field", "type": kind, "required": False}
            stub["label"] = {"vi": "", "en": form_field.get("label") or form_field.get("id") or ""}
            if kind == "choice":
                values = [v.get("id") for v in form_field.iter(q("value", CAMUNDA_NS)) if v.get("id")]
                stub["choices"] = values or ["yes", "no"]
            fields.append(stub)
        return fields

    def _check_script(self, el) -> None:
        element = el.get("id", "")
        language = (el.get("scriptFormat") or "python").lower()
        script = el.find(q("script"))
        if language not in ("python", "py"):
            self.add(element, f"a {language} script: Motcua runs Python scripts under its script policy; rewrite it")
            return
        if script is None or not (script.text or "").strip():
            self.add(element, "script task without a script (an external resource is not read); write the script")
            return
        reason = check_source(script.text, "exec")
        if reason:
            self.add(element, f"script refused: {reason}")

    def _check_expression(self, element: str, what: str, text: str) -> None:
        if text.startswith(("${", "#{")) and text.endswith("}"):
            self.add(element, f"{what} '{text}' is a Camunda (JUEL) expression; write it in Python: {text[2:-1]}")
            return
        reason = check_source(text, "eval")
        if reason:
            self.add(element, f"{what} refused: {reason}")

    def _check_timer(self, definition) -> None:
        event = definition.getparent()
        element = event.get("id", "")
        for kind in ("timeDuration", "timeDate", "timeCycle"):
            expression = definition.find(q(kind))
            if expression is None:
                continue
            text = (expression.text or "").strip()
            if kind == "timeCycle":
                self.add(element, "cycle timers are not supported; use a duration or a date")
            elif ISO_DURATION.fullmatch(text):
                expression.text = repr(text)
                self.add(element, f"timer {text} is an expression in Motcua: now '{text}', in quotes", changed=True)
            else:
                self._check_expression(element, "timer expression", text)

    # --- shapes, Camunda's settings -------------------------------------------------------------

    def _check_shapes(self) -> None:
        drawn = {s.get("bpmnElement") for s in self.root.iter(q("BPMNShape", BPMNDI_NS), q("BPMNEdge", BPMNDI_NS))}
        if self.root.find(q("BPMNDiagram", BPMNDI_NS)) is None:
            self.add("", "the file has no diagram (no bpmndi shapes): lay the process out in a modeler")
            return
        for el in self.process.iter():
            if local(el) in FLOW_TAGS | {"sequenceFlow", "lane"} and el.get("id") not in drawn:
                self.add(el.get("id"), "has no shape in the diagram: the modeler cannot show it; draw it")

    def _strip_camunda(self) -> None:
        for el in list(self.root.iter()):
            if not isinstance(el.tag, str) or etree.QName(el).namespace == CAMUNDA_NS:
                continue  # (Camunda's own elements go with their parent)
            removed = [etree.QName(a).localname for a in el.attrib if etree.QName(a).namespace == CAMUNDA_NS]
            for attr in [a for a in el.attrib if etree.QName(a).namespace == CAMUNDA_NS]:
                del el.attrib[attr]
            for child in [c for c in el if isinstance(c.tag, str) and etree.QName(c).namespace == CAMUNDA_NS]:
                removed.append(etree.QName(child).localname)
                el.remove(child)
            if local(el) == "extensionElements" and len(el) == 0:
                el.getparent().remove(el)
            if removed and el.get("id"):
                hint = ""
                if "assignee" in removed or "candidateGroups" in removed or "candidateUsers" in removed:
                    hint = "; who does a task is the role of its lane"
                self.add(
                    el.get("id"),
                    f"Camunda settings removed ({', '.join(sorted(set(removed)))}): they mean nothing to Motcua{hint}",
                    changed=True,
                )
        etree.cleanup_namespaces(self.root)

    def _check_spiffworkflow_reads_it(self) -> None:
        """What SpiffWorkflow's own parser refuses in the draft (its BPMN schema, its rules), unless
        the element is listed already; it stops at the first, so there is at most one."""
        parser = SpiffBpmnParser(validator=VALIDATOR)
        try:
            parser.add_bpmn_xml(self.root, filename=f"{self.code}.bpmn")
            parser.get_spec(self.code)
        except ValidationException as err:
            element = err.id or self._element_at(err.line_number)
            if not any(i.element == element and element for i in self.items):
                line = f" (line {err.line_number})" if err.line_number else ""
                reason = str(err).splitlines()[0].replace(f"{{{BPMN_NS}}}", "bpmn:")
                self.add(element, f"SpiffWorkflow cannot run it{line}: {reason}")
        except Exception as err:  # a foreign diagram may break the parser in ways it does not name
            self.add("", f"SpiffWorkflow cannot read it: {err}")

    def _element_at(self, line) -> str:
        """The id of the element written on this line of the file, or of the one holding it."""
        for el in self.root.iter():
            if isinstance(el.tag, str) and el.sourceline == line:
                holder = next((a for a in (el, *el.iterancestors()) if a.get("id")), None)
                return holder.get("id") if holder is not None else ""
        return ""

    # --- the drafts -----------------------------------------------------------------------------

    def draft_bpmn(self) -> str:
        return etree.tostring(self.root, xml_declaration=True, encoding="UTF-8").decode("utf-8") + "\n"

    def _user_tasks_in_order(self) -> list[str]:
        """The user tasks from the start event along the flows (default flows first)."""
        flows: dict[str, list[str]] = {}
        for flow in self.process.iter(q("sequenceFlow")):
            flows.setdefault(flow.get("sourceRef"), []).append(flow.get("targetRef"))
        starts = [e.get("id") for e in self.process.findall(q("startEvent"))]
        order, seen, todo = [], set(), list(starts)
        while todo:
            node = todo.pop(0)
            if node in seen:
                continue
            seen.add(node)
            if node in self.forms:
                order.append(node)
            todo += flows.get(node, [])
        return order + [t for t in self.forms if t not in order]

    def draft_yaml(self) -> str:
        s = json.dumps  # a JSON string is a YAML double-quoted scalar

        participant = self.root.find(f"{q('collaboration')}/{q('participant')}")
        title = self.process.get("name") or (participant.get("name") if participant is not None else "") or self.code
        lines = [
            "# Imported by `motcua procedures import`: fill in what is empty (every Vietnamese text, the limit,",
            "# the forms, the paths), then run `motcua procedures validate` on the diagram beside this file.",
            f"code: {self.code}",
            f"process_id: {self.code}",
            f'name: {{vi: "", en: {s(title, ensure_ascii=False)}}}',
            "applicants: [individual]",
            "limit: {days: 0, unit: working}  # the legal time limit",
            f"processing_units: [{', '.join(sorted(set(self.lane_roles)))}]",
            "fee: 0",
            "documents: []",
            "application:",
            "  - {name: full_name, type: text, required: true, max_length: 200,",
            '     label: {vi: "Họ và tên", en: "Full name"}}',
            "tasks:" if self.forms else "tasks: {}",
        ]
        for task, fields in self.forms.items():
            lines += [f"  {task}:  # {self.names.get(task, task)}", "    fields:"]
            stubs = fields or [
                {
                    "name": "decision",
                    "type": "choice",
                    "required": True,
                    "label": {"vi": "", "en": self.names.get(task, task)},
                    "choices": ["done"],
                }
            ]
            lines += [f"      - {json.dumps(f, ensure_ascii=False)}" for f in stubs]
        order = self._user_tasks_in_order()
        lines += [
            "paths:",
            "  main:",
            '    description: {vi: "", en: "The main path"}',
            '    start: {full_name: "Nguyễn Văn An"}',
            "    steps:  # the tasks in the order a dossier meets them, each with the values it is completed with",
        ]
        lines += [f"      - {{task: {t}, data: {{}}}}" for t in order] or ["      []"]
        lines += ["    expect_status: 10  # the status the path ends in (10: result returned)", ""]
        return "\n".join(lines)
