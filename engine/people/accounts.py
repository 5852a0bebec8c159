"""Logins: applicants' own accounts (a person by citizen ID, an organisation by tax code) and
officers' passwords. Passwords are kept as argon2 hashes; reset links go out through the outbox
and only a hash of their token is stored."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from engine.data.journal import queue
from engine.data.models import Account, PasswordReset, RoleAssignment, User
from engine.errors import EngineError, NotAllowed
from engine.forms import Field, FormError, Message, validate
from engine.people.sessions import end_all_logins, token_hash

KINDS = ("individual", "employer", "medical_facility")
MIN_PASSWORD = 8
MAX_PASSWORD = 256
RESET_VALID_FOR = timedelta(hours=1)

# argon2id at OWASP's m=12 MiB, t=3, p=1 (Password Storage Cheat Sheet; as strong as its m=19 MiB, t=2 row),
# not argon2-cffi's default of 64 MiB x 3 on 4 lanes: that took half a second of both cores per login,
# and a morning's opening burst of logins queued behind it (README, "Performance"). Hashes made with other
# parameters still verify and are re-hashed with these at the next good login (check_needs_rehash).
HASH_MEMORY_KIB = 12 * 1024
HASH_TIME_COST = 3
HASH_PARALLELISM = 1
_hasher = PasswordHasher(time_cost=HASH_TIME_COST, memory_cost=HASH_MEMORY_KIB, parallelism=HASH_PARALLELISM)
_TAX_CODE = re.compile(r"^\d{10}(-\d{3})?$")


class LoginFailed(EngineError):
    pass


def hash_password(password: str) -> str:
    return _hasher.hash(password)


@cache
def _dummy_hash() -> str:
    """A hash to verify against when no account matches, so a wrong login takes as long as a wrong
    password. Made on first use, not at import: argon2 is slow on purpose, and every `motcua`
    command and test worker imports this module."""
    return _hasher.hash("motcua-no-such-account")


def _verify(password_hash: str | None, password: str) -> bool:
    if len(password) > MAX_PASSWORD:  # never one that was accepted; not worth hashing
        password = ""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def password_errors(password: str) -> dict[str, Message]:
    """What is wrong with a new password (nothing: an empty dict)."""
    errors: dict[str, Message] = {}
    _check_password(password, None, errors)
    return errors


def _check_password(password: str, confirm: str | None, errors: dict[str, Message]) -> None:
    if len(password or "") < MIN_PASSWORD:
        errors["password"] = Message(
            f"Mật khẩu cần ít nhất {MIN_PASSWORD} ký tự", f"The password needs at least {MIN_PASSWORD} characters"
        )
    elif len(password) > MAX_PASSWORD:
        errors["password"] = Message(
            f"Mật khẩu dài tối đa {MAX_PASSWORD} ký tự", f"A password has at most {MAX_PASSWORD} characters"
        )
    elif confirm is not None and confirm != password:
        errors["password_confirm"] = Message("Hai mật khẩu không khớp", "The two passwords differ")


_SIGNUP_FIELDS = (
    Field("full_name", "text", Message("Họ và tên / Tên tổ chức", "Name"), required=True, max_length=200),
    Field("phone", "phone", Message("Số điện thoại", "Phone")),
    Field("email", "email", Message("Thư điện tử", "E-mail")),
    Field("address", "text", Message("Địa chỉ", "Address"), max_length=300),
)


def register(
    session: Session, kind: str, id_number: str, values: dict[str, str], password: str, confirm: str, now: datetime
) -> Account | None:
    """Create an applicant account; every problem of the form is reported at once, per field, and
    nothing is written unless all pass. The new account's owner is sent a welcome (outbox
    `notify.account_created`). When the number, phone or e-mail already has an account, nothing is
    created and None comes back: the holder of that account is told someone tried
    (`notify.signup_attempt`), and the caller answers as for a new account, so the form cannot be
    used to find out who has an account."""
    errors: dict[str, Message] = {}
    if kind not in KINDS:
        errors["kind"] = Message("Chọn loại tài khoản", "Choose the kind of account")
    id_number = (id_number or "").strip()
    if kind == "individual" and not re.fullmatch(r"\d{12}", id_number):
        errors["id_number"] = Message("Số CCCD gồm đúng 12 chữ số", "A citizen ID has exactly 12 digits")
    elif kind in ("employer", "medical_facility") and not _TAX_CODE.fullmatch(id_number):
        errors["id_number"] = Message(
            "Mã số thuế gồm 10 chữ số (hoặc 10 chữ số, dấu gạch và 3 chữ số)",
            "A tax code has 10 digits (or 10 digits, a dash and 3 digits)",
        )
    cleaned: dict[str, str] = {}
    try:
        cleaned = validate(_SIGNUP_FIELDS, values)
    except FormError as e:
        errors.update(e.errors)
    if not (values.get("phone") or values.get("email")):
        errors.setdefault(
            "phone",
            Message(
                "Cần số điện thoại hoặc thư điện tử để nhận thông báo",
                "A phone number or an e-mail address is needed for notices",
            ),
        )
    _check_password(password, confirm, errors)
    if errors:
        raise FormError(errors)
    password_hash = hash_password(password)  # hashed either way: a taken number answers as slowly as a new one
    taken = _holders(session, id_number, cleaned.get("phone"), cleaned.get("email"))
    if not taken:
        account = Account(
            kind=kind,
            id_number=id_number,
            full_name=cleaned["full_name"],
            phone=cleaned.get("phone") or None,
            email=(cleaned.get("email") or "").lower() or None,
            address=cleaned.get("address") or "",
            password_hash=password_hash,
            created_at=now,
        )
        try:
            with session.begin_nested():  # a savepoint: a concurrent sign-up's row leaves this transaction usable
                session.add(account)
        except IntegrityError:  # the same number, phone or e-mail registered by a concurrent request
            taken = _holders(session, id_number, cleaned.get("phone"), cleaned.get("email"))
        else:
            _notify(session, account, "notify.account_created", now)
            return account
    for holder in taken:  # told, so they know someone tried, and how to get back in if it was them
        _notify(session, holder, "notify.signup_attempt", now)
    return None


def _notify(session: Session, account: Account, kind: str, now: datetime) -> None:
    contact = {"name": account.full_name, "phone": account.phone, "email": account.email}
    queue(session, None, kind, now, account_id=account.id, **contact)


def _holders(session: Session, id_number: str, phone: str | None, email: str | None) -> list[Account]:
    """The accounts that already hold this number, phone or e-mail (at most one each)."""
    wanted = [w for w in (id_number, phone) if w]
    matches = [Account.id_number.in_(wanted), Account.phone.in_(wanted)]
    if email:
        matches.append(Account.email == email.lower())
    return list(session.scalars(select(Account).where(or_(*matches)).order_by(Account.id)))


def _find(session: Session, *identifiers: str | None) -> Account | None:
    wanted = [i.strip() for i in identifiers if i and i.strip()]
    if not wanted:
        return None
    return session.scalars(
        select(Account).where(
            or_(
                Account.id_number.in_(wanted),
                Account.phone.in_(wanted),
                Account.email.in_([w.lower() for w in wanted]),
            )
        )
    ).first()


def attempts_key(session: Session, identifier: str) -> str:
    """What attempts to log in (or to reset a password) are counted against: the account, whichever of
    its identifiers is typed (citizen ID or tax code, phone, e-mail), else the identifier as typed."""
    account = _find(session, identifier)
    return f"account:{account.id}" if account else f"identifier:{(identifier or '').strip().lower()}"


def authenticate(session: Session, identifier: str, password: str) -> Account:
    """Log an applicant in by citizen ID / tax code, phone or e-mail."""
    account = _find(session, identifier)
    if not _verify(account.password_hash if account else None, password or ""):
        raise LoginFailed("Thông tin đăng nhập hoặc mật khẩu không đúng", "Wrong login or password")
    _rehash_if_old(account, password)
    return account


def authenticate_officer(session: Session, username: str, password: str) -> User:
    """Log an officer in by username (in a write transaction: an old hash is replaced)."""
    user = session.scalars(select(User).where(User.username == (username or "").strip())).one_or_none()
    if not _verify(user.password_hash if user else None, password or "") or not user.active:
        raise LoginFailed("Tên đăng nhập hoặc mật khẩu không đúng", "Wrong username or password")
    _rehash_if_old(user, password)
    return user


def _rehash_if_old(holder: Account | User, password: str) -> None:
    """After a good login: a hash made with other parameters than today's is made again with these."""
    if _hasher.check_needs_rehash(holder.password_hash):
        holder.password_hash = hash_password(password)


def signed_in_account(session: Session, account_id: int) -> Account | None:
    """The account of a live login, detached to keep for the request; None when it is gone."""
    account = session.get(Account, account_id)
    if account is not None:
        session.expunge(account)
    return account


def signed_in_officer(session: Session, user_id: int) -> tuple[User, list[tuple[str, str]]] | None:
    """The officer a browser session says is logged in, with the (role, unit) pairs they hold;
    None when the officer is gone or no longer active."""
    user = session.get(User, user_id)
    if user is None or not user.active:
        return None
    roles = session.execute(
        select(RoleAssignment.role_code, RoleAssignment.unit_code).where(RoleAssignment.user_id == user.id)
    ).all()
    session.expunge(user)
    return user, [(role, unit) for role, unit in roles]


def set_officer_password(session: Session, user: User, password: str, now: datetime) -> None:
    """A new password for an officer; it ends their logins."""
    errors: dict[str, Message] = {}
    _check_password(password, None, errors)
    if errors:
        raise FormError(errors)
    user.password_hash = hash_password(password)
    end_all_logins(session, now, user_id=user.id)


def request_reset(session: Session, identifier: str, now: datetime, link: Callable[[str], str]) -> None:
    """Queue a reset link for the account, if there is one. Says nothing either way, so the form
    cannot be used to find out who has an account."""
    account = _find(session, identifier)
    if account is None:
        return
    # one live link per account: a newer one voids those sent before
    _void_links(session, account.id)
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(
            account_id=account.id, token_hash=token_hash(token), created_at=now, expires_at=now + RESET_VALID_FOR
        )
    )
    queue(
        session,
        None,
        "notify.password_reset",
        now,
        account_id=account.id,
        name=account.full_name,
        phone=account.phone,
        email=account.email,
        link=link(token),
    )


def check_reset_link(session: Session, token: str, now: datetime) -> None:
    """NotAllowed when the link is used, expired, voided by a newer one or unknown: said when it is
    opened, before a new password is typed for nothing."""
    _live_reset(session, token, now)


def _live_reset(session: Session, token: str, now: datetime) -> PasswordReset:
    reset = session.scalars(
        select(PasswordReset).where(PasswordReset.token_hash == token_hash(token or ""))
    ).one_or_none()
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise NotAllowed(
            "Liên kết đặt lại mật khẩu không còn hiệu lực; hãy yêu cầu liên kết mới",
            "This reset link is no longer valid; ask for a new one",
        )
    return reset


def reset_password(session: Session, token: str, password: str, confirm: str, now: datetime) -> Account | User:
    """Set a new password through a one-time link: an applicant's account, or an officer's."""
    errors: dict[str, Message] = {}
    _check_password(password, confirm, errors)
    if errors:
        raise FormError(errors)
    reset = _live_reset(session, token, now)
    reset.used_at = now
    if reset.user_id is not None:  # an officer's link, made by an administrator
        user = session.get(User, reset.user_id)
        user.password_hash = hash_password(password)
        end_all_logins(session, now, user_id=user.id)
        session.execute(delete(PasswordReset).where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None)))
        return user
    account = session.get(Account, reset.account_id)
    account.password_hash = hash_password(password)
    # the new password ends every login and every other link sent for the old one
    end_all_logins(session, now, account_id=account.id)
    _void_links(session, account.id)
    return account


def _void_links(session: Session, account_id: int) -> None:
    """Reset links sent for the account and not used yet open nothing any more."""
    session.execute(
        delete(PasswordReset).where(PasswordReset.account_id == account_id, PasswordReset.used_at.is_(None))
    )
