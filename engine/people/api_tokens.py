"""Personal access tokens for the REST API: an applicant or an officer makes one on their account
page, sees it once, and revokes it there. Only the token's SHA-256 is kept (a token is 256 random
bits, so a fast hash is enough, as for logins); each one carries scopes and an expiry.

Scopes: `read` (see one's own dossiers, or an officer's inbox), `submit` (act as an applicant:
submit, answer a supplement request, withdraw, rate), `work` (an officer's tasks). Applicants may hold
read and submit, officers read and work.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.data.models import Account, ApiToken, RoleAssignment, User
from engine.errors import EngineError
from engine.forms import FormError, Message
from engine.people.partners import Partner
from engine.people.sessions import token_hash

SCOPES = ("read", "submit", "work")
APPLICANT_SCOPES = ("read", "submit")
OFFICER_SCOPES = ("read", "work")
LIFETIMES_DAYS = (7, 30, 90, 365)  # what the account page offers; a year at most
MAX_NAME = 80
MAX_LIVE_TOKENS = 20  # per holder: enough for every program one uses, not a pile of forgotten ones
PREFIX = "mct_"
USE_NOTED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often
_TOKEN = re.compile(r"^mct_[A-Za-z0-9_-]{43}$")


class TokenRefused(EngineError):
    """A bearer token that opens nothing: unknown, expired, revoked, or its holder gone. `reason`
    says which, for the answer's type (the message is the same for unknown and revoked)."""

    def __init__(self, reason: str, vi: str, en: str):
        super().__init__(vi, en)
        self.reason = reason


class ScopeMissing(EngineError):
    def __init__(self, scope: str):
        super().__init__(
            f"Mã truy cập này không có quyền “{scope}” cần cho thao tác này",
            f"This token lacks the “{scope}” scope this operation needs",
        )
        self.scope = scope


@dataclass(frozen=True)
class Bearer:
    """Who a valid token speaks for: an applicant's account, an officer (with their roles), or a
    partner's software (engine.people.partners; its token_id is None: nothing to note)."""

    token_id: int | None
    scopes: frozenset[str]
    account: Account | None = None
    officer: User | None = None
    roles: tuple[tuple[str, str], ...] = ()
    last_used_at: datetime | None = None
    partner: Partner | None = None

    @property
    def holder(self) -> str:
        if self.partner is not None:
            return f"partner:{self.partner.id}"
        return f"account:{self.account.id}" if self.account is not None else f"user:{self.officer.id}"

    def require(self, scope: str) -> None:
        if scope not in self.scopes:
            raise ScopeMissing(scope)


@dataclass(frozen=True)
class NewToken:
    row: ApiToken
    secret: str  # shown once, never kept


def create(
    session: Session,
    now: datetime,
    name: str,
    scopes: list[str],
    days: int | str,
    *,
    account_id: int | None = None,
    user_id: int | None = None,
) -> NewToken:
    """Make a token for an account or an officer; every problem of the form at once (FormError)."""
    if (account_id is None) == (user_id is None):
        raise ValueError("a token belongs to one account or one officer")
    allowed = APPLICANT_SCOPES if account_id is not None else OFFICER_SCOPES
    errors: dict[str, Message] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = Message("Đặt tên để nhận ra mã (ví dụ: tên chương trình)", "Give the token a name")
    elif len(name) > MAX_NAME:
        errors["name"] = Message(f"Tên tối đa {MAX_NAME} ký tự", f"A name has at most {MAX_NAME} characters")
    chosen = [s for s in SCOPES if s in set(scopes or ())] if set(scopes or ()) <= set(SCOPES) else list(scopes)
    if not chosen:
        errors["scopes"] = Message("Chọn ít nhất một quyền", "Choose at least one scope")
    elif not set(chosen) <= set(allowed):
        errors["scopes"] = Message(
            "Chỉ chọn được các quyền: " + ", ".join(allowed), "Only these scopes may be chosen: " + ", ".join(allowed)
        )
    try:
        lifetime = int(days)
    except (TypeError, ValueError):
        lifetime = 0
    if lifetime not in LIFETIMES_DAYS:
        errors["days"] = Message("Chọn thời hạn của mã", "Choose how long the token lasts")
    whose = ApiToken.account_id == account_id if account_id is not None else ApiToken.user_id == user_id
    live = session.scalars(select(ApiToken.id).where(whose, ApiToken.revoked_at.is_(None), ApiToken.expires_at > now))
    if len(live.all()) >= MAX_LIVE_TOKENS:
        errors["name"] = Message(
            f"Đã có {MAX_LIVE_TOKENS} mã còn hiệu lực; hãy thu hồi mã không dùng nữa",
            f"You already hold {MAX_LIVE_TOKENS} live tokens; revoke one you no longer use",
        )
    if errors:
        raise FormError(errors)
    secret = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        account_id=account_id,
        user_id=user_id,
        name=name,
        prefix=secret[:8],
        token_hash=token_hash(secret),
        scopes=" ".join(chosen),
        created_at=now,
        expires_at=now + timedelta(days=lifetime),
    )
    session.add(row)
    session.flush()
    return NewToken(row, secret)


def tokens_of(session: Session, *, account_id: int | None = None, user_id: int | None = None) -> list[ApiToken]:
    """The holder's tokens, newest first (revoked and expired ones too, so they can tell)."""
    whose = ApiToken.account_id == account_id if account_id is not None else ApiToken.user_id == user_id
    return list(session.scalars(select(ApiToken).where(whose).order_by(ApiToken.id.desc())))


def revoke(
    session: Session, token_id: int, now: datetime, *, account_id: int | None = None, user_id: int | None = None
) -> bool:
    """Revoke one of the holder's own tokens (someone else's id does nothing); whether it was live."""
    whose = ApiToken.account_id == account_id if account_id is not None else ApiToken.user_id == user_id
    done = session.execute(
        update(ApiToken).where(ApiToken.id == token_id, whose, ApiToken.revoked_at.is_(None)).values(revoked_at=now)
    )
    return done.rowcount > 0


def authenticate(session: Session, secret: str, now: datetime) -> Bearer:
    """Who the bearer token speaks for, or TokenRefused (a read: see note_use)."""
    unknown = TokenRefused(
        "invalid", "Mã truy cập không hợp lệ hoặc đã bị thu hồi", "The access token is not valid or has been revoked"
    )
    if not secret or not _TOKEN.match(secret):
        raise unknown
    row = session.scalars(select(ApiToken).where(ApiToken.token_hash == token_hash(secret))).one_or_none()
    if row is None or row.revoked_at is not None:
        raise unknown
    if row.expires_at <= now:
        raise TokenRefused(
            "expired",
            "Mã truy cập đã hết hạn; hãy tạo mã mới trên trang tài khoản",
            "The access token has expired; make a new one on your account page",
        )
    bearer = None
    if row.account_id is not None:
        account = session.get(Account, row.account_id)
        if account is not None:
            bearer = Bearer(row.id, frozenset(row.scopes.split()), account=account, last_used_at=row.last_used_at)
    else:
        user = session.get(User, row.user_id)
        if user is not None and user.active:
            roles = session.execute(
                select(RoleAssignment.role_code, RoleAssignment.unit_code).where(RoleAssignment.user_id == user.id)
            ).all()
            bearer = Bearer(
                row.id,
                frozenset(row.scopes.split()),
                officer=user,
                roles=tuple(map(tuple, roles)),
                last_used_at=row.last_used_at,
            )
    if bearer is None:
        raise unknown
    session.expunge(bearer.account or bearer.officer)
    return bearer


def needs_noting(bearer: Bearer, now: datetime) -> bool:
    """Whether the use is worth writing down (at most once a minute: reads stay reads)."""
    if bearer.token_id is None:
        return False
    return bearer.last_used_at is None or now - bearer.last_used_at >= USE_NOTED_EVERY


def note_use(session: Session, token_id: int, now: datetime) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
