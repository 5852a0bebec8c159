"""Files a counter officer chose on a form that came back with an error, kept so that nobody has to choose them
again: stored under a random token the form carries back in a hidden field, usable only by the
person who chose them, removed once used or after a day."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.data.models import CounterUpload

from .documents import NewDocument

KEPT_FOR = timedelta(days=1)


def keep(session: Session, owner: str, documents: Iterable[NewDocument], now: datetime) -> list[str]:
    """Keep checked files for a later post of the same form; returns their tokens, in order."""
    session.execute(delete(CounterUpload).where(CounterUpload.created_at < now - KEPT_FOR))
    tokens = []
    for doc in documents:
        token = uuid.uuid4().hex
        session.add(
            CounterUpload(
                token=token,
                owner=owner,
                doc_type=doc.doc_type,
                filename=doc.filename,
                content_type=doc.content_type,
                content=doc.content,
                created_at=now,
            )
        )
        tokens.append(token)
    return tokens


def load(session: Session, owner: str, tokens: Iterable[str], now: datetime) -> dict[str, NewDocument]:
    """The owner's kept files by token (the paper flag left empty); unknown, foreign or expired
    tokens are left out, as if never chosen."""
    wanted = {t for t in tokens if len(t) == 32 and t.isalnum()}
    if not wanted:
        return {}
    rows = session.scalars(
        select(CounterUpload).where(
            CounterUpload.token.in_(wanted), CounterUpload.owner == owner, CounterUpload.created_at >= now - KEPT_FOR
        )
    )
    return {r.token: NewDocument(r.doc_type, r.filename, r.content, r.content_type) for r in rows}


def forget(session: Session, owner: str, tokens: Iterable[str]) -> None:
    """Remove kept files once the form they were for went through."""
    tokens = list(tokens)
    if tokens:
        session.execute(delete(CounterUpload).where(CounterUpload.token.in_(tokens), CounterUpload.owner == owner))


def flagged(doc: NewDocument, paper: str | None) -> NewDocument:
    return replace(doc, paper=paper)
