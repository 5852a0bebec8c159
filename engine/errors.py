"""Errors the engine reports to people: each says plainly what happened, in both languages.

Every one of them is raised before anything is written, or inside the transaction that is then
rolled back: a refused action changes nothing.
"""

from __future__ import annotations

from engine.forms import FormError, Message

__all__ = [
    "EngineError",
    "FormError",
    "NotAllowed",
    "NotFound",
    "NotWaitingForMessage",
    "ProcedureUnavailable",
    "RuleRefused",
    "StepFailed",
    "TaskNotOpen",
    "not_found",
]


class EngineError(Exception):
    def __init__(self, vi: str, en: str):
        self.message = Message(vi, en)
        super().__init__(en)


class NotFound(EngineError):
    pass


# what may be looked for and not found, in both languages; codes are shown as they are, ids with
# a #, names in quotes
_THINGS = {
    "dossier": ("hồ sơ", "dossier"),
    "procedure": ("thủ tục", "procedure"),
    "task": ("công việc", "task"),
    "document": ("tài liệu", "document"),
    "user": ("người dùng", "user"),
    "unit": ("đơn vị", "unit"),
    "role": ("vai trò", "role"),
    "incident": ("sự cố", "incident"),
    "filter": ("bộ lọc", "saved filter"),
}
_CODES = ("dossier", "procedure")


def not_found(thing: str, key: object) -> NotFound:
    """The one way to say that what was asked for does not exist: "No dossier BHXH.QNI-...",
    "No task #12", "No user 'lan'"."""
    vi, en = _THINGS[thing]
    shown = f"#{key}" if isinstance(key, int) else str(key) if thing in _CODES else f"'{key}'"
    return NotFound(f"Không có {vi} {shown}", f"No {en} {shown}")


class NotAllowed(EngineError):
    """The actor may not do this (wrong role or unit, someone else's task)."""


class TaskNotOpen(EngineError):
    """The task was completed by someone else, or the dossier moved on without it."""


class NotWaitingForMessage(EngineError):
    pass


class ProcedureUnavailable(EngineError):
    pass


class RuleRefused(EngineError, ValueError):
    """A rule the law sets refuses the values a step gave it (e.g. more survivors than the law
    pays an allowance to). Raised by the functions diagrams call (engine/workflow/benefits.py);
    the dossier service passes it on to the officer instead of the script error that wraps it."""


class StepFailed(EngineError):
    """A script, condition or timer expression of the diagram failed while a dossier moved on: the
    step was rolled back (the dossier stays where it was) and an incident was opened."""

    def __init__(self, vi: str, en: str, incident_id: int):
        super().__init__(vi, en)
        self.incident_id = incident_id
