"""The script layer for diagrams: script tasks and gateway conditions under RestrictedPython.

Scripts and conditions are written by process designers, so they never run under plain
``exec``/``eval``. Every source text is compiled by RestrictedPython with a slightly stricter
policy than its default (no imports, no class definitions, no calls to introspection or I/O
builtins), and runs with a small set of builtins plus the guard functions RestrictedPython's
compiled code calls (``_getattr_``, ``_getitem_``, ``_write_``, ...).

- :class:`RestrictedScriptEnvironment` is the SpiffWorkflow script environment. It moves
  variables in and out of task data the way SpiffWorkflow's ``TaskDataEnvironment`` does.
- :class:`RestrictedScriptEngine` is the script engine to give to ``BpmnWorkflow``; its errors
  are :class:`ScriptError` and name the diagram element.
- :func:`check_source` is the compile-only check run when diagrams are loaded.
"""

from __future__ import annotations

import ast
import keyword
import operator
import re
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable, Mapping
from types import CodeType
from typing import Any, NamedTuple

from RestrictedPython import compile_restricted_eval, compile_restricted_exec, safe_builtins
from RestrictedPython.Guards import (
    full_write_guard,
    guarded_iter_unpack_sequence,
    guarded_unpack_sequence,
    safer_getattr_raise,
)
from RestrictedPython.transformer import INSPECT_ATTRIBUTES, RestrictingNodeTransformer
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine.python_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.workflow import script_limits
from engine.workflow.script_limits import Limits, ScriptLimit, bounded

__all__ = [
    "Limits",
    "RestrictedScriptEngine",
    "RestrictedScriptEnvironment",
    "ScriptError",
    "ScriptRefused",
    "check_source",
]

# Compiled code is looked up by (mode, source); the filename must stay '<string>' because
# SpiffWorkflow finds the failing line of a script by that name in the traceback.
_FILENAME = "<string>"
_CACHE_SIZE = 1024


class ScriptRefused(Exception):
    """A script or expression uses something the restriction layer does not allow.

    ``reason`` says what in plain words ("import is not allowed"); ``line_number`` is the
    line of the script where it was found, when known.
    """

    def __init__(self, reason: str, line_number: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.line_number = line_number


# --------------------------------------------------------------------------- compiling

# Calls refused at compile time. None of these is in the builtins scripts get, so they would
# fail anyway with a NameError; refusing them up front gives the designer a plain reason and
# lets `check_source` report them when the diagram is loaded.
_REFUSED_CALLS = frozenset(
    {
        "breakpoint",
        "compile",
        "delattr",
        "dir",
        "eval",
        "exec",
        "exit",
        "getattr",
        "globals",
        "hasattr",
        "help",
        "input",
        "locals",
        "memoryview",
        "object",
        "open",
        "print",
        "quit",
        "setattr",
        "super",
        "type",
        "vars",
    }
)

_STATEMENT_NAMES = {
    "AsyncFor": "async for loops",
    "AsyncFunctionDef": "async functions",
    "AsyncWith": "async with blocks",
    "Await": "await expressions",
}

# RestrictedPython's own messages, put in plain words: (reason, offending name or None).
_Translation = tuple[re.Pattern[str], Callable[[re.Match[str]], tuple[str, str | None]]]
_TRANSLATIONS: list[_Translation] = [
    (
        re.compile(
            r'^"(?P<n>.*)" is an invalid (?:variable|attribute) name because it starts'
            r' with "_"'
        ),
        lambda m: ("names starting with '_' are not allowed", m["n"]),
    ),
    (
        re.compile(
            r'^"(?P<n>.*)" is an invalid (?:variable|attribute) name because it ends'
            r' with "__roles__"'
        ),
        lambda m: ("names ending with '__roles__' are not allowed", m["n"]),
    ),
    (re.compile(r'^"(?P<n>.*)" is a (?:reserved|restricted) name'), lambda m: (f"{m['n']} is not allowed", None)),
    (re.compile(r"^(?P<n>Exec|Eval) calls are not allowed"), lambda m: (f"{m['n'].lower()} is not allowed", None)),
    (
        re.compile(r"^(?P<n>\w+) statements are not allowed"),
        lambda m: (_STATEMENT_NAMES.get(m["n"], m["n"].lower() + " statements") + " are not allowed", None),
    ),
]


def _plain_words(info: str) -> tuple[str, str | None]:
    for pattern, render in _TRANSLATIONS:
        match = pattern.match(info)
        if match:
            return render(match)
    info = info.rstrip(".")
    return info[:1].lower() + info[1:], None


class _Refusal(NamedTuple):
    line: int
    column: int
    reason: str
    name: str | None


class _DiagramPolicy(RestrictingNodeTransformer):
    """RestrictedPython's policy, a little stricter, recording errors in plain words.

    Errors go into the list RestrictedPython hands in as :class:`_Refusal` tuples.
    """

    def error(self, node: ast.AST, info: str) -> None:
        reason, name = _plain_words(info)
        position = (getattr(node, "lineno", None) or 0, getattr(node, "end_col_offset", None) or 0)
        self.errors.append(_Refusal(*position, reason, name))

    def visit_Import(self, node: ast.Import) -> ast.AST:
        self.error(node, "import is not allowed")
        return node

    def visit_ImportFrom(self, node: ast.ImportFrom) -> ast.AST:
        self.error(node, "import is not allowed")
        return node

    def visit_ClassDef(self, node: ast.ClassDef) -> ast.AST:
        self.error(node, "class definitions are not allowed")
        return node

    def visit_Call(self, node: ast.Call) -> ast.AST:
        if isinstance(node.func, ast.Name) and node.func.id in _REFUSED_CALLS:
            self.error(node, f"{node.func.id} is not allowed")
        return super().visit_Call(node)

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> ast.AST:
        # a bare except would catch the watchdog's stop and let a looping script run on
        if node.type is None:
            self.error(node, "a bare except: is not allowed; name the errors, e.g. except ValueError")
        return super().visit_ExceptHandler(node)

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        """``a * b``, ``a + b``, ``a ** b``, ``a << b``, ``a % b`` become calls of the size guards
        (script_limits), which refuse a result past the memory limit before making it."""
        node = super().visit_BinOp(node)
        guard = script_limits.GUARDED_BINOPS.get(type(node.op).__name__)
        if guard is None:
            return node
        return ast.copy_location(ast.Call(_guard_name(guard, node), [node.left, node.right], []), node)

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.AST:
        """``f"{x:>{n}}"``: the width is checked by the ``_format_`` guard before formatting."""
        node = super().visit_FormattedValue(node)
        if node.format_spec is None:
            return node
        args = [node.value, node.format_spec, ast.copy_location(ast.Constant(node.conversion), node)]
        value = ast.copy_location(ast.Call(_guard_name("_format_", node), args, []), node)
        return ast.copy_location(ast.FormattedValue(value, -1, None), node)


def _guard_name(name: str, where: ast.AST) -> ast.Name:
    return ast.copy_location(ast.Name(name, ast.Load()), where)


def _describe(refusals: list[_Refusal], multiline: bool) -> str:
    """One clause per kind of refusal, in source order, e.g. "names starting with '_' are
    not allowed: '__class__', '__dict__'; open is not allowed". Lines are only named when
    the source has more than one line."""
    groups: dict[str, list[_Refusal]] = {}
    for refusal in sorted(refusals, key=lambda r: (r.line, r.column)):
        groups.setdefault(refusal.reason, []).append(refusal)
    clauses = []
    for reason, group in groups.items():
        if group[0].name:
            items = [f"'{r.name}'" + (f" (line {r.line})" if multiline and r.line else "") for r in group]
            clauses.append(f"{reason}: {', '.join(dict.fromkeys(items))}")
        else:
            lines = [str(line) for line in dict.fromkeys(r.line for r in group) if line]
            if multiline and lines:
                reason += f" (line{'s' if len(lines) > 1 else ''} {', '.join(lines)})"
            clauses.append(reason)
    return "; ".join(clauses)


class _Compiled(NamedTuple):
    code: CodeType | None
    refusal: str | None = None
    line: int | None = None


_cache: OrderedDict[tuple[str, str], _Compiled] = OrderedDict()
_cache_lock = threading.Lock()


def _compile(source: str | None, mode: str) -> _Compiled:
    key = (mode, source or "")
    with _cache_lock:
        compiled = _cache.get(key)
        if compiled is not None:
            _cache.move_to_end(key)
            return compiled
    compiled = _compile_uncached(*key)
    with _cache_lock:
        _cache[key] = compiled
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled


def _compile_uncached(mode: str, source: str) -> _Compiled:
    if mode == "eval":
        compile_restricted = compile_restricted_eval
        # Conditions often come out of the XML with surrounding whitespace or newlines.
        source = source.strip()
    elif mode == "exec":
        compile_restricted = compile_restricted_exec
    else:
        raise ValueError(f"mode must be 'exec' or 'eval', not {mode!r}")
    multiline = len(source.strip().splitlines()) > 1
    try:
        tree = ast.parse(source, _FILENAME, mode)
        result = compile_restricted(tree, _FILENAME, policy=_DiagramPolicy)
    except SyntaxError as err:  # from parsing, or from compiling e.g. 'return' outside a function
        where = f" (line {err.lineno})" if multiline and err.lineno else ""
        return _Compiled(None, f"syntax error: {err.msg}{where}", err.lineno)
    if result.errors:
        refusals = [
            error if isinstance(error, _Refusal) else _Refusal(0, 0, *_plain_words(str(error)))
            for error in result.errors
        ]
        first_line = min(r.line for r in refusals) or None
        return _Compiled(None, _describe(refusals, multiline), first_line)
    return _Compiled(result.code)


def _compile_or_refuse(source: str | None, mode: str) -> CodeType:
    compiled = _compile(source, mode)
    if compiled.code is None:
        raise ScriptRefused(compiled.refusal, compiled.line)
    return compiled.code


def check_source(source: str, mode: str) -> str | None:
    """Compile-only check for a script (``mode='exec'``) or an expression (``mode='eval'``).

    Returns None if it would run, else the reason in plain words (what is not allowed, or the
    syntax error).
    """
    return _compile(source, mode).refusal


# --------------------------------------------------------------------------- guards


def _guarded_getattr(obj: Any, name: str) -> Any:
    """``obj.name`` in a script: public attributes only, no ``str.format`` tricks.

    RestrictedPython's ``safer_getattr`` does the work (in its raising form, so a missing
    attribute is an AttributeError as in Python rather than a silent None); what it refuses
    is turned into a ScriptRefused with a plain reason.
    """
    if type(name) is str and name.startswith("_"):
        raise ScriptRefused(f"names starting with '_' are not allowed: '{name}'")
    if name in INSPECT_ATTRIBUTES:
        raise ScriptRefused(f"{name} is not allowed")
    try:
        value = safer_getattr_raise(obj, name)
    except NotImplementedError:
        # '{0.__class__}'.format(x) would reach private attributes through the format string.
        if name in ("format", "format_map"):
            raise ScriptRefused(f"str.{name} is not allowed; use an f-string or % formatting") from None
        raise ScriptRefused(f"{name} is not allowed") from None
    if name in script_limits.STRING_METHODS and isinstance(obj, (str, bytes, bytearray)):
        return script_limits.STRING_METHODS[name](obj)
    return value


def _getitem(obj: Any, index: Any) -> Any:
    return obj[index]


def _apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


_INPLACE_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "&=": operator.iand,
    "|=": operator.ior,
    "^=": operator.ixor,
    "@=": operator.imatmul,
}


def _inplacevar(op: str, target: Any, value: Any) -> Any:
    """``x += y`` on a variable (numbers, strings, lists, ...).

    This is exactly what ``x = x + y`` does, which scripts may write anyway; attribute and
    item targets (``a.b += 1``, ``a[0] += 1``) are refused by the compiler.
    """
    try:
        function = script_limits.INPLACE.get(op) or _INPLACE_OPERATORS[op]
    except KeyError:
        raise ScriptRefused(f"the operator {op} is not allowed") from None
    return function(target, value)


_EXTRA_BUILTINS: dict[str, Any] = {
    "min": min,
    "max": max,
    "round": round,
    "abs": abs,
    "sum": sum,
    "len": len,
    "sorted": sorted,
    "any": any,
    "all": all,
    "dict": dict,
    "list": list,
    "set": set,
    "tuple": tuple,
    "str": str,
    "int": int,
    "float": float,
    "bool": bool,
    "range": range,
    "enumerate": enumerate,
    "zip": zip,
    **script_limits.BUILTINS,
}

# From RestrictedPython's safe_builtins, scripts do not get: classes (refused by the compiler),
# setattr/delattr (refused calls), and the exceptions outside Exception, which a script could
# raise to get past the engine's error handling (e.g. `raise SystemExit`).
_WITHHELD_BUILTINS = _REFUSED_CALLS | {
    "__build_class__",
    "BaseException",
    "GeneratorExit",
    "KeyboardInterrupt",
    "SystemExit",
}

_GUARDS: dict[str, Any] = {
    "_getattr_": _guarded_getattr,
    "_getitem_": _getitem,
    "_getiter_": iter,
    "_iter_unpack_sequence_": guarded_iter_unpack_sequence,
    "_unpack_sequence_": guarded_unpack_sequence,
    "_write_": full_write_guard,
    "_inplacevar_": _inplacevar,
    "_apply_": _apply,
    **script_limits.GUARDS,
}


def _script_line(err: BaseException) -> int | None:
    """The line of the script (compiled as '<string>') where ``err`` was raised."""
    line = None
    for frame in traceback.extract_tb(err.__traceback__):
        if frame.filename == _FILENAME:
            line = frame.lineno
    return line


# --------------------------------------------------------------------------- environment


class RestrictedScriptEnvironment(BasePythonScriptEngineEnvironment):
    """Runs scripts and expressions under RestrictedPython against task data.

    Like SpiffWorkflow's TaskDataEnvironment, a script runs with the task data itself as its
    namespace, so the variables it assigns land in the task data; the functions, builtins
    and guards are only reachable through ``__builtins__`` and never stay in the task data.

    ``functions`` are the callables scripts may use, e.g. ``{"set_status": ...}``; ``limits``
    bound the time and memory of each run (see script_limits).
    """

    def __init__(self, functions: Mapping[str, Callable[..., Any]] | None = None, limits: Limits | None = None):
        super().__init__(dict(functions or {}))
        self.limits = limits or Limits()
        for name in self.globals:
            if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
                raise ValueError(f"{name!r} cannot be the name of a script function")
        self.builtins: dict[str, Any] = {
            **{name: value for name, value in safe_builtins.items() if name not in _WITHHELD_BUILTINS},
            **_EXTRA_BUILTINS,
            **_GUARDS,
            **self.globals,
        }

    def evaluate(self, expression: str, context: dict, external_context: dict | None = None) -> Any:
        code = _compile_or_refuse(expression, "eval")
        self._prepare_context(context)
        namespace = {**(external_context or {}), **context, "__builtins__": self.builtins}
        return bounded(self.limits, eval, code, namespace)

    def execute(self, script: str, context: dict, external_context: dict | None = None) -> bool:
        external_context = external_context or {}
        self.check_for_overwrite(context, external_context)
        code = _compile_or_refuse(script, "exec")
        before = set(context)
        self._prepare_context(context)
        context.update(external_context)
        context["__builtins__"] = self.builtins
        try:
            bounded(self.limits, exec, code, context)
        except ScriptRefused as err:  # refused while running, e.g. str.format
            err.line_number = err.line_number or _script_line(err)
            if err.line_number and len(script.strip().splitlines()) > 1:
                err.reason = f"{err.reason} (line {err.line_number})"
                err.args = (err.reason,)
            raise
        finally:
            self._remove_globals_and_functions_from_context(context, external_context, before)
        return True

    def call_service(self, context: dict, **kwargs: Any) -> Any:
        operation = kwargs.get("operation_name")
        raise NotImplementedError(
            f"service tasks are not supported yet (operation {operation!r} was not called); "
            "use a script task calling a provided function instead"
        )

    def _prepare_context(self, context: dict) -> None:
        pass

    def _remove_globals_and_functions_from_context(
        self, context: dict, external_context: dict | None = None, before: set | None = None
    ) -> None:
        """As TaskDataEnvironment: drop builtins, functions, provided names and external
        context from the task data; also drop RestrictedPython's own temporaries."""
        for key in list(context):
            if (
                key == "__builtins__"
                or callable(context[key])
                or key in self.globals
                or (external_context and key in external_context)
                or (before is not None and key not in before and key.startswith("_") and key != "_")
            ):
                context.pop(key)

    def check_for_overwrite(self, context: dict, external_context: dict) -> None:
        """Fail fast if task data would hide a provided function (as TaskDataEnvironment)."""
        overwrites = set(self.globals).intersection(context)
        overwrites.update(set(external_context).intersection(context))
        if overwrites:
            raise ValueError(
                "You have task data that overwrites a predefined function(s). Please change "
                f"the following variable or field name(s) to something else: {overwrites}"
            )


# --------------------------------------------------------------------------- engine


class ScriptError(WorkflowTaskException):
    """A script, expression or service call in a diagram element failed or was refused.

    The message names the element, e.g. "Script in element 'calc_support' (Tính mức hỗ trợ)
    was refused: import is not allowed". Attributes: ``element_id``, ``element_name``,
    ``reason``, ``refused`` (True when the restriction layer refused it), plus what
    WorkflowTaskException offers (``task``, ``task_spec``, ``line_number``, ``error_line``,
    ``error_type``). The original exception is ``__cause__``.
    """

    def __init__(
        self,
        task,
        reason: str,
        *,
        what: str = "Script",
        refused: bool = False,
        stopped: bool = False,
        exception: BaseException | None = None,
        line_number: int | None = None,
        error_line: str | None = None,
    ):
        spec = task.task_spec
        self.element_id: str = getattr(spec, "bpmn_id", None) or spec.name
        self.element_name: str | None = getattr(spec, "bpmn_name", None)
        self.reason = reason
        self.refused = refused
        self.stopped = stopped
        where = f"'{self.element_id}'" + (f" ({self.element_name})" if self.element_name else "")
        if stopped:  # past a limit: the reason says how ("ran longer than 2 s and was stopped")
            message = f"{what} in element {where} {reason}"
        else:
            message = f"{what} in element {where} {'was refused' if refused else 'failed'}: {reason}"
        super().__init__(message, task=task, exception=exception, line_number=line_number, error_line=error_line)

    def __str__(self) -> str:
        notes = [note.strip() for note in self.notes if note and note.strip()]
        return ". ".join([self.args[0], *notes])


def _script_error(task, source: str | None, err: BaseException, what: str) -> ScriptError:
    source = source or ""
    if isinstance(err, ScriptLimit):
        line = _script_line(err)
        reason = err.reason + (f" (line {line})" if line and len(source.strip().splitlines()) > 1 else "")
        return ScriptError(task, reason, what=what, stopped=True, exception=err, line_number=line)
    if isinstance(err, ScriptRefused):
        reason, refused, line = err.reason, True, err.line_number
    else:
        reason, refused = f"{type(err).__name__}: {err}", False
        line = err.lineno if isinstance(err, SyntaxError) else _script_line(err)
        if line and len(source.strip().splitlines()) > 1:
            reason = f"{reason} (line {line})"
    lines = source.splitlines()
    error_line = lines[line - 1] if line and 0 < line <= len(lines) else None
    return ScriptError(task, reason, what=what, refused=refused, exception=err, line_number=line, error_line=error_line)


class RestrictedScriptEngine(PythonScriptEngine):
    """The script engine for Motcua workflows: RestrictedPython, errors naming the element.

    ``functions`` are the callables scripts may use, e.g. ``{"set_status": ...}``; ``limits`` bound
    each script's time and memory.
    """

    def __init__(
        self,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        environment: RestrictedScriptEnvironment | None = None,
        limits: Limits | None = None,
    ):
        super().__init__(environment=environment or RestrictedScriptEnvironment(functions, limits))

    def evaluate(self, task, expression, external_context=None):
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ScriptError:
            raise
        except (Exception, ScriptLimit) as err:
            text = (expression or "").strip()
            raise _script_error(task, expression, err, f"Expression '{text}'") from err

    def execute(self, task, script, external_context=None):
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except ScriptError:
            raise
        except (Exception, ScriptLimit) as err:
            raise _script_error(task, script, err, "Script") from err

    def call_service(self, task, **kwargs):
        try:
            return self.environment.call_service(task.data, **kwargs)
        except ScriptError:
            raise
        except (Exception, ScriptLimit) as err:
            raise _script_error(task, None, err, "Service call") from err
