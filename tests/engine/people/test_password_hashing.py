"""Password hashes: argon2id at or above OWASP's minimum, and hashes made with the parameters used
before (argon2-cffi's default, 64 MiB x 3 on 4 lanes) replaced at the holder's next good login."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from engine.data.models import Account, User
from engine.people import accounts
from engine.people.officers import add_user

PASSWORD = "mat-khau-2026"
# what every hash of Motcua used before: argon2-cffi 25.1's PasswordHasher() default
OLD_HASH = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PASSWORD)
# OWASP Password Storage Cheat Sheet, argon2id: equally strong (memory KiB, passes) rows, one lane
OWASP_MINIMUM = [(47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5)]
_PARAMETERS = re.compile(r"^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$")


def parameters(password_hash: str) -> tuple[int, int, int]:
    """m (KiB), t, p as the hash string records them; argon2id and version 1.3 only."""
    found = _PARAMETERS.match(password_hash)
    assert found, password_hash
    m, t, p = (int(n) for n in found.groups())
    return m, t, p


def at_or_above_owasp(password_hash: str) -> bool:
    m, t, p = parameters(password_hash)
    return p >= 1 and any(m >= row_m and t >= row_t for row_m, row_t in OWASP_MINIMUM)


def test_new_hashes_are_argon2id_at_or_above_the_owasp_minimum():
    new = accounts.hash_password(PASSWORD)
    assert at_or_above_owasp(new)
    assert parameters(new) != parameters(OLD_HASH)  # lighter than before, so a morning's logins fit two cores
    assert not at_or_above_owasp(PasswordHasher(time_cost=2, memory_cost=12288, parallelism=1).hash(PASSWORD))


def test_an_applicant_with_an_old_hash_logs_in_and_is_rehashed(runtime, clock):
    with runtime.db.write() as session:
        session.add(
            Account(
                kind="individual",
                id_number="051090001234",
                full_name="Trần Thị Mai",
                phone="0912345678",
                password_hash=OLD_HASH,
                created_at=clock.now(),
            )
        )
    with runtime.db.write() as session:
        assert accounts.authenticate(session, "051090001234", PASSWORD).full_name == "Trần Thị Mai"
    with runtime.db.read() as session:
        stored = session.scalars(select(Account.password_hash)).one()
    assert stored != OLD_HASH and at_or_above_owasp(stored)
    assert parameters(stored) == parameters(accounts.hash_password(PASSWORD))
    with runtime.db.write() as session:  # the new hash holds the same password
        assert accounts.authenticate(session, "0912345678", PASSWORD).password_hash == stored


def test_a_wrong_password_leaves_an_old_hash_alone(runtime, clock):
    with runtime.db.write() as session:
        user = add_user(session, "lan.desk", "Nguyễn Thị Lan")
        user.password_hash = OLD_HASH
    with runtime.db.write() as session, pytest.raises(accounts.LoginFailed):
        accounts.authenticate_officer(session, "lan.desk", "wrong-password")
    with runtime.db.read() as session:
        assert session.scalars(select(User.password_hash)).one() == OLD_HASH


def test_an_officer_with_an_old_hash_logs_in_and_is_rehashed(runtime):
    with runtime.db.write() as session:
        user = add_user(session, "lan.desk", "Nguyễn Thị Lan")
        user.password_hash = OLD_HASH
    with runtime.db.write() as session:
        assert accounts.authenticate_officer(session, "lan.desk", PASSWORD).username == "lan.desk"
    with runtime.db.read() as session:
        stored = session.scalars(select(User.password_hash)).one()
    assert stored != OLD_HASH and at_or_above_owasp(stored)
