"""Applicant accounts and officer passwords: argon2 hashes, logins by any identifier, reset links."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from engine.data.models import Account, OutboxMessage
from engine.errors import NotAllowed
from engine.forms import FormError
from engine.people import accounts, sessions
from engine.people.officers import add_user

VALUES = {"full_name": "Trần Thị Mai", "phone": "0912 345 678", "email": "Mai@Example.vn", "address": ""}


def _register(session, now, **changes):
    args = {
        "kind": "individual",
        "id_number": "051090001234",
        "values": dict(VALUES),
        "password": "mat-khau-2026",
        "confirm": "mat-khau-2026",
        "now": now,
    }
    args.update(changes)
    return accounts.register(session, **args)


def test_a_password_is_stored_only_as_an_argon2_hash(runtime, clock):
    with runtime.db.write() as session:
        account = _register(session, clock.now())
        assert account.password_hash.startswith("$argon2")
        assert "mat-khau-2026" not in account.password_hash
        assert account.phone == "0912345678" and account.email == "mai@example.vn"


@pytest.mark.parametrize("identifier", ["051090001234", "0912345678", "mai@example.vn", "MAI@example.vn"])
def test_log_in_by_citizen_id_phone_or_email(runtime, clock, identifier):
    with runtime.db.write() as session:
        _register(session, clock.now())
    with runtime.db.write() as session:
        assert accounts.authenticate(session, identifier, "mat-khau-2026").full_name == "Trần Thị Mai"
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate(session, identifier, "wrong-password")


def test_every_problem_of_a_sign_up_is_reported_and_nothing_is_written(runtime, clock):
    with runtime.db.write() as session, pytest.raises(FormError) as error:
        _register(
            session,
            clock.now(),
            kind="employer",
            id_number="123",
            password="short",
            confirm="short",
            values={"full_name": "", "phone": "", "email": "", "address": ""},
        )
    assert set(error.value.errors) == {"id_number", "full_name", "phone", "password"}
    assert "Mã số thuế" in error.value.errors["id_number"].vi
    with runtime.db.read() as session:
        assert session.scalars(select(Account)).first() is None


def test_a_new_account_is_welcomed_through_the_outbox(runtime, clock):
    with runtime.db.write() as session:
        account = _register(session, clock.now())
    with runtime.db.read() as session:
        (message,) = session.scalars(select(OutboxMessage))
    assert message.kind == "notify.account_created" and message.dossier_id is None
    assert message.payload == {
        "account_id": account.id,
        "name": "Trần Thị Mai",
        "phone": "0912345678",
        "email": "mai@example.vn",
    }


@pytest.mark.parametrize(
    "changes",
    [
        {},  # the citizen ID
        {"id_number": "051090009999"},  # the phone
        {"id_number": "051090009999", "values": {**VALUES, "phone": "0987654321"}},  # the e-mail
    ],
    ids=["id", "phone", "email"],
)
def test_an_id_number_phone_or_email_already_used_makes_no_account_and_its_holder_is_told(runtime, clock, changes):
    with runtime.db.write() as session:
        first = _register(session, clock.now())
    with runtime.db.write() as session:
        assert _register(session, clock.now(), password="other-password", confirm="other-password", **changes) is None
    with runtime.db.read() as session:
        assert [a.id for a in session.scalars(select(Account))] == [first.id]
        told = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notify.signup_attempt")).one()
        assert told.payload["account_id"] == first.id and told.payload["phone"] == "0912345678"
    with runtime.db.write() as session:  # the holder's password is untouched
        accounts.authenticate(session, "051090001234", "mat-khau-2026")


def test_every_holder_of_a_detail_is_told(runtime, clock):
    """A citizen ID of one account and the phone of another: both holders hear of it."""
    with runtime.db.write() as session:
        first = _register(session, clock.now())
        second = _register(
            session, clock.now(), id_number="051090008888", values={**VALUES, "phone": "0987654321", "email": ""}
        )
    with runtime.db.write() as session:
        assert _register(session, clock.now(), values={**VALUES, "phone": "0987654321", "email": ""}) is None
    with runtime.db.read() as session:
        told = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notify.signup_attempt"))
        assert sorted(m.payload["account_id"] for m in told) == [first.id, second.id]


def test_a_reset_link_works_once_within_the_hour(runtime, clock):
    with runtime.db.write() as session:
        account_id = _register(session, clock.now()).id
        login = sessions.open_login(session, clock.now(), account_id=account_id)
    links = []
    with runtime.db.write() as session:
        accounts.request_reset(session, "0912345678", clock.now(), lambda token: links.append(token) or f"/r/{token}")
    with runtime.db.read() as session:
        message = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notify.password_reset")).one()
        assert message.payload["link"] == f"/r/{links[0]}" and message.payload["email"] == "mai@example.vn"
        assert sessions.live_login(session, login, clock.now()) is not None
    with runtime.db.write() as session:
        accounts.reset_password(session, links[0], "new-password-1", "new-password-1", clock.now())
    with runtime.db.read() as session:
        assert sessions.live_login(session, login, clock.now()) is None  # the new password ended it
    with runtime.db.write() as session, pytest.raises(NotAllowed):
        accounts.reset_password(session, links[0], "new-password-2", "new-password-2", clock.now())
    with runtime.db.write() as session:
        accounts.authenticate(session, "051090001234", "new-password-1")


def test_an_expired_reset_link_is_refused(runtime, clock):
    with runtime.db.write() as session:
        _register(session, clock.now())
    tokens = []
    with runtime.db.write() as session:
        accounts.request_reset(session, "051090001234", clock.now(), lambda token: tokens.append(token) or token)
    clock.advance(timedelta(hours=1, seconds=1))
    with runtime.db.write() as session, pytest.raises(NotAllowed):
        accounts.reset_password(session, tokens[0], "new-password-1", "new-password-1", clock.now())


def test_officer_passwords(runtime):
    with runtime.db.write() as session:
        user = add_user(session, "lan.desk", "Nguyễn Thị Lan")
        with pytest.raises(accounts.LoginFailed):  # no password set yet: cannot log in
            accounts.authenticate_officer(session, "lan.desk", "")
        with pytest.raises(FormError):
            accounts.set_officer_password(session, user, "short", runtime.clock.now())
        accounts.set_officer_password(session, user, "mat-khau-2026", runtime.clock.now())
    with runtime.db.read() as session:
        assert accounts.authenticate_officer(session, "lan.desk", "mat-khau-2026").full_name == "Nguyễn Thị Lan"
        with pytest.raises(accounts.LoginFailed):
            accounts.authenticate_officer(session, "lan.desk", "wrong-password")


def _ask_for_links(runtime, clock, count: int) -> list[str]:
    links: list[str] = []
    for _ in range(count):
        with runtime.db.write() as session:
            accounts.request_reset(session, "0912345678", clock.now(), lambda token: links.append(token) or token)
    return links


def _reset(runtime, clock, token: str, password: str) -> None:
    with runtime.db.write() as session:
        accounts.reset_password(session, token, password, password, clock.now())


def test_a_newer_reset_link_voids_the_older_ones(runtime, clock):
    with runtime.db.write() as session:
        _register(session, clock.now())
    older, newer = _ask_for_links(runtime, clock, 2)
    with pytest.raises(NotAllowed):
        _reset(runtime, clock, older, "from-the-old-link")
    _reset(runtime, clock, newer, "from-the-new-link")
    with runtime.db.write() as session:
        accounts.authenticate(session, "051090001234", "from-the-new-link")


def test_a_password_change_voids_every_other_link(runtime, clock):
    """A link sent, then another asked for and used: nothing from before the change opens anything."""
    with runtime.db.write() as session:
        _register(session, clock.now())
    (first,) = _ask_for_links(runtime, clock, 1)
    _reset(runtime, clock, first, "changed-once-1")
    (second,) = _ask_for_links(runtime, clock, 1)
    _reset(runtime, clock, second, "changed-twice-2")
    for spent in (first, second):
        with pytest.raises(NotAllowed):
            _reset(runtime, clock, spent, "never-this-one")


def test_a_new_officer_password_ends_the_officers_logins(runtime, clock):
    with runtime.db.write() as session:
        user = add_user(session, "lan.desk", "Nguyễn Thị Lan")
        accounts.set_officer_password(session, user, "mat-khau-2026", clock.now())
        login = sessions.open_login(session, clock.now(), user_id=user.id)
    with runtime.db.write() as session:
        accounts.set_officer_password(session, session.get(type(user), user.id), "mat-khau-moi-2027", clock.now())
    with runtime.db.read() as session:
        assert sessions.live_login(session, login, clock.now()) is None
