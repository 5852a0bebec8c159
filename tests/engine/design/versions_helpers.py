"""Versions of P02 changed the way a designer changes them, for the tests of deploys, diffs and
migrations (the catalogue itself stays as it is)."""

from __future__ import annotations

from dataclasses import replace

from engine.workflow.catalogue import Catalogue

ADDED_STEP = """    <bpmn:userTask id="second_review" name="Kiểm tra lại kết quả thẩm định">
      <bpmn:incoming>flow_review_to_second</bpmn:incoming>
      <bpmn:outgoing>flow_second_to_decision</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="withdrawal_at_second_review" cancelActivity="true" attachedToRef="second_review">
      <bpmn:outgoing>flow_withdrawal_at_second_review</bpmn:outgoing>
      <bpmn:messageEventDefinition id="withdrawal_at_second_review_definition"
          messageRef="message_withdrawal_requested">
        <bpmn:extensionElements>
          <spiffworkflow:messageVariable>withdrawal_requested</spiffworkflow:messageVariable>
        </bpmn:extensionElements>
      </bpmn:messageEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="flow_withdrawal_at_second_review" sourceRef="withdrawal_at_second_review"
        targetRef="withdrawal" />
    <bpmn:sequenceFlow id="flow_review_to_second" sourceRef="collect_review" targetRef="second_review" />
    <bpmn:sequenceFlow id="flow_second_to_decision" sourceRef="second_review" targetRef="review_decision_gateway" />
"""
# what an editor draws for it (validate wants a shape for every element)
ADDED_SHAPES = """      <bpmndi:BPMNShape id="second_review_di" bpmnElement="second_review">
        <dc:Bounds x="0" y="0" width="100" height="80" />
      </bpmndi:BPMNShape>
      <bpmndi:BPMNShape id="withdrawal_at_second_review_di" bpmnElement="withdrawal_at_second_review">
        <dc:Bounds x="40" y="62" width="36" height="36" />
      </bpmndi:BPMNShape>
""" + "".join(
    f"""      <bpmndi:BPMNEdge id="{flow}_di" bpmnElement="{flow}">
        <di:waypoint x="0" y="0" />
        <di:waypoint x="10" y="0" />
      </bpmndi:BPMNEdge>
"""
    for flow in ("flow_withdrawal_at_second_review", "flow_review_to_second", "flow_second_to_decision")
)


def with_p02(catalogue: Catalogue, text: str) -> Catalogue:
    """A catalogue of P02 alone, its diagram replaced by `text`."""
    loaded = catalogue.procedures["P02"]
    return Catalogue(
        procedures={"P02": replace(loaded, sources={**loaded.sources, "P02.bpmn": text})}, roles=catalogue.roles
    )


def p02_text(catalogue: Catalogue) -> str:
    return catalogue.procedures["P02"].sources["P02.bpmn"]


def added_review_step(catalogue: Catalogue) -> Catalogue:
    """P02 with a second review by the collection office right after the first one."""
    return with_p02(catalogue, with_second_review(p02_text(catalogue)))


def with_second_review(text: str) -> str:
    """P02's diagram text with the second review added (its form is the metadata's business)."""
    text = _swap(
        text,
        "<bpmn:outgoing>flow_review_to_decision</bpmn:outgoing>",
        "<bpmn:outgoing>flow_review_to_second</bpmn:outgoing>",
    )
    text = _swap(
        text,
        "<bpmn:incoming>flow_review_to_decision</bpmn:incoming>",
        "<bpmn:incoming>flow_second_to_decision</bpmn:incoming>",
    )
    text = _swap(
        text,
        '    <bpmn:sequenceFlow id="flow_review_to_decision" sourceRef="collect_review" '
        'targetRef="review_decision_gateway" />\n',
        ADDED_STEP,
    )
    text = _swap(
        text,
        "<bpmn:flowNodeRef>collect_review</bpmn:flowNodeRef>",
        "<bpmn:flowNodeRef>collect_review</bpmn:flowNodeRef>\n"
        "        <bpmn:flowNodeRef>second_review</bpmn:flowNodeRef>",
    )
    return _swap(text, "    </bpmndi:BPMNPlane>", ADDED_SHAPES + "    </bpmndi:BPMNPlane>")


def renamed_review(catalogue: Catalogue) -> Catalogue:
    """P02 whose review task has another name (title)."""
    return with_p02(
        catalogue,
        _swap(p02_text(catalogue), 'name="Thẩm định đăng ký, xác định mức hỗ trợ"', 'name="Xem xét đăng ký"'),
    )


def review_replaced(catalogue: Catalogue) -> Catalogue:
    """P02 whose review task has another id: a dossier waiting in the old one cannot move."""
    return with_p02(
        catalogue,
        p02_text(catalogue)
        .replace('"collect_review"', '"collect_check"')
        .replace(">collect_review<", ">collect_check<"),
    )


def _swap(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)
