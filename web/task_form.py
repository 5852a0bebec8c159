"""A task's form laid out by decision: the choice fields other fields depend on come first, then one
group per choice holding the fields it needs (`required_if: {decision: X}` belongs to X), then the
fields every decision shares. Without JavaScript every group shows, labelled with its choice; with
it (static/inbox/task.js) only the chosen one does. The server keeps only the chosen decision's
values: a reason typed for a refusal does not travel with an acceptance."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.forms import Choice, Field


@dataclass(frozen=True)
class Group:
    control: Field  # the choice field it depends on
    choice: Choice
    fields: list[Field] = field(default_factory=list)


@dataclass(frozen=True)
class Layout:
    controls: list[Field]
    groups: list[Group]
    shared: list[Field]


def _belongs(f: Field, controls: dict[str, Field]) -> tuple[str, str] | None:
    """(control name, choice value) when the field is needed for one choice of a control of this form."""
    if len(f.required_if) != 1:
        return None
    ((name, value),) = f.required_if.items()
    return (name, str(value)) if name in controls else None


def layout(fields: tuple[Field, ...], context: Mapping[str, Any] | None = None) -> Layout:
    context = context or {}
    named = {f.name: f for f in fields}
    controls = {
        name: named[name]
        for f in fields
        for name in f.required_if
        if len(f.required_if) == 1 and name in named and named[name].type == "choice"
    }
    groups = {
        (c.name, ch.value): Group(c, ch)
        for c in controls.values()
        for ch in c.choices
        if not (ch.unless and context.get(ch.unless))
    }
    shared: list[Field] = []
    for f in fields:
        if f.name in controls:
            continue
        owner = _belongs(f, controls)
        if owner is None:
            shared.append(f)
        elif owner in groups:
            groups[owner].fields.append(f)
    return Layout([f for f in fields if f.name in controls], [g for g in groups.values() if g.fields], shared)


def drop_other_choices(fields: tuple[Field, ...], data: dict[str, Any]) -> dict[str, Any]:
    """Blank the values of fields that belong to a choice other than the one made."""
    controls = {f.name: f for f in fields if f.type == "choice"}
    kept = dict(data)
    for f in fields:
        owner = _belongs(f, controls)
        chosen = data.get(owner[0]) if owner else None
        if owner and chosen not in (None, "") and str(chosen) != owner[1]:
            kept[f.name] = None
    return kept
