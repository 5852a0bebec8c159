"""From BPMN text to SpiffWorkflow specs, with the engine's own clock behind timer events."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.specs.bpmn_process_spec import BpmnProcessSpec
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.multiple import MultipleEventDefinition
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.workflow import safe_xml


@dataclass(frozen=True)
class ParsedProcess:
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    dmn_files: frozenset[str] = frozenset()  # decision tables its business rule tasks use

    def all_specs(self) -> Iterator[BpmnProcessSpec]:
        yield self.spec
        yield from (s for s in self.subprocess_specs.values() if s is not None)

    def iter_task_specs(self):
        for spec in self.all_specs():
            yield from ((spec, ts) for ts in spec.task_specs.values())


# Parsed specs by the exact texts they were parsed from, so the same diagrams are parsed once per
# process: a catalogue loaded again (each CLI command in-process, the designer's checks) and each
# new runtime's VersionCache reuse them. A changed text is another key, parsed afresh. Specs are
# shared already between the dossiers of a version; nothing here changes a spec after parsing.
PARSED_KEPT = 128  # procedures with their called steps: a catalogue's worth and its drafts


def parse_sources(sources: Mapping[str, str], process_id: str) -> ParsedProcess:
    """Parse diagrams given as {file name: BPMN text}; raises SpiffWorkflow's ValidationException."""
    return _parse(tuple(sources.items()), process_id)


@lru_cache(maxsize=PARSED_KEPT)
def _parse(sources: tuple[tuple[str, str], ...], process_id: str) -> ParsedProcess:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    for name, text in sources:
        # SpiffWorkflow's add_*_str parse with lxml's default parser, which reads DTDs and expands
        # entities: it gets the tree parsed safely here instead (no DTD, no entities). The size was
        # checked where the text came in (files, uploads, deploy), so a version stored before the
        # limit was lowered still runs.
        try:
            root = safe_xml.parse(text, sized=False)
        except safe_xml.XMLRefused as err:
            raise ValidationException(err.reason, file_name=name, line_number=err.line or "") from err
        if name.endswith(".dmn"):
            parser.add_dmn_xml(root, filename=name)
        else:
            parser.add_bpmn_xml(root, filename=name)
    spec, subprocess_specs = parser.get_spec(process_id), parser.get_subprocess_specs(process_id)
    used_dmn = frozenset(p.filename for p in parser.dmn_parsers.values() if p.decision is not None)
    parsed = ParsedProcess(spec, subprocess_specs, used_dmn)
    _use_engine_clock(parsed)
    return parsed


def event_definitions(task_spec) -> list:
    """The event definitions a task spec waits on or throws; an event-based gateway holds those
    of the events after it (its catch events themselves then carry none)."""
    definition = getattr(task_spec, "event_definition", None)
    if definition is None:
        return []
    if isinstance(definition, MultipleEventDefinition):
        return list(definition.event_definitions)
    return [definition]


def message_names(parsed: ParsedProcess) -> frozenset[str]:
    """The names of the messages the process (or a step it calls) waits for anywhere."""
    return frozenset(
        d.name
        for _spec, ts in parsed.iter_task_specs()
        for d in event_definitions(ts)
        if isinstance(d, MessageEventDefinition)
    )


# --- timers on the engine's clock ----------------------------------------------------------------
# SpiffWorkflow's timers read datetime.now(). The engine runs on an injected clock (so tests and
# simulation can move time), so timer definitions are swapped for subclasses that ask the script
# engine's clock. Their state (the due time kept in the task's internal data) is unchanged.


def engine_now(my_task) -> datetime:
    clock = getattr(my_task.workflow.script_engine, "clock", None)
    return clock.now() if clock is not None else datetime.now(UTC)


class ClockTimeDateTimer(TimeDateEventDefinition):
    def has_fired(self, my_task):
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            event_value = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.parse_time_or_duration(event_value) <= engine_now(my_task):
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


class ClockDurationTimer(DurationTimerEventDefinition):
    def has_fired(self, my_task):
        now = engine_now(my_task)
        event_value = my_task._get_internal_data("event_value")
        if event_value is None:
            expression = my_task.workflow.script_engine.evaluate(my_task, self.expression)
            parsed = TimerEventDefinition.parse_iso_duration(expression)
            event_value = (now + TimerEventDefinition.get_timedelta_from_start(parsed, now)).isoformat()
            my_task._set_internal_data(event_value=event_value)
        if TimerEventDefinition.get_datetime(event_value) <= now:
            my_task._set_internal_data(event_fired=True)
        return my_task._get_internal_data("event_fired", False)


_CLOCK_TIMERS = {TimeDateEventDefinition: ClockTimeDateTimer, DurationTimerEventDefinition: ClockDurationTimer}


def _use_engine_clock(parsed: ParsedProcess) -> None:
    for _spec, task_spec in parsed.iter_task_specs():
        for definition in event_definitions(task_spec):
            replacement = _CLOCK_TIMERS.get(type(definition))
            if replacement is not None:
                definition.__class__ = replacement
