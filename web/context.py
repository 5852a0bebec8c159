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


MAX_PAGE = 10_000  # nobody pages further; a bigger number would overflow the database's OFFSET


def page_number(raw: str | None) -> int:
    """The page asked for in the address: 1 for anything that is not a plain number (text, "²",
    "-3"), at most MAX_PAGE."""
    if not raw or not raw.isascii() or not raw.isdigit():
        return 1
    return min(max(int(raw), 1), MAX_PAGE)
