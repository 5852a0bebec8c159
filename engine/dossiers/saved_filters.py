"""Officers' saved inbox filters: a name and the inbox's query string (view, filters, order), kept
per officer. Saving under a name the officer already uses replaces that filter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from engine.data.models import SavedFilter
from engine.errors import RuleRefused, not_found
from engine.forms import FormError, Message

MAX_NAME = 80
MAX_QUERY = 400
MAX_PER_OFFICER = 30


@dataclass(frozen=True)
class Saved:
    id: int
    name: str
    query: str


def saved_filters(session: Session, user_id: int) -> list[Saved]:
    """The officer's filters, by name."""
    rows = session.execute(
        select(SavedFilter.id, SavedFilter.name, SavedFilter.query)
        .where(SavedFilter.user_id == user_id)
        .order_by(SavedFilter.name, SavedFilter.id)
    ).all()
    return [Saved(*row) for row in rows]


def save_filter(session: Session, user_id: int, name: str, query: str, now: datetime) -> Saved:
    """Save (or replace, by name) one of the officer's filters; a blank or too long name is refused."""
    name = " ".join((name or "").split())
    if not name:
        raise FormError({"name": Message("Vui lòng đặt tên cho bộ lọc", "Give the filter a name")})
    if len(name) > MAX_NAME:
        raise FormError({"name": Message(f"Tối đa {MAX_NAME} ký tự", f"At most {MAX_NAME} characters")})
    if len(query) > MAX_QUERY:
        raise FormError({"name": Message("Bộ lọc quá dài để lưu", "The filter is too long to save")})
    found = session.scalar(select(SavedFilter).where(SavedFilter.user_id == user_id, SavedFilter.name == name))
    if found is None:
        count = session.scalar(select(func.count()).select_from(SavedFilter).where(SavedFilter.user_id == user_id)) or 0
        if count >= MAX_PER_OFFICER:
            raise RuleRefused(
                f"Tối đa {MAX_PER_OFFICER} bộ lọc: hãy xoá bớt một bộ lọc trước",
                f"At most {MAX_PER_OFFICER} saved filters: delete one first",
            )
        found = SavedFilter(user_id=user_id, name=name, query=query, created_at=now)
        session.add(found)
    else:
        found.query = query
    session.flush()
    return Saved(found.id, found.name, found.query)


def delete_filter(session: Session, user_id: int, filter_id: int) -> str:
    """Delete one of the officer's own filters; another officer's answers like one that does not exist."""
    found = session.get(SavedFilter, filter_id)
    if found is None or found.user_id != user_id:
        raise not_found("filter", filter_id)
    session.delete(found)
    return found.name
