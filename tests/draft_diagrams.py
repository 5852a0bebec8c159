"""Drafts a process designer writes: P02's diagram and metadata copied into a folder of the test's
own and edited one thing at a time, the way the checks of `motcua procedures validate` meet them."""

from __future__ import annotations

import shutil
from pathlib import Path

from lxml import etree

from engine.config import Settings

BPMN_DIR = Settings().bpmn_dir
WORKFLOWS_DIR = Settings().workflows_dir
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
}
B = f"{{{NS['bpmn']}}}"


class Draft:
    """A copy of a catalogue diagram (and its metadata beside it) in `folder`, edited in place."""

    def __init__(self, folder: Path, code: str = "P02", source: Path | None = None):
        folder.mkdir(parents=True, exist_ok=True)
        self.bpmn = folder / f"{code}.bpmn"
        self.yaml = folder / f"{code}.yaml"
        shutil.copy(source or BPMN_DIR / f"{code}.bpmn", self.bpmn)
        shutil.copy((source.with_suffix(".yaml") if source else WORKFLOWS_DIR / f"{code}.yaml"), self.yaml)

    # --- text edits ---------------------------------------------------------------------------

    def replace(self, old: str, new: str, count: int = 1) -> Draft:
        text = self.bpmn.read_text("utf-8")
        assert old in text, f"{old!r} is not in {self.bpmn.name}"
        self.bpmn.write_text(text.replace(old, new, count), encoding="utf-8")
        return self

    def replace_in_metadata(self, old: str, new: str) -> Draft:
        text = self.yaml.read_text("utf-8")
        assert old in text, f"{old!r} is not in {self.yaml.name}"
        self.yaml.write_text(text.replace(old, new, 1), encoding="utf-8")
        return self

    def add_to_metadata(self, text: str) -> Draft:
        self.yaml.write_text(self.yaml.read_text("utf-8") + text, encoding="utf-8")
        return self

    # --- a new step before P02's collect_review ----------------------------------------------

    def insert_before_review(
        self,
        tag: str,
        element: str,
        *,
        lane: str = "lane_collection",
        inner: str = "",
        shapes: bool = True,
        withdrawal: bool = True,
    ) -> Draft:
        """A new `<bpmn:TAG id=ELEMENT>` between set_in_processing and collect_review, in `lane`,
        with its shapes and its withdrawal boundary event unless told otherwise."""
        tree = etree.parse(str(self.bpmn))
        root = tree.getroot()
        process = root.find(f"{B}process")
        lane_el = process.find(f".//{B}lane[@id='{lane}']")
        etree.SubElement(lane_el, f"{B}flowNodeRef").text = element
        flow = process.find(f"{B}sequenceFlow[@id='flow_processing_to_review']")
        flow.set("targetRef", element)
        review = process.find(f"{B}userTask[@id='collect_review']")
        for incoming in review.findall(f"{B}incoming"):
            if incoming.text == "flow_processing_to_review":
                incoming.text = f"flow_{element}_to_review"
        new = etree.fromstring(
            f'<bpmn:{tag} xmlns:bpmn="{NS["bpmn"]}" id="{element}" name="Bước mới {element}">'
            f"<bpmn:incoming>flow_processing_to_review</bpmn:incoming>"
            f"<bpmn:outgoing>flow_{element}_to_review</bpmn:outgoing>{inner}</bpmn:{tag}>"
        )
        review.addprevious(new)
        etree.SubElement(
            process, f"{B}sequenceFlow", id=f"flow_{element}_to_review", sourceRef=element, targetRef="collect_review"
        )
        if withdrawal:
            boundary = etree.SubElement(
                process,
                f"{B}boundaryEvent",
                id=f"withdrawal_at_{element}",
                cancelActivity="true",
                attachedToRef=element,
            )
            etree.SubElement(boundary, f"{B}outgoing").text = f"flow_withdrawal_at_{element}"
            etree.SubElement(
                boundary,
                f"{B}messageEventDefinition",
                id=f"withdrawal_at_{element}_def",
                messageRef="message_withdrawal_requested",
            )
            etree.SubElement(
                process,
                f"{B}sequenceFlow",
                id=f"flow_withdrawal_at_{element}",
                sourceRef=f"withdrawal_at_{element}",
                targetRef="withdrawal",
            )
            etree.SubElement(lane_el, f"{B}flowNodeRef").text = f"withdrawal_at_{element}"
        if shapes:
            plane = root.find(".//bpmndi:BPMNPlane", NS)
            ids = [element, f"flow_{element}_to_review"]
            if withdrawal:
                ids += [f"withdrawal_at_{element}", f"flow_withdrawal_at_{element}"]
            for ident in ids:
                if ident.startswith("flow_"):
                    edge = etree.SubElement(plane, f"{{{NS['bpmndi']}}}BPMNEdge", id=f"{ident}_di", bpmnElement=ident)
                    etree.SubElement(edge, f"{{{NS['di']}}}waypoint", x="0", y="0")
                    etree.SubElement(edge, f"{{{NS['di']}}}waypoint", x="10", y="0")
                else:
                    shape = etree.SubElement(plane, f"{{{NS['bpmndi']}}}BPMNShape", id=f"{ident}_di", bpmnElement=ident)
                    etree.SubElement(shape, f"{{{NS['dc']}}}Bounds", x="0", y="0", width="100", height="80")
        tree.write(str(self.bpmn), xml_declaration=True, encoding="UTF-8")
        return self
