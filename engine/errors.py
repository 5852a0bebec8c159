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
    "TaskNotOpen",
]


class EngineError(Exception):
    def __init__(self, vi: str, en: str):
        self.message = Message(vi, en)
        super().__init__(en)


class NotFound(EngineError):
    pass


class NotAllowed(EngineError):
    """The actor may not do this (wrong role or unit, someone else's task)."""


class TaskNotOpen(EngineError):
    """The task was completed by someone else, or the dossier moved on without it."""


class NotWaitingForMessage(EngineError):
    pass


class ProcedureUnavailable(EngineError):
    pass
