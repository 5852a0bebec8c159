"""The metadata's JSON Schema (workflows/schema/, Draft 2020-12) and the check of a YAML file
against it, every problem pointed at its line and key path, e.g.
`workflows/P02.yaml line 14 (tasks.receive.fields[2].type): 'integr' is not one of [...]`.

The schema says what keys exist and what their values look like (the browser editor uses it
too); metadata.py keeps the checks a schema cannot express (the limit's split adds up, a field is
declared once, a purpose is used once...). Both run; where both find fault with the same key,
metadata.py's message, written for a designer, is the one reported.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource

from engine.config import PROJECT_ROOT
from engine.workflow import safe_xml
from engine.workflow.metadata import Problem, ProcedureMeta, SharedStepMeta, read_procedure, read_shared_step

SCHEMA_DIR = PROJECT_ROOT / "workflows" / "schema"
PROCEDURE = "procedure.schema.json"
SHARED_STEP = "shared_step.schema.json"
MAX_MESSAGE = 300  # a message quoting a whole mapping is cut here


@cache
def schemas() -> dict[str, dict[str, Any]]:
    """Every schema file by name, as served to the browser editor (they refer to each other by name)."""
    return {path.name: json.loads(path.read_text("utf-8")) for path in sorted(SCHEMA_DIR.glob("*.schema.json"))}


@cache
def _validator(name: str) -> Draft202012Validator:
    registry = Registry().with_resources((n, Resource.from_contents(s)) for n, s in schemas().items())
    return Draft202012Validator(schemas()[name], registry=registry)


def is_shared_step(label: str) -> bool:
    return Path(label).parent.name == "shared"


def check_metadata_text(text: str, label: str, shared: bool | None = None) -> list[Problem]:
    """Every problem of a metadata file's text (a procedure's, or with `shared` or a label in a
    shared/ folder a shared step's), each with its line: YAML syntax, the schema, metadata.py."""
    try:
        safe_xml.check_size(len(text.encode("utf-8")), what="a metadata file")
    except safe_xml.XMLRefused as err:
        return [Problem(label, "", err.reason)]
    return _check(text, label, is_shared_step(label) if shared is None else shared)[2]


def read_procedure_file(path: Path, label: str) -> tuple[Any, ProcedureMeta | None, list[Problem]]:
    """A procedure's metadata file: (the YAML as read, the metadata, every problem)."""
    return _read(path, label, shared=False)


def read_shared_file(path: Path, label: str) -> tuple[Any, SharedStepMeta | None, list[Problem]]:
    return _read(path, label, shared=True)


def _read(path: Path, label: str, shared: bool):
    try:
        safe_xml.check_size(path.stat().st_size, what="a metadata file")
        text = path.read_text(encoding="utf-8")
    except safe_xml.XMLRefused as err:
        return None, None, [Problem(label, "", err.reason)]
    except (OSError, UnicodeDecodeError) as err:
        return None, None, [Problem(label, "", f"cannot read the file: {err}")]
    return _check(text, label, shared)


# libyaml's parser, when PyYAML was built with it, reads the catalogue's metadata about ten times
# faster than the pure-Python one (most of a catalogue load); both build the same nodes with lines
FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _compose(text: str, loader_class: type) -> tuple[Any, Any]:
    """The document's node tree (for lines) and its value."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        return node, (loader.construct_document(node) if node is not None else None)
    finally:
        loader.dispose()


def _check(text: str, label: str, shared: bool):
    """(the YAML as read, the metadata, every problem) of a file's text. The same text is checked
    once per process (a catalogue loaded again reads the same files); each caller gets its own copy
    of the YAML to change, the metadata and problems being frozen."""
    raw, meta, problems = _checked(text, label, shared)
    return copy.deepcopy(raw), meta, list(problems)


CHECKED_KEPT = 256  # metadata files: a catalogue's worth and its drafts


@lru_cache(maxsize=CHECKED_KEPT)
def _checked(text: str, label: str, shared: bool):
    try:
        try:
            node, raw = _compose(text, FAST_LOADER)
        except yaml.YAMLError:  # read again by the pure-Python parser, whose messages designers see
            node, raw = _compose(text, yaml.SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        reason = f"cannot read YAML: {getattr(err, 'problem', None) or err}"
        return None, None, [Problem(label, "", reason, mark.line + 1 if mark else None)]

    meta, found = (read_shared_step if shared else read_procedure)(raw, label)
    problems = [Problem(p.file, p.element, p.reason, _line(node, _tokens(p.element))) for p in found]
    covered = [_tokens(p.element) for p in found]
    for tokens, key_line, reason in _schema_errors(raw, SHARED_STEP if shared else PROCEDURE, node):
        if not any(_overlap(tokens, other) for other in covered):
            problems.append(Problem(label, _path_text(tokens), reason, key_line))
    problems.sort(key=lambda p: p.line or 0)
    return raw, meta, problems


def _schema_errors(raw: Any, schema: str, node) -> list[tuple[list, int | None, str]]:
    found = []
    for error in _validator(schema).iter_errors(raw):
        tokens = list(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = list(error.schema.get("properties", {}))
            for key in error.instance:
                if key not in allowed:
                    where = [*tokens, key]
                    found.append((where, _line(node, where, at_key=True), _unknown_key(key, allowed)))
            continue
        if error.validator == "required":
            missing = re.match(r"^'(.+)' is a required property$", error.message)
            if missing:
                found.append(([*tokens, missing.group(1)], _line(node, tokens), f"'{missing.group(1)}' is missing"))
                continue
        reason = _reason(error)
        found.append((tokens, _line(node, tokens), reason))
    return found


def _unknown_key(key: Any, allowed: list[str]) -> str:
    if not allowed:
        return f"unknown key '{key}'"
    return f"unknown key '{key}'; the keys here are {', '.join(allowed)}"


def _reason(error: ValidationError) -> str:
    if error.validator in ("oneOf", "anyOf") and error.context:
        deepest = best_match(error.context)
        if len(deepest.absolute_path) > len(error.absolute_path):  # wrong inside: say what
            return _reason(deepest)
        described = error.schema.get("description")
        if described:
            return f"not valid here: {described}"
    reason = error.message
    return reason if len(reason) <= MAX_MESSAGE else reason[: MAX_MESSAGE - 1] + "…"


# --- key paths and lines ------------------------------------------------------------------------

_TOKEN = re.compile(r"\[(\d+)\]|([^.\[\]]+)")


def _tokens(element: str) -> list:
    """metadata.py's element ("tasks.x.fields[1] (note)", "application.fields[0]") as a key path."""
    element = re.sub(r" \(.*\)$", "", element or "")
    element = element.replace("application.fields[", "application[")  # the application is a bare list
    return [int(index) if index else key for index, key in _TOKEN.findall(element)]


def _path_text(tokens: list) -> str:
    text = ""
    for token in tokens:
        text += f"[{token}]" if isinstance(token, int) else (f".{token}" if text else str(token))
    return text


def _overlap(a: list, b: list) -> bool:
    """One key path lies within the other (the same key, or a key and something inside it)."""
    if not a or not b:
        return False
    n = min(len(a), len(b))
    return [str(t) for t in a[:n]] == [str(t) for t in b[:n]]


def _line(node, tokens: list, at_key: bool = False) -> int | None:
    """The line of the deepest node of the YAML document along `tokens` (of the key itself when
    at_key and the last token is found as a key)."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for i, token in enumerate(tokens):
        last = i == len(tokens) - 1
        if isinstance(node, yaml.MappingNode):
            pair = next(((k, v) for k, v in node.value if str(k.value) == str(token)), None)
            if pair is None:
                break
            if last and at_key:
                return pair[0].start_mark.line + 1
            node = pair[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(token, int) and token < len(node.value):
            node = node.value[token]
        else:
            break
        line = node.start_mark.line + 1
    return line
