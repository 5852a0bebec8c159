"""Decision tables (bpmn/dmn/*.dmn) read, checked and evaluated the way business rule tasks use them.

- :func:`read_table` parses a table safely (safe_xml) into what the studio shows: inputs, outputs,
  rules, hit policy.
- :func:`check_table` lists every problem with its rule number and column: script policy of each
  input expression and entry and of each output entry, hit policy, output names, dated rules.
- :func:`evaluate_table` runs the table through SpiffWorkflow's own business rule task (the code
  path a dossier takes) under the script engine and limits it is given.

Dated rules (the convention, see workflows/README.md): a *validity column* is an input column of
typeRef ``date`` (the dossier's date, e.g. ``submitted_on``) whose every entry is ``-``,
``>= date(Y, M, D)`` (valid from, inclusive), ``< date(Y, M, D)`` (valid until, exclusive) or
``date(Y, M, D) <= ? < date(Y, M, D)`` (both). Rules alike in every other column form one series
whose periods must not overlap (hit policy UNIQUE), leave no gap, and each end after it starts.
These are plain comparisons, so SpiffWorkflow's DMN engine honours them with no change.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from datetime import date
from itertools import pairwise
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.bpmn.util.task import TaskState
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from engine.workflow import safe_xml
from engine.workflow.bpmn_specs import parse_sources
from engine.workflow.scripting import RestrictedScriptEngine, ScriptRefused, check_source

DMN_NAMESPACES = (
    "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "http://www.omg.org/spec/DMN/20180521/MODEL/",
    "https://www.omg.org/spec/DMN/20230324/MODEL/",
)
# what SpiffWorkflow's DMNEngine does: UNIQUE stops at the first match, COLLECT lists every
# match's outputs, FIRST takes the first match; the others it would silently treat as FIRST
SUPPORTED_HIT_POLICIES = ("UNIQUE", "FIRST", "COLLECT")
_DATE = r"date\(\s*(\d{4})\s*,\s*(\d{1,2})\s*,\s*(\d{1,2})\s*\)"
_FROM = re.compile(rf"^>=\s*{_DATE}$")
_UNTIL = re.compile(rf"^<\s*{_DATE}$")
_BETWEEN = re.compile(rf"^{_DATE}\s*<=\s*\?\s*<\s*{_DATE}$")


class TableRefused(ValueError):
    """The text is not a decision table the engine can read (the reason says why, with its line)."""


@dataclass(frozen=True)
class Column:
    id: str
    label: str
    expression: str  # input: the expression; output: the variable it sets
    type_ref: str


@dataclass(frozen=True)
class Cell:
    id: str
    text: str


@dataclass(frozen=True)
class Rule:
    number: int  # 1-based, as a designer counts rows
    id: str
    description: str
    inputs: tuple[Cell, ...]
    outputs: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    decision_id: str
    name: str
    hit_policy: str
    aggregation: str
    inputs: tuple[Column, ...]
    outputs: tuple[Column, ...]
    rules: tuple[Rule, ...]

    def input_variables(self) -> list[tuple[str, str]]:
        """(variable, typeRef) the inputs read from task data, in column order, each once: what a
        form asking for the table's inputs must ask."""
        seen: dict[str, str] = {}
        for column in self.inputs:
            for name in _names(column.expression):
                seen.setdefault(name, column.type_ref if column.expression.strip() == name else "")
        return list(seen.items())


@dataclass(frozen=True)
class TableProblem:
    reason: str
    rule: int | None = None  # rule number (1-based)
    rule_id: str | None = None
    column: str | None = None  # the column's label (or id)
    column_id: str | None = None
    cell_id: str | None = None

    def __str__(self) -> str:
        where = []
        if self.rule is not None:
            where.append(f"rule {self.rule}")
        if self.column:
            where.append(f"column '{self.column}'")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


@dataclass
class Evaluation:
    matched: list[int] = field(default_factory=list)  # rule numbers
    matched_ids: list[str] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------------------- reading


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if _local(c) == name]


def _text(el: etree._Element | None, name: str = "text") -> str:
    if el is None:
        return ""
    found = _children(el, name)
    return (found[0].text or "").strip() if found else ""


def read_table(text: str, limit: int | None = None) -> Table:
    """The table in a .dmn text; TableRefused when it cannot be read (unsafe XML, not DMN, no table)."""
    try:
        root = safe_xml.parse(text, limit=limit)
    except safe_xml.XMLRefused as err:
        raise TableRefused(str(err)) from err
    if _local(root) != "definitions" or etree.QName(root).namespace not in DMN_NAMESPACES:
        raise TableRefused("not a DMN file: its root must be <definitions> in the DMN namespace")
    decisions = _children(root, "decision")
    if len(decisions) != 1:
        raise TableRefused(f"a decision table file holds exactly one <decision> (this one has {len(decisions)})")
    decision = decisions[0]
    tables = _children(decision, "decisionTable")
    if len(tables) != 1:
        raise TableRefused(f"line {decision.sourceline}: the decision must hold one <decisionTable>")
    table = tables[0]
    inputs = tuple(
        Column(
            el.get("id", ""),
            el.get("label", "") or el.get("id", ""),
            _text(next(iter(_children(el, "inputExpression")), None)),
            next((e.get("typeRef", "") for e in _children(el, "inputExpression")), ""),
        )
        for el in _children(table, "input")
    )
    outputs = tuple(
        Column(el.get("id", ""), el.get("label", "") or el.get("name", ""), el.get("name", ""), el.get("typeRef", ""))
        for el in _children(table, "output")
    )
    rules = []
    for number, el in enumerate(_children(table, "rule"), start=1):
        rules.append(
            Rule(
                number,
                el.get("id", ""),
                _text(el, "description"),
                tuple(Cell(c.get("id", ""), _text(c)) for c in _children(el, "inputEntry")),
                tuple(Cell(c.get("id", ""), _text(c)) for c in _children(el, "outputEntry")),
            )
        )
    return Table(
        decision.get("id", ""),
        decision.get("name", "") or decision.get("id", ""),
        (table.get("hitPolicy") or "UNIQUE").upper(),
        (table.get("aggregation") or "").upper(),
        inputs,
        outputs,
        tuple(rules),
    )


def _names(expression: str) -> list[str]:
    """Variables an input expression reads (names loaded, not called, in order of appearance)."""
    try:
        tree = ast.parse(expression or "", mode="eval")
    except SyntaxError:
        return []
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and id(node) not in called and node.id not in names:
            names.append(node.id)
    return names


# --------------------------------------------------------------------------------------- checking


def _entry_refusal(text: str) -> str | None:
    """Why an input entry would not run, tried the way SpiffWorkflow's DMNEngine builds it:
    '?' stands for the input; else a whole expression compared with ==; else an operator and its
    right-hand side put after the input."""
    if text in ("", "-"):
        return None
    if "?" in text:
        return check_source(re.sub(r"\?", "dmninputexpr", text), "eval")
    whole = check_source(text, "eval")
    if whole is None:
        return None
    tail = check_source(f"v {text}", "eval")
    return None if tail is None else whole


def check_table(text: str, expected_outputs: dict[str, list[str]] | None = None) -> list[TableProblem]:
    """Every problem of a table, each with its rule and column where it has one.

    ``expected_outputs`` maps an output name the diagrams using the table read to the procedures
    that read it: an output missing from the table is reported with them."""
    try:
        table = read_table(text)
    except TableRefused as err:
        return [TableProblem(str(err))]
    problems: list[TableProblem] = []
    problems += _spiff_problems(text)
    if table.hit_policy not in SUPPORTED_HIT_POLICIES:
        problems.append(
            TableProblem(
                f"hit policy {table.hit_policy} is not supported by the engine "
                f"(use {', '.join(SUPPORTED_HIT_POLICIES)})"
            )
        )
    if table.aggregation:
        problems.append(TableProblem(f"COLLECT with aggregation {table.aggregation} is not supported (leave it out)"))
    if not table.inputs or not table.outputs:
        problems.append(TableProblem("a table needs at least one input and one output column"))
    for column in table.inputs:
        reason = check_source(column.expression, "eval") if column.expression else "the input has no expression"
        if reason:
            problems.append(TableProblem(f"input expression: {reason}", column=column.label, column_id=column.id))
    names = [c.expression for c in table.outputs]
    for column in table.outputs:
        if not column.expression:
            problems.append(
                TableProblem("the output has no name (the variable it sets)", column=column.label, column_id=column.id)
            )
        elif not all(part.isidentifier() for part in column.expression.split(".")):
            problems.append(
                TableProblem(
                    f"output name '{column.expression}' is not a variable name",
                    column=column.label,
                    column_id=column.id,
                )
            )
        elif names.count(column.expression) > 1:
            problems.append(
                TableProblem(
                    f"output name '{column.expression}' is used twice", column=column.label, column_id=column.id
                )
            )
    for name, users in sorted((expected_outputs or {}).items()):
        if name not in names:
            problems.append(
                TableProblem(
                    f"no output '{name}', which {', '.join(sorted(users))} read(s) after the business rule task"
                )
            )
    for rule in table.rules:
        problems += _rule_problems(table, rule)
    problems += _validity_problems(table)
    return problems


def _spiff_problems(text: str) -> list[TableProblem]:
    """What SpiffWorkflow's own DMN reader refuses (its schema check included), with the line."""
    try:
        parser = SpiffBpmnParser(validator=VALIDATOR)
        parser.add_dmn_xml(safe_xml.parse(text, sized=False), filename="table.dmn")
        for dmn_parser in parser.dmn_parsers.values():
            dmn_parser.parse()
    except ValidationException as err:
        line = f"line {err.line_number}: " if getattr(err, "line_number", "") else ""
        return [TableProblem(f"{line}{err.message if hasattr(err, 'message') else err}")]
    except (SpiffWorkflowException, SyntaxError, KeyError, IndexError, ValueError) as err:
        return [TableProblem(f"the engine cannot read the table: {err}")]
    return []


def _rule_problems(table: Table, rule: Rule) -> list[TableProblem]:
    problems: list[TableProblem] = []
    if len(rule.inputs) != len(table.inputs) or len(rule.outputs) != len(table.outputs):
        problems.append(
            TableProblem(
                f"the rule has {len(rule.inputs)} input and {len(rule.outputs)} output cells, "
                f"the table {len(table.inputs)} and {len(table.outputs)}",
                rule=rule.number,
                rule_id=rule.id,
            )
        )
        return problems
    for column, cell in zip(table.inputs, rule.inputs, strict=True):
        reason = _entry_refusal(cell.text)
        if reason:
            problems.append(TableProblem(reason, rule.number, rule.id, column.label, column.id, cell.id))
    for column, cell in zip(table.outputs, rule.outputs, strict=True):
        if not cell.text:
            problems.append(
                TableProblem("the output is empty (write a value, e.g. 0 or \"\")", rule.number, rule.id, column.label,
                             column.id, cell.id)
            )  # fmt: skip
            continue
        reason = check_source(cell.text, "eval")
        if reason:
            problems.append(TableProblem(reason, rule.number, rule.id, column.label, column.id, cell.id))
    return problems


@dataclass(frozen=True)
class _Period:
    rule: Rule
    start: date | None
    end: date | None  # exclusive
    cell: Cell


def _period(text: str) -> tuple[date | None, date | None] | None:
    """(from, until) of a validity entry; None when the entry is not one of the validity forms."""

    def day(y: str, m: str, d: str) -> date:
        return date(int(y), int(m), int(d))

    if text in ("", "-"):
        return (None, None)
    if m := _FROM.match(text):
        return (day(*m.groups()), None)
    if m := _UNTIL.match(text):
        return (None, day(*m.groups()))
    if m := _BETWEEN.match(text):
        g = m.groups()
        return (day(*g[:3]), day(*g[3:]))
    return None


def validity_columns(table: Table) -> list[int]:
    """Indexes of the input columns that date the rules (see the module's docstring)."""
    found = []
    for index, column in enumerate(table.inputs):
        if column.type_ref != "date":
            continue
        texts = [r.inputs[index].text for r in table.rules if len(r.inputs) == len(table.inputs)]
        try:
            if texts and any(t not in ("", "-") for t in texts) and all(_period(t) is not None for t in texts):
                found.append(index)
        except ValueError:  # date(2025, 13, 1): reported on the rule below
            found.append(index)
    return found


def _validity_problems(table: Table) -> list[TableProblem]:
    problems: list[TableProblem] = []
    rules = [r for r in table.rules if len(r.inputs) == len(table.inputs)]
    for index in validity_columns(table):
        column = table.inputs[index]
        series: dict[tuple, list[_Period]] = {}
        for rule in rules:
            cell = rule.inputs[index]
            try:
                start, end = _period(cell.text) or (None, None)
            except ValueError as err:
                problems.append(
                    TableProblem(f"not a date: {err}", rule.number, rule.id, column.label, column.id, cell.id)
                )
                continue
            if start and end and end <= start:
                problems.append(
                    TableProblem(
                        f"valid until {end.isoformat()} is not after valid from {start.isoformat()}: "
                        "the rule never applies",
                        rule.number,
                        rule.id,
                        column.label,
                        column.id,
                        cell.id,
                    )
                )
                continue
            key = tuple(" ".join(c.text.split()) for i, c in enumerate(rule.inputs) if i != index)
            series.setdefault(key, []).append(_Period(rule, start, end, cell))
        for periods in series.values():
            problems += _series_problems(table, column, periods)
    return problems


def _series_problems(table: Table, column: Column, periods: list[_Period]) -> list[TableProblem]:
    problems: list[TableProblem] = []
    ordered = sorted(periods, key=lambda p: (p.start or date.min, p.end or date.max))
    for before, after in pairwise(ordered):
        before_end, after_start = before.end or date.max, after.start or date.min
        where = (after.rule.number, after.rule.id, column.label, column.id, after.cell.id)
        if after_start < before_end and table.hit_policy == "UNIQUE":
            problems.append(
                TableProblem(
                    f"its validity overlaps rule {before.rule.number}'s (same inputs): "
                    f"both apply from {after_start.isoformat() if after.start else 'the start'}",
                    *where,
                )
            )
        elif after_start > before_end:
            problems.append(
                TableProblem(
                    f"gap in validity: rule {before.rule.number} ends on {before_end.isoformat()} (exclusive) "
                    f"but this rule starts on {after_start.isoformat()}; nothing applies in between",
                    *where,
                )
            )
    return problems


# --------------------------------------------------------------------------------------- evaluating

_PROBE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="probe_definitions"
    targetNamespace="https://motcua.example/probe">
  <bpmn:process id="decision_probe" isExecutable="true">
    <bpmn:startEvent id="probe_start"><bpmn:outgoing>probe_f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:businessRuleTask id="probe_rule" name="Decision table">
      <bpmn:extensionElements>
        <spiffworkflow:calledDecisionId>{decision}</spiffworkflow:calledDecisionId>
      </bpmn:extensionElements>
      <bpmn:incoming>probe_f1</bpmn:incoming><bpmn:outgoing>probe_f2</bpmn:outgoing>
    </bpmn:businessRuleTask>
    <bpmn:endEvent id="probe_end"><bpmn:incoming>probe_f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="probe_f1" sourceRef="probe_start" targetRef="probe_rule"/>
    <bpmn:sequenceFlow id="probe_f2" sourceRef="probe_rule" targetRef="probe_end"/>
  </bpmn:process>
</bpmn:definitions>
"""


class EvaluationFailed(ValueError):
    """The table could not be evaluated on these inputs (the reason names the rule where it can)."""


def evaluate_table(text: str, data: dict[str, Any], script_engine: RestrictedScriptEngine) -> Evaluation:
    """Run the table on ``data`` as a business rule task calling it would, under ``script_engine``
    (its functions and time/memory limits): the rules that match and the outputs it sets."""
    table = read_table(text)
    missing = [name for name, _type in table.input_variables() if name not in data]
    if missing:
        raise EvaluationFailed(f"missing input(s): {', '.join(missing)}")
    if not re.fullmatch(r"[A-Za-z_][\w.-]*", table.decision_id):
        raise EvaluationFailed(f"the decision id '{table.decision_id}' is not usable")
    try:
        parsed = parse_sources(
            {"probe.bpmn": _PROBE.format(decision=table.decision_id), "table.dmn": text}, "decision_probe"
        )
    except ValidationException as err:
        raise EvaluationFailed(str(err)) from err
    workflow = BpmnWorkflow(parsed.spec, parsed.subprocess_specs, script_engine=script_engine)
    workflow.get_tasks(state=TaskState.READY)[0].data.update(data)
    result = Evaluation()
    try:
        while ready := workflow.get_tasks(state=TaskState.READY):
            task = ready[0]
            if task.task_spec.name == "probe_rule":
                before = dict(task.data)
                for rule in task.task_spec.dmnEngine.decide(task):
                    result.matched.append(rule.row_number)
                    result.matched_ids.append(rule.id)
                task.run()
                result.outputs = {k: v for k, v in task.data.items() if k not in before or before[k] != v}
            else:
                task.run()
    except (SpiffWorkflowException, ScriptRefused) as err:
        raise EvaluationFailed(_failure(err)) from err
    return result


def _failure(err: Exception) -> str:
    """One line: the rule it failed on (SpiffWorkflow says 'row N' in a note) and the reason."""
    text = str(err).split("\n")[0]
    row = re.search(r"on row (\d+)", text)
    text = re.sub(r"\s*in element 'probe_rule' \(Decision table\)", "", text)
    text = re.sub(r"\.?\s*(Rule failed|Failed to execute DMN Rule) on row \d+.*$", "", text)
    text = re.sub(r"\.?\s*Did you mean '[^']*'\?", "", text)
    return f"rule {row.group(1)}: {text}" if row else text
