"""The administrator's changes to units, officers, role grants and the office calendar.

Each function checks every input first (a FormError names each field in error, a NotFound the
unknown thing) and writes nothing on a refusal; each change is recorded in the administration's
log (engine.data.audit.record_change) in the same transaction, so a change and its record commit
together. The CLI's plain functions (engine.people.officers) stay as they are for scripts; these
are the checked, recorded ones the administration pages call. The calendar's live in
engine.sla.office_calendar.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from engine.data import audit
from engine.data.audit import record_change
from engine.data.journal import queue, record
from engine.data.models import AdminChange, HumanTask, PasswordReset, Role, RoleAssignment, TaskStatus, Unit, User
from engine.errors import NotAllowed, not_found
from engine.forms import FormError, Message
from engine.people.accounts import RESET_VALID_FOR, hash_password, password_errors, set_officer_password
from engine.people.officers import Actor, user_by_name
from engine.people.sessions import end_all_logins, token_hash

_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,99}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _required(values: dict[str, str], name: str, errors: dict[str, Message], vi: str, en: str, most: int) -> str:
    value = (values.get(name) or "").strip()
    if not value:
        errors[name] = Message(f"Hãy nhập {vi}", f"Enter {en}")
    elif len(value) > most:
        errors[name] = Message(
            f"{vi.capitalize()} dài tối đa {most} ký tự", f"{en.capitalize()}: at most {most} characters"
        )
    return value


def _log(session: Session, actor: Actor, area: str, kind: str, now: datetime, **data) -> None:
    record_change(session, actor.user_id, actor.name, area, kind, now, **data)


def latest_changes(session: Session, area: str, limit: int = 10) -> list[AdminChange]:
    """The latest changes recorded for one area (units, officers, roles, calendar), newest first."""
    return audit.latest_changes(session, area, limit)


# --- units ---------------------------------------------------------------------------------------


def add_unit(session: Session, values: dict[str, str], actor: Actor, now: datetime) -> Unit:
    errors: dict[str, Message] = {}
    code = (values.get("code") or "").strip()
    if not _CODE.fullmatch(code):
        errors["code"] = Message(
            "Mã đơn vị gồm chữ, số, dấu chấm, gạch ngang hoặc gạch dưới (tối đa 64 ký tự)",
            "A unit code has letters, digits, dots, dashes or underscores (at most 64)",
        )
    elif session.get(Unit, code) is not None:
        errors["code"] = Message(f"Đã có đơn vị mã {code}", f"There is already a unit {code}")
    name_vi = _required(values, "name_vi", errors, "tên tiếng Việt", "the Vietnamese name", 300)
    name_en = _required(values, "name_en", errors, "tên tiếng Anh", "the English name", 300)
    if errors:
        raise FormError(errors)
    unit = Unit(code=code, name_vi=name_vi, name_en=name_en)
    session.add(unit)
    _log(session, actor, "units", "unit_added", now, unit=code, name_vi=name_vi, name_en=name_en)
    return unit


def rename_unit(session: Session, code: str, values: dict[str, str], actor: Actor, now: datetime) -> Unit:
    unit = session.get(Unit, code)
    if unit is None:
        raise not_found("unit", code)
    errors: dict[str, Message] = {}
    name_vi = _required(values, "name_vi", errors, "tên tiếng Việt", "the Vietnamese name", 300)
    name_en = _required(values, "name_en", errors, "tên tiếng Anh", "the English name", 300)
    if errors:
        raise FormError(errors)
    before = {"name_vi": unit.name_vi, "name_en": unit.name_en}
    unit.name_vi, unit.name_en = name_vi, name_en
    _log(session, actor, "units", "unit_renamed", now, unit=code, before=before, name_vi=name_vi, name_en=name_en)
    return unit


def units(session: Session) -> list[Unit]:
    return list(session.scalars(select(Unit).order_by(Unit.code)))


def roles(session: Session) -> list[Role]:
    return list(session.scalars(select(Role).order_by(Role.code)))


# --- officers ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OfficerRow:
    id: int
    username: str
    full_name: str
    email: str | None
    active: bool
    grants: tuple[tuple[str, str], ...]  # (role, unit)


def officers(session: Session) -> list[OfficerRow]:
    grants: dict[int, list[tuple[str, str]]] = {}
    for user_id, role, unit in session.execute(
        select(RoleAssignment.user_id, RoleAssignment.role_code, RoleAssignment.unit_code).order_by(
            RoleAssignment.unit_code, RoleAssignment.role_code
        )
    ):
        grants.setdefault(user_id, []).append((role, unit))
    return [
        OfficerRow(u.id, u.username, u.full_name, u.email, u.active, tuple(grants.get(u.id, ())))
        for u in session.scalars(select(User).order_by(User.username))
    ]


def create_officer(
    session: Session,
    values: dict[str, str],
    password: str | None,
    actor: Actor,
    now: datetime,
    link: Callable[[str], str],
) -> tuple[User, str | None]:
    """Create an officer with a first password, or (no password) with a one-time reset link; the
    link comes back (to hand over) and is sent to their e-mail when they have one."""
    errors: dict[str, Message] = {}
    username = (values.get("username") or "").strip()
    if not _USERNAME.fullmatch(username):
        errors["username"] = Message(
            "Tên đăng nhập gồm 2–100 chữ thường không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới",
            "A username has 2–100 lower-case letters without accents, digits, dots, dashes or underscores",
        )
    elif session.scalars(select(User.id).where(User.username == username)).first() is not None:
        errors["username"] = Message(f"Tên đăng nhập {username} đã có người dùng", f"The username {username} is taken")
    full_name = _required(values, "full_name", errors, "họ và tên", "the full name", 200)
    email = (values.get("email") or "").strip() or None
    if email and (len(email) > 200 or not _EMAIL.fullmatch(email)):
        errors["email"] = Message("Địa chỉ thư điện tử không hợp lệ", "This e-mail address is not valid")
    if password:
        errors.update(password_errors(password))
    if errors:
        raise FormError(errors)
    user = User(username=username, full_name=full_name, email=email, active=True)
    user.password_hash = hash_password(password) if password else None
    session.add(user)
    session.flush()
    _log(
        session,
        actor,
        "officers",
        "officer_created",
        now,
        officer=username,
        full_name=full_name,
        email=email,
        first_password=bool(password),
    )
    return user, (None if password else _reset_link(session, user, now, link))


def _reset_link(session: Session, user: User, now: datetime, link: Callable[[str], str]) -> str:
    # one live link per officer: a newer one voids those sent before
    session.execute(
        PasswordReset.__table__.delete().where(PasswordReset.user_id == user.id, PasswordReset.used_at.is_(None))
    )
    token = secrets.token_urlsafe(32)
    session.add(
        PasswordReset(user_id=user.id, token_hash=token_hash(token), created_at=now, expires_at=now + RESET_VALID_FOR)
    )
    url = link(token)
    if user.email:
        queue(
            session,
            None,
            "notify.password_reset",
            now,
            user_id=user.id,
            name=user.full_name,
            email=user.email,
            link=url,
        )
    return url


def reset_officer_password(
    session: Session, username: str, password: str | None, actor: Actor, now: datetime, link: Callable[[str], str]
) -> str | None:
    """A new password set by the administrator, or (none given) a one-time reset link; either way
    the old password stops working and the officer's logins end. Returns the link, if one."""
    user = user_by_name(session, username)
    if password:
        set_officer_password(session, user, password, now)
        url = None
    else:
        user.password_hash = None  # the old password opens nothing while the link waits
        end_all_logins(session, now, user_id=user.id)
        url = _reset_link(session, user, now, link)
    _log(session, actor, "officers", "password_reset", now, officer=username, by_link=url is not None)
    return url


def set_active(session: Session, username: str, active: bool, actor: Actor, now: datetime) -> int:
    """Deactivate (or reactivate) an officer. A deactivated officer cannot log in, their logins end
    and the open tasks they had claimed go back to the role's pool, each dossier's history saying so.
    Returns how many tasks went back."""
    user = user_by_name(session, username)
    if not active and user.id == actor.user_id:
        raise NotAllowed("Không thể tự khóa tài khoản của chính mình", "You cannot deactivate yourself")
    released = 0
    if not active:
        end_all_logins(session, now, user_id=user.id)
        claimed = session.execute(
            select(HumanTask.id, HumanTask.dossier_id, HumanTask.element_id).where(
                HumanTask.assignee_id == user.id, HumanTask.status == TaskStatus.CLAIMED
            )
        ).all()
        for task_id, dossier_id, element_id in claimed:
            record(session, dossier_id, actor, "task_unclaimed", now, task=element_id, task_id=task_id, to=None)
        if claimed:
            session.execute(
                update(HumanTask)
                .where(HumanTask.id.in_([t.id for t in claimed]), HumanTask.status == TaskStatus.CLAIMED)
                .values(status=TaskStatus.NEW, assignee_id=None, claimed_at=None)
            )
        released = len(claimed)
    if user.active != active:
        user.active = active
        kind = "officer_reactivated" if active else "officer_deactivated"
        _log(session, actor, "officers", kind, now, officer=username, tasks_released=released)
    return released


# --- role grants ---------------------------------------------------------------------------------


def _grant_inputs(session: Session, values: dict[str, str]) -> tuple[User, str, str]:
    errors: dict[str, Message] = {}
    username, role, unit = ((values.get(k) or "").strip() for k in ("username", "role", "unit"))
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        errors["username"] = Message(f"Không có cán bộ '{username}'", f"No officer '{username}'")
    if session.get(Role, role) is None:
        errors["role"] = Message(f"Không có vai trò '{role}'", f"No role '{role}'")
    if session.get(Unit, unit) is None:
        errors["unit"] = Message(f"Không có đơn vị '{unit}'", f"No unit '{unit}'")
    if errors:
        raise FormError(errors)
    return user, role, unit


def grant_role(session: Session, values: dict[str, str], actor: Actor, now: datetime) -> bool:
    """Grant a role in a unit; False (and nothing recorded) when the officer holds it already."""
    user, role, unit = _grant_inputs(session, values)
    if _held(session, user.id, role, unit) is not None:
        return False
    session.add(RoleAssignment(user_id=user.id, role_code=role, unit_code=unit))
    _log(session, actor, "roles", "role_granted", now, officer=user.username, role=role, unit=unit)
    return True


def revoke_role(session: Session, values: dict[str, str], actor: Actor, now: datetime) -> bool:
    """Take a role in a unit away; False when the officer did not hold it."""
    user, role, unit = _grant_inputs(session, values)
    if role == "admin" and user.id == actor.user_id:
        raise NotAllowed(
            "Không thể tự bỏ vai trò quản trị của chính mình", "You cannot take the administrator's role from yourself"
        )
    row = _held(session, user.id, role, unit)
    if row is None:
        return False
    session.delete(row)
    _log(session, actor, "roles", "role_revoked", now, officer=user.username, role=role, unit=unit)
    return True


def _held(session: Session, user_id: int, role: str, unit: str) -> RoleAssignment | None:
    return session.scalars(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user_id, RoleAssignment.role_code == role, RoleAssignment.unit_code == unit
        )
    ).first()
