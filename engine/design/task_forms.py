"""The studio panel's edits of a draft's metadata text: a user task's form fields and the split of
the time limit over the steps (`limit.steps`; the metadata has no limit per task: a task counts
against the step its lane's role works in, see engine/sla/deadlines.py).

The YAML stays the one source the page saves, so an edit takes the text the page holds and gives
back new text. PyYAML keeps no comments, so the text is not dumped whole: only the span of the
edited node (the task's entry, or `limit`) is written anew and spliced in; every other line, its
comments and its layout stay as the designer wrote them. An edit that would leave the task (or the
limit) with a problem is refused with the problem, and the text is not changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from engine.errors import EngineError
from engine.workflow.metadata import STEPS, Problem
from engine.workflow.metadata_schema import check_metadata_text

# what "add form" puts on a user task that has none: one text field to rename
STUB_FIELD = {"name": "note", "type": "text", "required": False, "label": {"vi": "Ghi chú", "en": "Note"}}
# and what a field turned into a choice starts with (a choice field needs one)
STUB_CHOICE = {"value": "option_1", "label": {"vi": "Lựa chọn 1", "en": "Option 1"}}
MAX_FIELDS = 100


class FormEditRefused(EngineError):
    """An edit of a task's form or the step limits that cannot be made; the text is unchanged."""


@dataclass(frozen=True)
class TaskForm:
    """What the panel shows for one user task, read from the metadata text."""

    task: str
    fields: list[dict[str, Any]]
    declared: bool  # the task has an entry under `tasks:`
    purpose: str | None
    limit_days: int | None
    steps: dict[str, int] | None  # the split of the limit, when the metadata declares one


@dataclass(frozen=True)
class Edit:
    text: str
    problems: list[Problem]  # what is still wrong in the edited part (none when the edit is accepted)


def read_task_form(text: str, task: str) -> TaskForm:
    _root, raw = _parse(text)
    _check_task_id(task)
    tasks = raw.get("tasks") if isinstance(raw.get("tasks"), dict) else {}
    spec = tasks.get(task)
    fields = spec.get("fields") if isinstance(spec, dict) else None
    limit = raw.get("limit") if isinstance(raw.get("limit"), dict) else {}
    days = limit.get("days")
    steps = limit.get("steps")
    return TaskForm(
        task=task,
        fields=[f for f in fields if isinstance(f, dict)] if isinstance(fields, list) else [],
        declared=task in tasks,
        purpose=spec.get("purpose") if isinstance(spec, dict) else None,
        limit_days=days if isinstance(days, int) and not isinstance(days, bool) else None,
        steps=dict(steps) if isinstance(steps, dict) else None,
    )


def set_task_fields(text: str, task: str, fields: Any, label: str = "metadata") -> Edit:
    """The text with `task`'s form replaced by `fields` (a list of field mappings, in order); the
    task's purpose is kept. Refused when a field is not valid (the schema's or metadata.py's word)."""
    root, raw = _parse(text)
    _check_task_id(task)
    if not isinstance(fields, list) or not all(isinstance(f, dict) for f in fields):
        raise FormEditRefused(
            "Danh sách trường phải là một danh sách các trường", "The fields must be a list of fields"
        )
    if len(fields) > MAX_FIELDS:
        raise FormEditRefused(f"Tối đa {MAX_FIELDS} trường", f"At most {MAX_FIELDS} fields")
    tasks_raw = raw.get("tasks")
    if tasks_raw is not None and not isinstance(tasks_raw, dict):
        raise FormEditRefused("Mục tasks của siêu dữ liệu phải là một ánh xạ", "The metadata's tasks must be a mapping")
    old = (tasks_raw or {}).get(task)
    entry: dict[str, Any] = dict(old) if isinstance(old, dict) else {}
    entry["fields"] = [_clean_field(f) for f in fields]
    if not entry["fields"]:
        del entry["fields"]
    new_text = _replace_task(text, root, task, entry)
    return _accepted(new_text, label, f"tasks.{task}")


def set_step_limits(text: str, steps: Any, label: str = "metadata") -> Edit:
    """The text with the limit's split over the steps set to `steps` (step -> days), or removed
    (`None`: the default split). Refused when the days do not add up to the limit."""
    root, raw = _parse(text)
    limit_node = _value(root, "limit")
    if limit_node is None or not isinstance(raw.get("limit"), dict):
        raise FormEditRefused("Siêu dữ liệu chưa có thời hạn (limit)", "The metadata has no limit yet")
    limit = dict(raw["limit"])
    if steps is None:
        limit.pop("steps", None)
    else:
        if not isinstance(steps, dict) or any(k not in STEPS for k in steps):
            raise FormEditRefused(f"Các bước là {', '.join(STEPS)}", f"The steps are {', '.join(STEPS)}")
        for name, days in steps.items():
            if not isinstance(days, int) or isinstance(days, bool) or days < 0 or days > 3650:
                raise FormEditRefused(
                    f"Số ngày của bước {name} phải là số nguyên không âm",
                    f"The days of step {name} must be a whole number, not negative",
                )
        limit["steps"] = {name: steps.get(name, 0) for name in STEPS}
    rendered = _dump(_flow(limit), flow=True).strip()
    start, end = limit_node.start_mark.index, _end(limit_node)
    new_text = text[:start] + rendered + text[end:]
    return _accepted(new_text, label, "limit")


# --- reading --------------------------------------------------------------------------------------


def _parse(text: str):
    if not isinstance(text, str) or not text.strip():
        raise FormEditRefused("Siêu dữ liệu đang trống", "The metadata is empty")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        raw = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where_vi = f" (dòng {mark.line + 1})" if mark else ""
        where_en = f" (line {mark.line + 1})" if mark else ""
        raise FormEditRefused(
            f"Siêu dữ liệu chưa đọc được{where_vi}: hãy sửa YAML trước",
            f"The metadata does not parse{where_en}: fix the YAML first",
        ) from None
    if not isinstance(root, yaml.MappingNode) or not isinstance(raw, dict):
        raise FormEditRefused(
            "Siêu dữ liệu phải là một ánh xạ (code, process_id, name, ...)",
            "The metadata must be a mapping (code, process_id, name, ...)",
        )
    return root, raw


def _check_task_id(task: Any) -> None:
    if not isinstance(task, str) or not task.strip() or len(task) > 200 or any(c in task for c in ":#{}[],\n"):
        raise FormEditRefused("Mã công việc không hợp lệ", "Not a valid task id")


def _pair(node, key: str):
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return k, v
    return None


def _value(node, key: str):
    pair = _pair(node, key)
    return pair[1] if pair else None


def _end(node) -> int:
    """Where a node's own text ends: a block collection's end mark lies past the comments and blank
    lines after it, so it ends where its last item does."""
    if isinstance(node, yaml.ScalarNode) or node.flow_style:
        return node.end_mark.index
    if isinstance(node, yaml.MappingNode) and node.value:
        return _end(node.value[-1][1])
    if isinstance(node, yaml.SequenceNode) and node.value:
        return _end(node.value[-1])
    return node.end_mark.index


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


# --- writing --------------------------------------------------------------------------------------


class _Flow(dict):
    """A mapping written on one line ({vi: ..., en: ...}), as the catalogue's files write labels."""


class _Dumper(yaml.SafeDumper):
    def increase_indent(self, flow=False, indentless=False):
        return super().increase_indent(flow, False)  # "- " indented under its key, as in workflows/


class _Quoted(str):
    """A label's text, in double quotes like the catalogue's (a colon or comma in it stays text)."""


_Dumper.add_representer(_Quoted, lambda d, data: d.represent_scalar("tag:yaml.org,2002:str", data, style='"'))
_Dumper.add_representer(_Flow, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True))


def _labels(value: Any) -> Any:
    """A {vi, en} label with its texts quoted."""
    if isinstance(value, dict):
        return _Flow({k: _Quoted(v) if k in ("vi", "en") and isinstance(v, str) else v for k, v in value.items()})
    return value


def _flow(value: Any) -> Any:
    if isinstance(value, dict) and "label" in value:
        return _Flow({k: _labels(v) if k == "label" else _flow(v) for k, v in value.items()})
    if isinstance(value, dict):
        return _Flow({k: _flow(v) for k, v in value.items()})
    if isinstance(value, list):
        return [_flow(v) for v in value]
    return value


def _dump(value: Any, flow: bool = False) -> str:
    return yaml.dump(
        value, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=4096, default_flow_style=flow or False
    )


def _clean_field(raw: dict) -> dict:
    """A field as the panel sent it, keys in the catalogue's order, labels and choices on one line."""
    order = ("name", "type", "required", "min", "max", "max_length", "label", "choices", "required_if")
    field = {k: raw[k] for k in order if k in raw and raw[k] is not None and raw[k] != ""}
    field.update({k: v for k, v in raw.items() if k not in order})  # an unknown key: the schema names it
    if field.get("type") != "choice":
        field.pop("choices", None)
    if isinstance(field.get("label"), dict):
        field["label"] = _labels(field["label"])
    if isinstance(field.get("required_if"), dict):
        field["required_if"] = _Flow(field["required_if"])
    if isinstance(field.get("choices"), list):
        field["choices"] = [_flow(c) for c in field["choices"]]
    return field


def _replace_task(text: str, root, task: str, entry: dict) -> str:
    tasks_pair = _pair(root, "tasks")
    if tasks_pair is None:  # no tasks yet: a new section before the paths (or at the end)
        block = "tasks:\n" + _indent(_dump({task: entry}), 2)
        paths = _pair(root, "paths")
        if paths is not None:
            at = _line_start(text, paths[0].start_mark.index)
            return text[:at] + block + "\n" + text[at:]
        return text.rstrip("\n") + "\n\n" + block
    key, tasks_node = tasks_pair
    empty = isinstance(tasks_node, yaml.MappingNode) and not tasks_node.value  # tasks: {}
    if empty or (isinstance(tasks_node, yaml.ScalarNode) and tasks_node.value in ("", "~", "null")):
        start, end = key.start_mark.index, _end(tasks_node)
        return (
            text[:start]
            + "tasks:\n"
            + _indent(_dump({task: entry}), key.start_mark.column + 2).rstrip("\n")
            + text[end:]
        )
    if not isinstance(tasks_node, yaml.MappingNode) or tasks_node.flow_style:
        raise FormEditRefused(
            "Mục tasks phải viết dạng khối (mỗi công việc một dòng) để sửa từ bảng thuộc tính",
            "Write tasks as a block (one task a line) to edit it from the panel",
        )
    pair = _pair(tasks_node, task)
    if pair is None:  # a new entry after the last task
        column = tasks_node.value[0][0].start_mark.column if tasks_node.value else key.start_mark.column + 2
        at = _end(tasks_node)
        eol = text.find("\n", at)
        eol = len(text) if eol < 0 else eol
        return text[:eol] + "\n" + _indent(_dump({task: entry}), column).rstrip("\n") + text[eol:]
    task_key, task_node = pair
    column = task_key.start_mark.column
    start = _line_start(text, task_key.start_mark.index)
    end = _end(task_node)
    eol = text.find("\n", end)
    eol = len(text) if eol < 0 else eol
    return text[:start] + _indent(_dump({task: entry}), column).rstrip("\n") + text[eol:]


def _indent(block: str, column: int) -> str:
    pad = " " * column
    return "".join(pad + line if line.strip() else line for line in block.splitlines(keepends=True))


def _accepted(new_text: str, label: str, part: str) -> Edit:
    problems = [p for p in check_metadata_text(new_text, label, shared=False) if _within(p.element, part)]
    if problems:
        reasons = "; ".join(f"{p.element}: {p.reason}" if p.element else p.reason for p in problems)
        raise FormEditRefused(f"Chưa sửa được: {reasons}", f"Not changed: {reasons}")
    return Edit(new_text, problems)


def _within(element: str, part: str) -> bool:
    return (
        element == part
        or element.startswith(part + ".")
        or element.startswith(part + "[")
        or (element.startswith(part + " "))
    )
