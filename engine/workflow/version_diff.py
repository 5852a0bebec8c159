"""What changed between two versions of a procedure: their diagrams element by element (every
source: the main diagram and what it calls) and their metadata as key paths. Plain data, for the
CLI and for a page that colours the diagram."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree
from sqlalchemy.orm import Session

from engine.workflow.version_log import version_row

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF = "http://spiffworkflow.org/bpmn/schema/1.0/core"
# elements compared one by one (a diagram's shapes and documentation are not)
_COMPARED = {
    "startEvent",
    "endEvent",
    "intermediateCatchEvent",
    "intermediateThrowEvent",
    "boundaryEvent",
    "task",
    "userTask",
    "manualTask",
    "scriptTask",
    "serviceTask",
    "sendTask",
    "receiveTask",
    "businessRuleTask",
    "callActivity",
    "subProcess",
    "transaction",
    "exclusiveGateway",
    "inclusiveGateway",
    "parallelGateway",
    "eventBasedGateway",
    "sequenceFlow",
}
# no entities, no network, no huge trees: stored sources were checked once, but stay careful
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True)
_SHOWN = 200  # longest value text a change shows


@dataclass(frozen=True)
class Element:
    id: str
    type: str  # the BPMN element: userTask, sequenceFlow, ...
    name: str
    file: str


@dataclass(frozen=True)
class FieldChange:
    field: str  # name, lane, incoming, outgoing, condition, script, timer, message, called process, ...
    before: str
    after: str


@dataclass(frozen=True)
class ChangedElement:
    element: Element  # as in version B
    changes: list[FieldChange]


@dataclass(frozen=True)
class MetaChange:
    path: str  # e.g. tasks.collect_review.fields[2].required
    before: str | None  # None: added in B
    after: str | None  # None: removed in B


@dataclass
class VersionDiff:
    code: str
    a: int
    b: int
    added: list[Element] = field(default_factory=list)
    removed: list[Element] = field(default_factory=list)
    changed: list[ChangedElement] = field(default_factory=list)
    metadata: list[MetaChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed or self.metadata)


def diff_versions(session: Session, code: str, a: int, b: int) -> VersionDiff:
    """Version `a` against version `b` of a procedure (numbers); NotFound names the versions it has."""
    old, new = version_row(session, code, a), version_row(session, code, b)
    diff = VersionDiff(code, a, b)
    before, after = elements_of(old.sources), elements_of(new.sources)
    diff.added = [after[i][0] for i in after if i not in before]
    diff.removed = [before[i][0] for i in before if i not in after]
    for element_id in after:
        if element_id in before:
            changes = [
                FieldChange(name, _text(before[element_id][1].get(name)), _text(after[element_id][1].get(name)))
                for name in dict.fromkeys([*before[element_id][1], *after[element_id][1]])
                if before[element_id][1].get(name) != after[element_id][1].get(name)
            ]
            if before[element_id][0].type != after[element_id][0].type:
                changes.insert(0, FieldChange("type", before[element_id][0].type, after[element_id][0].type))
            if changes:
                diff.changed.append(ChangedElement(after[element_id][0], changes))
    old_paths, new_paths = dict(_flatten(old.meta)), dict(_flatten(new.meta))
    for path in dict.fromkeys([*old_paths, *new_paths]):
        if old_paths.get(path, _MISSING) != new_paths.get(path, _MISSING):
            diff.metadata.append(
                MetaChange(
                    path,
                    _text(old_paths[path]) if path in old_paths else None,
                    _text(new_paths[path]) if path in new_paths else None,
                )
            )
    return diff


def elements_of(sources: dict[str, str]) -> dict[str, tuple[Element, dict[str, Any]]]:
    """Every compared element of the BPMN sources by id, with the facts a change is read from."""
    found: dict[str, tuple[Element, dict[str, Any]]] = {}
    for file, text in sorted(sources.items()):
        if not file.endswith(".bpmn"):
            continue
        root = etree.fromstring(text.encode("utf-8"), _PARSER)
        messages = {m.get("id"): m.get("name") or m.get("id") for m in root.iter(f"{{{BPMN}}}message")}
        lanes = {
            ref.text.strip(): lane.get("name") or lane.get("id")
            for lane in root.iter(f"{{{BPMN}}}lane")
            for ref in lane.findall(f"{{{BPMN}}}flowNodeRef")
            if ref.text
        }
        boundaries: dict[str, list[str]] = {}
        for event in root.iter(f"{{{BPMN}}}boundaryEvent"):
            boundaries.setdefault(event.get("attachedToRef", ""), []).append(event.get("id"))
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            qname = etree.QName(el)
            if qname.namespace != BPMN or qname.localname not in _COMPARED or not el.get("id"):
                continue
            element = Element(el.get("id"), qname.localname, el.get("name") or "", file)
            found[element.id] = (element, _facts(el, lanes, messages, boundaries))
    return found


def _facts(el, lanes, messages, boundaries) -> dict[str, Any]:
    def texts(path: str) -> list[str]:
        return [(t.text or "").strip() for t in el.iterfind(path, {"b": BPMN, "s": SPIFF})]

    facts: dict[str, Any] = {
        "name": el.get("name") or "",
        "lane": lanes.get(el.get("id")),
        "incoming": sorted(texts("b:incoming")),
        "outgoing": sorted(texts("b:outgoing")),
        "condition": " ".join(texts("b:conditionExpression")) or None,
        "default flow": el.get("default"),
        "script": "\n".join(texts("b:script")) or None,
        "pre-script": "\n".join(texts("b:extensionElements/s:preScript")) or None,
        "post-script": "\n".join(texts("b:extensionElements/s:postScript")) or None,
        "decision table": "\n".join(texts("b:extensionElements/s:calledDecisionId")) or None,
        "timer": " ".join(texts(".//b:timeDuration") + texts(".//b:timeDate") + texts(".//b:timeCycle")) or None,
        "message": " ".join(
            messages.get(d.get("messageRef"), d.get("messageRef") or "")
            for d in el.iterfind("b:messageEventDefinition", {"b": BPMN})
        )
        or None,
        "called process": el.get("calledElement"),
        "boundary events": sorted(boundaries.get(el.get("id"), [])),
        "attached to": el.get("attachedToRef"),
        "interrupting": el.get("cancelActivity"),
        "source": el.get("sourceRef"),
        "target": el.get("targetRef"),
    }
    return {k: v for k, v in facts.items() if v not in (None, [], "")} | {"name": facts["name"]}


_MISSING = object()


def _flatten(value: Any, path: str = ""):
    """(key path, leaf value) pairs: tasks.collect_review.fields[0].name."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _flatten(item, f"{path}[{index}]")
    else:
        yield path, value


def _text(value: Any) -> str:
    if value is None:
        return ""
    text = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return text if len(text) <= _SHOWN else text[: _SHOWN - 1] + "…"
