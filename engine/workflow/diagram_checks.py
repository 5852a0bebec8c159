"""Checks of a procedure's diagrams that read the XML itself, before or beside SpiffWorkflow's
parser: what the diagram calls (a missing or cycling call would fail or hang at run time), whether
a dossier waiting anywhere before its result can still be withdrawn, and whether an editor can draw
every element. Each finding is a Problem(file, element id, reason) a designer can act on."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from lxml import etree

from engine.statuses import DossierStatus
from engine.workflow import safe_xml
from engine.workflow.metadata import Problem

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
WITHDRAWAL_MESSAGE = "withdrawal_requested"
WITHDRAWAL_PROCESS = "shared_withdrawal"
# the statuses in which the applicant's portal offers withdrawal (web/portal.py)
WITHDRAWABLE = {
    DossierStatus.SUBMITTED,
    DossierStatus.ACCEPTED,
    DossierStatus.PROCESSING,
    DossierStatus.SUPPLEMENT_REQUESTED,
    DossierStatus.FEE_DUE,
}
# elements a dossier stays at, waiting for an officer, a message or a timer
WAITING = {"userTask", "manualTask", "receiveTask", "intermediateCatchEvent", "eventBasedGateway"}
CONTAINERS = {"subProcess", "transaction", "callActivity"}
FLOW_NODES = (
    WAITING
    | CONTAINERS
    | {
        "startEvent",
        "endEvent",
        "intermediateThrowEvent",
        "boundaryEvent",
        "task",
        "scriptTask",
        "serviceTask",
        "sendTask",
        "businessRuleTask",
        "exclusiveGateway",
        "inclusiveGateway",
        "parallelGateway",
        "complexGateway",
    }
)
SET_STATUS = re.compile(r"\bset_status\(\s*(\d+)\s*\)")


def parse(text: str):
    """The text's root, read safely (comments and processing instructions, legal BPMN, dropped so the
    walks below meet elements only); its size was checked where it came in. Raises XMLRefused."""
    return safe_xml.parse(text, sized=False)


def local(el) -> str:
    return etree.QName(el).localname


def elements(container):
    """The element children of a node, without comments or processing instructions."""
    return (child for child in container if isinstance(child.tag, str))


@dataclass
class Diagrams:
    """The processes the diagrams of a procedure define: process id -> (source name, element)."""

    processes: dict[str, tuple[str, object]] = field(default_factory=dict)
    roots: dict[str, object] = field(default_factory=dict)  # source name -> parsed document

    @classmethod
    def of(cls, sources: Mapping[str, str]) -> Diagrams:
        found = cls()
        for name, text in sources.items():
            if name.endswith(".dmn"):
                continue
            root = parse(text)
            found.roots[name] = root
            for process in root.iter(f"{BPMN}process"):
                found.processes.setdefault(process.get("id"), (name, process))
        return found


def process_ids(text: str) -> list[str]:
    return [p.get("id") for p in parse(text).iter(f"{BPMN}process")]


def decision_ids(text: str) -> list[str]:
    return [el.get("id") for el in parse(text) if isinstance(el.tag, str) and local(el) == "decision"]


def unreachable_nodes(container) -> list[str]:
    """Flow nodes of one process or subprocess that no path from its start events reaches."""
    nodes, flows, boundary = {}, {}, {}
    for child in elements(container):  # comments and processing instructions are legal BPMN
        tag = local(child)
        if tag in FLOW_NODES:
            nodes[child.get("id")] = child
            if tag == "boundaryEvent":
                boundary.setdefault(child.get("attachedToRef"), []).append(child.get("id"))
        elif tag == "sequenceFlow":
            flows.setdefault(child.get("sourceRef"), []).append(child.get("targetRef"))
    todo = [i for i, n in nodes.items() if local(n) == "startEvent"]
    # event subprocesses start on their event, not from a flow
    todo += [i for i, n in nodes.items() if n.get("triggeredByEvent") == "true"]
    seen: set[str] = set()
    while todo:
        node_id = todo.pop()
        if node_id in seen:
            continue
        seen.add(node_id)
        todo += flows.get(node_id, []) + boundary.get(node_id, [])
    return [i for i in nodes if i not in seen]


# --- what the diagram calls ----------------------------------------------------------------------


def check_calls(diagrams: Diagrams, process_id: str, shown: Callable[[str], str]) -> tuple[list[Problem], set[str]]:
    """Every call activity reachable from the procedure's process must call a process some diagram
    defines, and no process may call itself (directly or through others): SpiffWorkflow would then
    unfold it forever. Returns the problems and the source names the procedure uses."""
    problems: list[Problem] = []
    used: set[str] = set()
    reported: set[str] = set()

    def visit(pid: str, chain: list[str]) -> None:
        name, process = diagrams.processes[pid]
        used.add(name)
        for call in process.iter(f"{BPMN}callActivity"):
            called, element = call.get("calledElement") or "", call.get("id", "")
            if element in reported:
                continue
            if called not in diagrams.processes:
                reported.add(element)
                known = sorted(p for p in diagrams.processes if p != pid)
                listing = f" (processes defined: {', '.join(known)})" if len(known) <= 12 else ""
                problems.append(
                    Problem(
                        shown(name),
                        element,
                        f"call activity {element} calls process '{called}', which no diagram defines{listing}",
                    )
                )
            elif called in chain:
                reported.add(element)
                cycle = " -> ".join([*chain[chain.index(called) :], called])
                problems.append(
                    Problem(
                        shown(name),
                        element,
                        f"call activity {element} calls process '{called}', which is already running it: the call "
                        f"cycle {cycle} would never end; a process cannot call itself, directly or through others",
                    )
                )
            elif diagrams.processes[called][1].get("isExecutable") == "false":
                reported.add(element)
                problems.append(
                    Problem(
                        shown(name),
                        element,
                        f"call activity {element} calls process '{called}', which is not executable "
                        f'(isExecutable="false" in {shown(diagrams.processes[called][0])})',
                    )
                )
            else:
                visit(called, [*chain, called])

    if process_id not in diagrams.processes:
        return problems, used
    visit(process_id, [process_id])
    return problems, used


# --- withdrawal ----------------------------------------------------------------------------------


def check_withdrawal(diagrams: Diagrams, process_id: str, shown: Callable[[str], str]) -> list[Problem]:
    """A dossier may be withdrawn while its status is one of WITHDRAWABLE: the portal delivers the
    message 'withdrawal_requested', which an interrupting boundary event on the step the dossier
    waits at catches, leading to the withdrawal step. So every waiting point of the procedure's
    process reached before a script sets a status outside WITHDRAWABLE needs that boundary event
    (on a call activity or subprocess it covers every step inside)."""
    if process_id not in diagrams.processes:
        return []
    name, process = diagrams.processes[process_id]
    root = diagrams.roots[name]
    withdrawal_messages = {m.get("id") for m in root.iter(f"{BPMN}message") if m.get("name") == WITHDRAWAL_MESSAGE}
    nodes = {el.get("id"): el for el in elements(process) if local(el) in FLOW_NODES}
    flows: dict[str, list[str]] = {}
    for el in elements(process):
        if local(el) == "sequenceFlow":
            flows.setdefault(el.get("sourceRef"), []).append(el.get("targetRef"))
    catches: dict[str, bool] = {}  # element id -> a withdrawal boundary event is attached
    boundaries: dict[str, list[str]] = {}  # element id -> its other boundary events, which lead on
    for node_id, el in nodes.items():
        if local(el) != "boundaryEvent":
            continue
        if _is_withdrawal(el, withdrawal_messages) and el.get("cancelActivity") != "false":
            catches[el.get("attachedToRef")] = True
        else:
            boundaries.setdefault(el.get("attachedToRef"), []).append(node_id)

    problems: list[Problem] = []
    todo = [i for i, el in nodes.items() if local(el) == "startEvent"]
    seen: set[str] = set()
    while todo:
        node_id = todo.pop()
        if node_id in seen or node_id not in nodes:
            continue
        seen.add(node_id)
        el = nodes[node_id]
        tag = local(el)
        if tag == "scriptTask" and _leaves_withdrawable(el):
            continue  # from here on the dossier has its result: no withdrawal
        reason = _withdrawal_missing(tag, el, node_id, catches, diagrams, nodes, flows, withdrawal_messages)
        if reason:
            problems.append(Problem(shown(name), node_id, reason))
        todo += flows.get(node_id, []) + boundaries.get(node_id, [])
    return problems


def _is_withdrawal(event, withdrawal_messages: set[str]) -> bool:
    return any(d.get("messageRef") in withdrawal_messages for d in event.iter(f"{BPMN}messageEventDefinition"))


def _leaves_withdrawable(script_task) -> bool:
    script = script_task.find(f"{BPMN}script")
    codes = SET_STATUS.findall(script.text or "") if script is not None else []
    return any(int(code) not in WITHDRAWABLE for code in codes)


ADD_BOUNDARY = (
    "it has no withdrawal boundary event; "
    f"attach an interrupting message boundary event for the message '{WITHDRAWAL_MESSAGE}' to it, with a flow "
    f"to the withdrawal step (a call activity of {WITHDRAWAL_PROCESS}), as P02's collect_review has"
)


def _withdrawal_missing(tag, el, node_id, catches, diagrams, nodes, flows, withdrawal_messages) -> str:
    if catches.get(node_id):
        return ""
    what = {"userTask": "user task", "manualTask": "manual task", "receiveTask": "receive task"}.get(tag)
    if what:
        return f"a dossier waiting at this {what} cannot be withdrawn: {ADD_BOUNDARY}"
    if tag in CONTAINERS and _waits_inside(el, diagrams, set()):
        what = "call activity" if tag == "callActivity" else "subprocess"
        return f"a dossier waiting in this {what} cannot be withdrawn: {ADD_BOUNDARY}"
    if tag == "eventBasedGateway":
        after = [nodes.get(t) for t in flows.get(node_id, [])]
        if not any(a is not None and _is_withdrawal(a, withdrawal_messages) for a in after):
            return (
                "a dossier waiting at this event-based gateway cannot be withdrawn: add a message catch event for "
                f"'{WITHDRAWAL_MESSAGE}' after it, leading to the withdrawal step ({WITHDRAWAL_PROCESS})"
            )
    if tag == "intermediateCatchEvent" and not _is_withdrawal(el, withdrawal_messages):
        return (
            "a dossier waiting at this event cannot be withdrawn: put it behind an event-based gateway that also "
            f"waits for the message '{WITHDRAWAL_MESSAGE}', leading to the withdrawal step ({WITHDRAWAL_PROCESS})"
        )
    return ""


def _waits_inside(container, diagrams: Diagrams, seen: set[str]) -> bool:
    """Whether a dossier can wait somewhere inside a subprocess or the process a call activity calls."""
    if local(container) == "callActivity":
        called = container.get("calledElement") or ""
        if called in seen or called not in diagrams.processes:
            return False
        seen.add(called)
        container = diagrams.processes[called][1]
    for el in elements(container):
        tag = local(el)
        if tag in WAITING or (tag in CONTAINERS and _waits_inside(el, diagrams, seen)):
            return True
    return False


# --- drawing -------------------------------------------------------------------------------------


def check_shapes(root, file: str) -> list[Problem]:
    """In a drawn diagram (one with bpmndi), every flow element has its shape or edge: an editor
    cannot show one without it. (A diagram with no drawing at all, written by hand, is left alone.)"""
    drawn = {el.get("bpmnElement") for el in root.iter(f"{BPMNDI}BPMNShape", f"{BPMNDI}BPMNEdge")}
    if not drawn:
        return []
    problems = []
    for container in root.iter(f"{BPMN}process", f"{BPMN}subProcess", f"{BPMN}transaction"):
        for el in elements(container):
            tag = local(el)
            if (tag in FLOW_NODES or tag == "sequenceFlow") and el.get("id") not in drawn:
                kind = "BPMNEdge" if tag == "sequenceFlow" else "BPMNShape"
                problems.append(
                    Problem(file, el.get("id", ""), f"has no shape in the diagram ({kind}): an editor cannot show it")
                )
    return problems
