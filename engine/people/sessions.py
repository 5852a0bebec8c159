"""Logins kept on the server. A browser's cookie carries only a random token; the row (by the
token's hash) says whose login it is and whether it still holds. Logging out, a password change
and an idle timeout end it on the server, so a copied cookie opens nothing afterwards."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from engine.data.models import LoginSession

IDLE_LIMIT = timedelta(hours=2)  # a login unused this long has ended
# last_seen_at is written at most this often, so reading a page does not write every time
TOUCH_EVERY = timedelta(minutes=1)
KEPT_FOR = timedelta(days=30)  # ended logins are kept this long (who was logged in when), then dropped


@dataclass(frozen=True)
class Login:
    """A live login: whose it is and when it was last seen."""

    id: int
    account_id: int | None
    user_id: int | None
    last_seen_at: datetime


def open_login(session: Session, now: datetime, *, account_id: int | None = None, user_id: int | None = None) -> str:
    """Start a login for an applicant's account or an officer; the token for the browser's cookie."""
    if (account_id is None) == (user_id is None):
        raise ValueError("a login belongs to one account or one officer")
    session.execute(delete(LoginSession).where(LoginSession.last_seen_at < now - KEPT_FOR))
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            token_hash=token_hash(token), account_id=account_id, user_id=user_id, created_at=now, last_seen_at=now
        )
    )
    return token


def live_login(session: Session, token: str | None, now: datetime, idle: timedelta = IDLE_LIMIT) -> Login | None:
    """The login a cookie's token stands for, if it has not ended and was used within `idle`."""
    if not token:
        return None
    row = session.execute(
        select(LoginSession.id, LoginSession.account_id, LoginSession.user_id, LoginSession.last_seen_at).where(
            LoginSession.token_hash == token_hash(token), LoginSession.ended_at.is_(None)
        )
    ).first()
    if row is None or row.last_seen_at <= now - idle:
        return None
    return Login(*row)


def needs_touch(login: Login, now: datetime) -> bool:
    return now - login.last_seen_at >= TOUCH_EVERY


def touch(session: Session, login: Login, now: datetime) -> None:
    """Note that the login was used now (it stays alive for another idle period)."""
    session.execute(update(LoginSession).where(LoginSession.id == login.id).values(last_seen_at=now))


def end_login(session: Session, token: str | None, now: datetime) -> None:
    """Log out: the token opens nothing any more."""
    if token:
        session.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == token_hash(token), LoginSession.ended_at.is_(None))
            .values(ended_at=now)
        )


def end_all_logins(
    session: Session, now: datetime, *, account_id: int | None = None, user_id: int | None = None
) -> None:
    """End every login of an account or an officer (their password changed, or they were disabled)."""
    if (account_id is None) == (user_id is None):
        raise ValueError("name one account or one officer")
    whose = LoginSession.account_id == account_id if account_id is not None else LoginSession.user_id == user_id
    session.execute(update(LoginSession).where(whose, LoginSession.ended_at.is_(None)).values(ended_at=now))


def token_hash(token: str) -> str:
    """What is kept of a secret token (logins, password resets): its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()
