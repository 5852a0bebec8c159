"""Applications the law does not allow, refused at submission (`refuse_if` in a procedure's
metadata): a condition on the application's data, and the message shown on one of its fields.
Nothing is created for a refused application; the applicant reads why and may correct it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from engine.forms import FormError, Message
from engine.workflow.metadata import ProcedureMeta
from engine.workflow.scripting import RestrictedScriptEnvironment

# conditions compare dates of the application with the day a rule changed, e.g. date(2025, 7, 1)
_conditions = RestrictedScriptEnvironment({"date": date})


def refusals(meta: ProcedureMeta, data: Mapping[str, Any]) -> dict[str, Message]:
    """The messages, by field, of the refusals whose condition holds on the (cleaned) application.
    A condition that cannot be evaluated (a field left empty) does not hold."""
    found: dict[str, Message] = {}
    for refusal in meta.refusals:
        try:
            holds = bool(_conditions.evaluate(refusal.condition, dict(data)))
        except Exception:
            holds = False
        if holds and refusal.field not in found:
            found[refusal.field] = refusal.message
    return found


def check(meta: ProcedureMeta, data: Mapping[str, Any]) -> None:
    """FormError with every refusal that holds; nothing when the application is allowed."""
    found = refusals(meta, data)
    if found:
        raise FormError(found)
