"""The script layer, exercised through real BPMN diagrams run by SpiffWorkflow."""

from datetime import date
from decimal import Decimal
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from engine.workflow.scripting import (
    RestrictedScriptEngine,
    RestrictedScriptEnvironment,
    ScriptError,
    check_source,
)

DEFINITIONS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
                  id="definitions" targetNamespace="http://motcua.test/bpmn">
  <bpmn:process id="proc" isExecutable="true">
{elements}
  </bpmn:process>
</bpmn:definitions>
"""


def script_task(element_id, name, script, incoming, outgoing):
    return f"""
    <bpmn:scriptTask id="{element_id}" name="{name}">
      <bpmn:incoming>{incoming}</bpmn:incoming>
      <bpmn:outgoing>{outgoing}</bpmn:outgoing>
      <bpmn:script>{escape(script)}</bpmn:script>
    </bpmn:scriptTask>"""


def flow(flow_id, source, target, condition=None):
    if condition is None:
        return f'    <bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}"/>'
    return f"""
    <bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">
      <bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression>
    </bpmn:sequenceFlow>"""


def script_diagram(script):
    """start -> calc_support (the script) -> end"""
    return DEFINITIONS.format(
        elements="\n".join(
            [
                '    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>',
                script_task("calc_support", "Tính mức hỗ trợ", script, "f1", "f2"),
                '    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>',
                flow("f1", "start", "calc_support"),
                flow("f2", "calc_support", "end"),
            ]
        )
    )


def gateway_diagram(condition):
    """start -> route; route -> mark_high when `condition`, else (default) -> mark_low."""
    return DEFINITIONS.format(
        elements="\n".join(
            [
                '    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>',
                """
    <bpmn:exclusiveGateway id="route" name="Check amount" default="to_low">
      <bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>to_high</bpmn:outgoing>
      <bpmn:outgoing>to_low</bpmn:outgoing>
    </bpmn:exclusiveGateway>""",
                script_task("mark_high", "High", "path = 'high'", "to_high", "f_high"),
                script_task("mark_low", "Low", "path = 'low'", "to_low", "f_low"),
                '    <bpmn:endEvent id="end_high"><bpmn:incoming>f_high</bpmn:incoming></bpmn:endEvent>',
                '    <bpmn:endEvent id="end_low"><bpmn:incoming>f_low</bpmn:incoming></bpmn:endEvent>',
                flow("f1", "start", "route"),
                flow("to_high", "route", "mark_high", condition=condition),
                flow("to_low", "route", "mark_low"),
                flow("f_high", "mark_high", "end_high"),
                flow("f_low", "mark_low", "end_low"),
            ]
        )
    )


def run(diagram, data=None, functions=None):
    """Parse the diagram, run it as far as the engine goes, return the workflow."""
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(diagram.encode("utf-8"))
    workflow = BpmnWorkflow(
        parser.get_spec("proc"),
        parser.get_subprocess_specs("proc"),
        script_engine=RestrictedScriptEngine(functions=functions or {}),
    )
    workflow.task_tree.data.update(data or {})
    workflow.do_engine_steps()
    return workflow


def task_data(workflow, element_id):
    [task] = workflow.get_tasks(spec_name=element_id)
    return task.data


# --------------------------------------------------------------------------- scripts that run


def test_arithmetic_and_assignments_land_in_task_data():
    workflow = run(
        script_diagram(
            "support = salary * 3 // 2\n"
            "months += 1\n"
            "note += ' (checked)'\n"
            "documents += ['tk1_ts']\n"
            "first, second = documents[0], documents[-1]\n"
            "totals = {'support': support}\n"
            "totals['months'] = months\n"
            "doubled = [n * 2 for n in range(3)]\n"
            "label = f'{full_name}: {support}'\n"
            "top = max(sorted([3, 1, 2]))"
        ),
        data={"salary": 1000, "months": 5, "note": "ok", "documents": [], "full_name": "An"},
    )

    assert workflow.is_completed()
    assert task_data(workflow, "calc_support") == {
        "salary": 1000,
        "months": 6,
        "note": "ok (checked)",
        "documents": ["tk1_ts"],
        "full_name": "An",
        "support": 1500,
        "first": "tk1_ts",
        "second": "tk1_ts",
        "totals": {"support": 1500, "months": 6},
        "doubled": [0, 2, 4],
        "label": "An: 1500",
        "top": 3,
    }


def test_dates_and_decimals_in_task_data():
    workflow = run(
        script_diagram(
            "birth_year = birth_date.year\n"
            "age_days = (decided_on - birth_date).days\n"
            "rate = (base * factor).quantize(base)"
        ),
        data={
            "birth_date": date(1990, 5, 1),
            "decided_on": date(1990, 5, 11),
            "base": Decimal("1.50"),
            "factor": Decimal("2"),
        },
    )

    data = task_data(workflow, "calc_support")
    assert data["birth_year"] == 1990
    assert data["age_days"] == 10
    assert data["rate"] == Decimal("3.00")


def test_provided_functions_are_called_and_do_not_leak():
    calls = []
    workflow = run(script_diagram("set_status(4)\ndone = True"), functions={"set_status": calls.append})

    assert calls == [4]
    data = task_data(workflow, "calc_support")
    assert data == {"done": True}
    assert not {"set_status", "__builtins__", "_getattr_", "_print", "len"} & set(data)


@pytest.mark.parametrize(("amount", "path"), [(2_000_000, "high"), (500, "low")])
def test_gateway_condition_routes(amount, path):
    workflow = run(
        gateway_diagram("amount > 1000000 and applicant_type == 'individual'"),
        data={"amount": amount, "applicant_type": "individual"},
    )

    assert workflow.is_completed()
    assert task_data(workflow, f"mark_{path}")["path"] == path
    assert not workflow.get_tasks(spec_name="mark_low" if path == "high" else "mark_high")


# --------------------------------------------------------------------------- escapes

ESCAPES = [
    ("import os", "import is not allowed"),
    ("from os import path", "import is not allowed"),
    ("m = __import__('os')", "names starting with '_' are not allowed: '__import__'"),
    ("data = open('/etc/passwd').read()", "open is not allowed"),
    ("x = 1\nc = getattr(x, '__class__')", "getattr is not allowed"),
    ("s = ().__class__.__base__.__subclasses__()", "names starting with '_' are not allowed"),
    ("x = {}\nd = x.__dict__", "names starting with '_' are not allowed: '__dict__'"),
    ("y = eval('1')", "eval is not allowed"),
    ("exec('x=1')", "exec is not allowed"),
    ("g = globals()", "globals is not allowed"),
    ("f = lambda: 0\ng = f.__globals__['__builtins__']", "names starting with '_' are not allowed"),
    ("frame = (n for n in []).gi_frame", "gi_frame is not allowed"),
    ("leak = '{0.__class__}'.format(1)", "str.format is not allowed"),
    ("leak = str.format('{0.__class__.__mro__}', 1)", "str.format is not allowed"),
    ("leak = '{x.__class__}'.format_map({'x': 1})", "str.format_map is not allowed"),
]


@pytest.mark.parametrize(("script", "reason"), ESCAPES)
def test_escape_is_refused_naming_the_element(script, reason):
    with pytest.raises(ScriptError) as caught:
        run(script_diagram(script), data={"amount": 1})

    error = caught.value
    assert error.refused
    assert error.element_id == "calc_support"
    assert error.element_name == "Tính mức hỗ trợ"
    assert reason in error.reason
    assert str(error).startswith("Script in element 'calc_support' (Tính mức hỗ trợ) was refused: ")
    assert error.task_spec.bpmn_id == "calc_support"


def test_refused_message_reads_plainly():
    with pytest.raises(ScriptError) as caught:
        run(script_diagram("import os"))

    assert str(caught.value) == (
        "Script in element 'calc_support' (Tính mức hỗ trợ) was refused: import is not allowed"
    )


def test_refused_condition_names_the_gateway():
    with pytest.raises(ScriptError) as caught:
        run(gateway_diagram("amount.__class__ is int"), data={"amount": 1})

    assert caught.value.element_id == "route"
    assert caught.value.refused
    assert "names starting with '_' are not allowed: '__class__'" in str(caught.value)


def test_failing_script_names_the_element_and_line():
    with pytest.raises(ScriptError) as caught:
        run(script_diagram("a = 1\nb = a / 0"))

    error = caught.value
    assert not error.refused
    assert error.line_number == 2
    assert error.error_line == "b = a / 0"
    assert str(error) == (
        "Script in element 'calc_support' (Tính mức hỗ trợ) failed: ZeroDivisionError: division by zero (line 2)"
    )


def test_script_cannot_raise_past_the_engine():
    with pytest.raises(ScriptError) as caught:
        run(script_diagram("raise SystemExit(1)"))

    assert "NameError" in caught.value.reason


# --------------------------------------------------------------------------- check_source


@pytest.mark.parametrize(
    ("source", "mode"),
    [
        ("support = salary * 3 // 2\nset_status(4)", "exec"),
        ("decision == 'accept'", "eval"),
        ("\n   amount > 1000\n", "eval"),
        ("for i, doc in enumerate(documents):\n    count += 1", "exec"),
    ],
)
def test_check_source_accepts(source, mode):
    assert check_source(source, mode) is None


@pytest.mark.parametrize(
    ("source", "mode", "reason"),
    [
        ("import os", "exec", "import is not allowed"),
        ("x.__class__", "eval", "names starting with '_' are not allowed: '__class__'"),
        ("open('/etc/passwd')", "eval", "open is not allowed"),
        ("class A: pass", "exec", "class definitions are not allowed"),
        ("x = 1 +", "exec", "syntax error: invalid syntax"),
        ("x = 1", "eval", "syntax error: invalid syntax"),
        ("x = 1\nimport os\ny = open('f')", "exec", "import is not allowed (line 2); open is not allowed (line 3)"),
    ],
)
def test_check_source_refuses(source, mode, reason):
    assert check_source(source, mode) == reason


def test_service_calls_are_not_implemented_yet():
    with pytest.raises(NotImplementedError, match="service tasks are not supported yet"):
        RestrictedScriptEnvironment(functions={}).call_service({}, operation_name="portal_sync")
