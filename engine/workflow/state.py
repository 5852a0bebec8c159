"""A dossier's SpiffWorkflow state as JSON, without the specs.

SpiffWorkflow's serializer writes the full process spec into every instance. The engine stores
each diagram version once (procedure_versions), so this codec leaves the specs out when writing
and takes already-parsed specs when reading, which makes states small and loads cheap.
"""

from __future__ import annotations

import json
import zlib
from copy import copy
from datetime import date, datetime
from decimal import Decimal
from types import ModuleType
from uuid import UUID

import orjson
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.event_definition import TimerConditionalEventDefinitionConverter
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnSubWorkflowConverter,
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.util.subworkflow import BpmnSubWorkflow
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge

from engine.workflow.bpmn_specs import ClockDurationTimer, ClockTimeDateTimer, ParsedProcess


def _workflow_dict(converter: WorkflowConverter, workflow) -> dict:
    """WorkflowConverter.to_dict with each task converted by the registry's Task entry straight,
    not through its generic lookups (the same dict)."""
    task_dict = converter.registry.convert_to_dict["Task"]
    return {
        "data": converter.registry.convert(converter.registry.clean(workflow.data)),
        "correlations": workflow.correlations,
        "last_task": str(workflow.last_task.id) if workflow.last_task is not None else None,
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": {str(k): task_dict(v) for k, v in workflow.tasks.items()},
        "root": str(workflow.task_tree.id),
    }


class _SubWorkflowConverter(BpmnSubWorkflowConverter):
    def to_dict(self, workflow):
        dct = _workflow_dict(self, workflow)
        dct["parent_task_id"] = str(workflow.parent_task_id)
        dct["spec"] = workflow.spec.name
        return dct


class _SpecFreeWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow):
        dct = _workflow_dict(self, workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct, parsed: ParsedProcess):
        workflow = self.target_class(parsed.spec, parsed.subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class _TaskConverter(TaskConverter):
    def to_dict(self, task):
        """SpiffWorkflow's own task dict, built with one lookup of the parent instead of four (every
        task of the tree is written on every advance)."""
        parent = task.workflow.tasks.get(task._parent) if task._parent is not None else None
        if parent is None:
            data, delta = task.data, {}
        else:
            data = {}
            delta = {
                "updates": DeepMerge.get_updated_keys(parent.data, task.data),
                "deletions": DeepMerge.get_deleted_keys(parent.data, task.data),
            }
        return {
            "id": str(task.id),
            "parent": None if parent is None else str(task._parent),
            "children": [str(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": data,
            "delta": delta,
        }


def _build_serializer() -> BpmnWorkflowSerializer:
    config = copy(SPIFF_CONFIG)
    config[Task] = _TaskConverter
    config[BpmnSubWorkflow] = _SubWorkflowConverter
    config[BpmnWorkflow] = _SpecFreeWorkflowConverter
    # fired timers are remembered in task data as events carrying their definition
    config[ClockDurationTimer] = TimerConditionalEventDefinitionConverter
    config[ClockTimeDateTimer] = TimerConditionalEventDefinitionConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # Task data may hold dates and exact amounts; SpiffWorkflow has no converters for them.
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda d: date.fromisoformat(d["value"]))
    registry.register(datetime, lambda v: {"value": v.isoformat()}, lambda d: datetime.fromisoformat(d["value"]))
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]))
    return BpmnWorkflowSerializer(registry)


_SERIALIZER = _build_serializer()


# orjson writes the same JSON as json.dumps with SpiffWorkflow's encoder, several times faster:
# dates go through the registry as before (passthrough), keys that are not text become text as
# json.dumps makes them; what orjson refuses (an integer beyond 64 bits) falls back to json.dumps.
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_NON_STR_KEYS


def _encode_default(obj):
    """What SpiffWorkflow's JSON encoder does with values JSON has no type for."""
    registry = _SERIALIZER.registry
    typename = registry.typenames.get(type(obj))
    if typename is not None:
        return registry.convert_to_dict[typename](obj)
    if callable(obj) or isinstance(obj, ModuleType):
        return None
    if isinstance(obj, set):
        return list(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def dump_state(workflow: BpmnWorkflow) -> bytes:
    """Compact JSON, compressed: a finished P02 dossier stores about 3 KB instead of 21 KB."""
    registry = _SERIALIZER.registry
    registry._encoder_mode = True  # as serialize_json does: values the registry knows become dicts
    try:
        dct = _SERIALIZER.to_dict(workflow)
    finally:
        registry._encoder_mode = False
    dct[_SERIALIZER.VERSION_KEY] = _SERIALIZER.VERSION
    try:
        data = orjson.dumps(dct, default=_encode_default, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        text = json.dumps(dct, cls=_SERIALIZER._encoder_cls, ensure_ascii=False, separators=(",", ":"))
        data = text.encode("utf-8")
    return zlib.compress(data, 1)


def state_json(state: bytes) -> str:
    """The stored state as readable JSON (for people debugging a dossier)."""
    return zlib.decompress(state).decode("utf-8")


def load_state(state: bytes, parsed: ParsedProcess, script_engine) -> BpmnWorkflow:
    data = zlib.decompress(state)
    try:
        dct = orjson.loads(data)
    except orjson.JSONDecodeError:  # states written by json.dumps may hold NaN or Infinity
        dct = json.loads(data)
    _SERIALIZER.migrate(dct)
    workflow = _SERIALIZER.from_dict(dct, parsed=parsed)
    workflow.script_engine = script_engine  # not part of the state: attach it again after loading
    return workflow


# the serializer's converters, which SpiffWorkflow's spec diff (bpmn.util.diff) compares specs with
REGISTRY = _SERIALIZER.registry
