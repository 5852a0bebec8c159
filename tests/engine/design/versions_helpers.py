"""Versions of P02 changed the way a designer changes them, for the tests of deploys, diffs and
migrations (the catalogue itself stays as it is)."""

from __future__ import annotations

from dataclasses import replace

from engine.workflow.catalogue import Catalogue

ADDED_STEP = """    <bpmn:userTask id="second_review" name="Kiểm tra lại kết quả thẩm định">
      <bpmn:incoming>flow_review_to_second</bpmn:incoming>
      <bpmn:outgoing>flow_second_to_decision</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="flow_review_to_second" sourceRef="collect_review" targetRef="second_review" />
    <bpmn:sequenceFlow id="flow_second_to_decision" sourceRef="second_review" targetRef="review_decision_gateway" />
"""


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
    text = p02_text(catalogue)
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
    return with_p02(catalogue, text)


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
