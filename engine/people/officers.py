"""Officers, units and roles: editable data, not part of any diagram."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.data.models import Role, RoleAssignment, Unit, User
from engine.errors import not_found
from engine.forms import Message

# Roles no lane names, for running the system: the administrator (outside-system traffic), the
# process designer, post-office staff who hand dossiers in at collection points, and managers who
# read the office's figures. They show no dossiers: an applicant's papers are for the units'
# working roles.
SYSTEM_ROLES = frozenset({"admin", "designer", "agent", "manager"})


@dataclass(frozen=True)
class Actor:
    """Who does something: an officer (with a user id), an applicant, or the system itself."""

    name: str
    user_id: int | None = None
    kind: str = "officer"

    @classmethod
    def system(cls) -> Actor:
        return cls("system", None, "system")

    @classmethod
    def applicant(cls, name: str) -> Actor:
        return cls(name, None, "applicant")

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(user.full_name, user.id, "officer")


def add_unit(session: Session, code: str, name_vi: str, name_en: str) -> Unit:
    unit = session.get(Unit, code)
    if unit is None:
        unit = Unit(code=code, name_vi=name_vi, name_en=name_en)
        session.add(unit)
    else:
        unit.name_vi, unit.name_en = name_vi, name_en
    return unit


def unit_name(session: Session, code: str) -> Message | None:
    """A unit's name in both languages (as printed on slips), None for an unknown unit."""
    unit = session.get(Unit, code)
    return Message(unit.name_vi, unit.name_en) if unit else None


def add_user(session: Session, username: str, full_name: str, email: str | None = None) -> User:
    """Add an officer, or update the name (and e-mail, if given) of an existing one."""
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        user = User(username=username, full_name=full_name, email=email)
        session.add(user)
    else:
        user.full_name = full_name
        user.email = email or user.email
    session.flush()
    return user


def user_by_name(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise not_found("user", username)
    return user


def grant(session: Session, user: User, role_code: str, unit_code: str) -> None:
    if session.get(Role, role_code) is None:
        raise not_found("role", role_code)
    if session.get(Unit, unit_code) is None:
        raise not_found("unit", unit_code)
    if _assignment(session, user, role_code, unit_code) is None:
        session.add(RoleAssignment(user_id=user.id, role_code=role_code, unit_code=unit_code))
        session.flush()


def revoke(session: Session, user: User, role_code: str, unit_code: str) -> bool:
    row = _assignment(session, user, role_code, unit_code)
    if row is None:
        return False
    session.delete(row)
    return True


def _assignment(session: Session, user: User, role_code: str, unit_code: str) -> RoleAssignment | None:
    return session.scalars(
        select(RoleAssignment).where(
            RoleAssignment.user_id == user.id,
            RoleAssignment.role_code == role_code,
            RoleAssignment.unit_code == unit_code,
        )
    ).first()


def holders(session: Session, role_code: str, unit_code: str) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(RoleAssignment, RoleAssignment.user_id == User.id)
            .where(RoleAssignment.role_code == role_code, RoleAssignment.unit_code == unit_code, User.active)
            .order_by(User.username)
        )
    )
