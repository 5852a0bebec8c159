"""Partners' software in the REST API: the administrator makes a client for an employer (with its tax
code) or a medical facility, sees its secret once, and revokes it. The software trades its client id
and secret for an access token of an hour (OAuth 2.0 client credentials grant, RFC 6749 §4.4), the
convention partner software already speaks; only SHA-256 hashes of secrets and tokens are kept
(256 random bits each, so a fast hash is enough, as for logins and personal tokens).

A client's kind fixes its scopes: an employer's `read submit` (file dossiers for its employees under
its tax code, read those back), a medical facility's `cards` (check a health-insurance card).
Revoking a client ends its tokens at once: each call checks the client too.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from engine.data.audit import record_change
from engine.data.models import PartnerClient, PartnerToken
from engine.errors import EngineError
from engine.forms import FormError, Message
from engine.people.officers import Actor
from engine.people.sessions import token_hash

KINDS = ("employer", "medical_facility")
SCOPES = {"employer": ("read", "submit"), "medical_facility": ("cards",)}
TOKEN_LIFETIME = timedelta(hours=1)
MAX_NAME = 200
CLIENT_PREFIX, SECRET_PREFIX, TOKEN_PREFIX = "mcc_", "mcs_", "mcp_"
AREA = "partners"  # in the administration's log
_TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")  # 10 digits, a branch's with -NNN
_SECRET = re.compile(r"^mcs_[A-Za-z0-9_-]{43}$")
_TOKEN = re.compile(r"^mcp_[A-Za-z0-9_-]{43}$")


class ClientRefused(EngineError):
    """Client credentials that open nothing: unknown client, wrong secret, or revoked (one message)."""


class TokenRefused(EngineError):
    def __init__(self, reason: str, vi: str, en: str):
        super().__init__(vi, en)
        self.reason = reason


@dataclass(frozen=True)
class Partner:
    """Who a partner's access token speaks for."""

    id: int
    client_id: str
    kind: str
    name: str
    tax_code: str | None


@dataclass(frozen=True)
class NewClient:
    row: PartnerClient
    secret: str  # shown once, never kept


@dataclass(frozen=True)
class IssuedToken:
    token: str
    scopes: tuple[str, ...]
    expires_in: int  # seconds


def _partner(row: PartnerClient) -> Partner:
    return Partner(row.id, row.client_id, row.kind, row.name, row.tax_code)


def create_client(session: Session, values: dict[str, str], actor: Actor, now: datetime) -> NewClient:
    """A new client from the administrator's form (kind, name, tax_code); every problem at once."""
    errors: dict[str, Message] = {}
    kind = (values.get("kind") or "").strip()
    name = " ".join((values.get("name") or "").split())
    tax_code = (values.get("tax_code") or "").strip()
    if kind not in KINDS:
        errors["kind"] = Message("Chọn loại đối tác", "Choose the kind of partner")
    if not name:
        errors["name"] = Message("Nhập tên đối tác", "Enter the partner's name")
    elif len(name) > MAX_NAME:
        errors["name"] = Message(f"Tên dài tối đa {MAX_NAME} ký tự", f"A name has at most {MAX_NAME} characters")
    if kind == "employer" and not tax_code:
        errors["tax_code"] = Message(
            "Đơn vị sử dụng lao động cần mã số thuế (hồ sơ được nộp theo mã số thuế này)",
            "An employer needs its tax code (its dossiers are filed under it)",
        )
    elif tax_code and not _TAX_CODE.match(tax_code):
        errors["tax_code"] = Message(
            "Mã số thuế gồm 10 chữ số (chi nhánh: thêm -3 chữ số)",
            "A tax code has 10 digits (a branch's: and -3 digits)",
        )
    if errors:
        raise FormError(errors)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    row = PartnerClient(
        client_id=CLIENT_PREFIX + secrets.token_hex(8),
        kind=kind,
        name=name,
        tax_code=tax_code or None,
        secret_hash=token_hash(secret),
        created_at=now,
        created_by=actor.name,
    )
    session.add(row)
    session.flush()
    record_change(
        session,
        actor.user_id,
        actor.name,
        AREA,
        "partner_created",
        now,
        client=row.client_id,
        name=name,
        partner_kind=kind,
    )
    return NewClient(row, secret)


def clients(session: Session) -> list[PartnerClient]:
    """Every client, newest first (revoked ones too, so the administrator can tell)."""
    return list(session.scalars(select(PartnerClient).order_by(PartnerClient.id.desc())))


def revoke_client(session: Session, client_id: str, actor: Actor, now: datetime) -> bool:
    """Revoke a client and drop its tokens; whether it was live."""
    row = session.scalars(select(PartnerClient).where(PartnerClient.client_id == client_id)).one_or_none()
    if row is None or row.revoked_at is not None:
        return False
    row.revoked_at = now
    session.execute(delete(PartnerToken).where(PartnerToken.client_id == row.id))
    record_change(session, actor.user_id, actor.name, AREA, "partner_revoked", now, client=client_id, name=row.name)
    return True


def issue_token(session: Session, client_id: str, secret: str, now: datetime) -> IssuedToken:
    """An access token for the client's own scopes, or ClientRefused (the same for every reason, so
    a caller learns nothing about which client ids exist)."""
    refused = ClientRefused(
        "Mã ứng dụng hoặc khóa bí mật không đúng, hoặc ứng dụng đã bị thu hồi",
        "Unknown client, wrong secret, or the client has been revoked",
    )
    row = session.scalars(select(PartnerClient).where(PartnerClient.client_id == client_id)).one_or_none()
    if row is None or not _SECRET.match(secret or "") or not hmac.compare_digest(row.secret_hash, token_hash(secret)):
        raise refused
    if row.revoked_at is not None:
        raise refused
    # the client's expired tokens go as it takes a new one: the table holds about one row a client
    session.execute(delete(PartnerToken).where(PartnerToken.client_id == row.id, PartnerToken.expires_at <= now))
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    scopes = SCOPES[row.kind]
    session.add(
        PartnerToken(
            client_id=row.id,
            token_hash=token_hash(token),
            scopes=" ".join(scopes),
            issued_at=now,
            expires_at=now + TOKEN_LIFETIME,
        )
    )
    return IssuedToken(token, scopes, int(TOKEN_LIFETIME.total_seconds()))


def is_partner_token(secret: str) -> bool:
    return secret.startswith(TOKEN_PREFIX)


def authenticate(session: Session, secret: str, now: datetime) -> tuple[Partner, frozenset[str]]:
    """Who a partner's access token speaks for and its scopes, or TokenRefused."""
    unknown = TokenRefused(
        "invalid", "Mã truy cập không hợp lệ hoặc đã bị thu hồi", "The access token is not valid or has been revoked"
    )
    if not _TOKEN.match(secret or ""):
        raise unknown
    found = session.execute(
        select(PartnerToken, PartnerClient)
        .join(PartnerClient, PartnerClient.id == PartnerToken.client_id)
        .where(PartnerToken.token_hash == token_hash(secret))
    ).one_or_none()
    if found is None or found[1].revoked_at is not None:
        raise unknown
    token, client = found
    if token.expires_at <= now:
        raise TokenRefused(
            "expired",
            "Mã truy cập đã hết hạn; hãy lấy mã mới tại /api/v1/oauth/token",
            "The access token has expired; get a new one from /api/v1/oauth/token",
        )
    return _partner(client), frozenset(token.scopes.split())
