"""Idempotency keys of the REST API's creating calls: a program that sends a call again (a timeout,
a retry) with the same key gets the first answer back and nothing is made twice; the same key with
a different request is refused, since it can only be a mistake in the program.

A key is first claimed (a row without an answer), the call is handled, and its answer is kept. A
refused call (a 4xx) releases its claim, so the program may correct the request and send it again
under the same key; the answers kept are those that made something.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.data.models import IdempotentRequest
from engine.errors import EngineError

KEPT_FOR = timedelta(days=1)  # as long as a program could sensibly retry
# No call runs this long once its body is in: a claim this old without an answer is one whose process
# died mid-way, and a retry takes it over (what the call makes is itself idempotent: a submission's
# key is its dossier's submission_key; a second withdrawal or rating is refused by the engine).
ABANDONED_AFTER = timedelta(minutes=5)
MAX_KEY = 255


class KeyReused(EngineError):
    """The key was used before with another request."""


class KeyInFlight(EngineError):
    """The first request with this key is still being handled."""


@dataclass(frozen=True)
class Replay:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]


def fingerprint(method: str, path: str, parts: list[tuple[str, bytes]]) -> str:
    """SHA-256 of the method, the path and the request's parts (form fields and files, in order)."""
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    for name, value in parts:
        digest.update(hashlib.sha256(name.encode()).digest())
        digest.update(hashlib.sha256(value).digest())
    return digest.hexdigest()


def claim(session: Session, holder: str, key: str, print_: str, now: datetime) -> Replay | None:
    """None when the key is new or its first call was abandoned (claimed now: handle the call); the
    first answer when the same request came before; KeyReused or KeyInFlight otherwise. Old keys are
    forgotten on the way."""
    session.execute(delete(IdempotentRequest).where(IdempotentRequest.created_at < now - KEPT_FOR))
    try:
        with session.begin_nested():
            session.add(IdempotentRequest(holder=holder, key=key, fingerprint=print_, created_at=now))
        return None
    except IntegrityError:
        pass
    row = session.scalars(
        select(IdempotentRequest)
        .where(IdempotentRequest.holder == holder, IdempotentRequest.key == key)
        .with_for_update()  # two retries of an abandoned call: one takes it over, the other is told it runs
    ).one()
    if row.fingerprint != print_:
        raise KeyReused(
            "Khóa Idempotency-Key này đã dùng cho một yêu cầu khác; mỗi yêu cầu mới cần một khóa mới",
            "This Idempotency-Key was already used for a different request; a new request needs a new key",
        )
    if row.status is None and row.created_at <= now - ABANDONED_AFTER:
        row.created_at = now
        return None
    if row.status is None:
        raise KeyInFlight(
            "Yêu cầu đầu tiên với khóa Idempotency-Key này đang được xử lý; hãy thử lại sau giây lát",
            "The first request with this Idempotency-Key is still being handled; try again in a moment",
        )
    return Replay(row.status, row.response or {}, row.headers or {})


def keep(session: Session, holder: str, key: str, status: int, body: dict[str, Any], headers: dict[str, str]) -> None:
    """The answer to a claimed key, given again to the same request."""
    row = session.scalars(
        select(IdempotentRequest).where(IdempotentRequest.holder == holder, IdempotentRequest.key == key)
    ).one_or_none()
    if row is not None:
        row.status, row.response, row.headers = status, body, headers


def release(session: Session, holder: str, key: str) -> None:
    """Forget a claim whose call made nothing (refused, or failed)."""
    session.execute(
        delete(IdempotentRequest).where(
            IdempotentRequest.holder == holder, IdempotentRequest.key == key, IdempotentRequest.status.is_(None)
        )
    )
