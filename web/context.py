"""What every view reaches for: the engine's runtime, and engine errors turned into page messages."""

from __future__ import annotations

from flask import current_app, flash

from engine.errors import EngineError
from engine.runtime import Runtime

from .i18n import pick


def runtime() -> Runtime:
    return current_app.extensions["motcua.runtime"]


def flash_error(error: EngineError) -> None:
    flash(pick(error.message), "error")


def field_errors(error) -> dict[str, str]:
    """A FormError's messages in the current language, by field name (shown beside each field)."""
    return {name: pick(message) for name, message in error.errors.items()}
