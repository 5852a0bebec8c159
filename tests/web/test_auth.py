"""Applicant sign-up, log-in, password reset and session expiry; officer log-in."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import func, select

from engine.data.models import Account, OutboxMessage, User

from .helpers import PASSWORD

_RESETS = select(OutboxMessage).where(OutboxMessage.kind == "notify.password_reset")


def test_signup_says_to_check_the_messages_and_the_new_account_logs_in(web, runtime):
    response = web.signup(log_in=False)
    assert response.status_code == 200
    assert "Kiểm tra tin nhắn" in response.get_data(as_text=True)
    with runtime.db.read() as session:
        welcome = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notify.account_created")).one()
    assert welcome.payload["phone"] == "0912345678"
    assert web.login("051090001234").status_code == 302
    assert "Trần Thị Mai" in web.text("/procedures")


def test_signup_errors_are_shown_beside_each_field_and_input_is_kept(web):
    response = web.post(
        "/signup",
        {
            "kind": "individual",
            "id_number": "12345",
            "full_name": "Trần Thị Mai",
            "phone": "",
            "email": "not-an-email",
            "password": "short",
            "password_confirm": "short",
        },
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Số CCCD gồm đúng 12 chữ số" in page
    assert "Địa chỉ thư điện tử không hợp lệ" in page
    assert "Mật khẩu cần ít nhất 8 ký tự" in page
    assert 'value="Trần Thị Mai"' in page  # what was typed stays
    assert web.login("12345").status_code == 400  # and no account was made


_TOKEN = re.compile(r'name="csrf_token" value="[^"]*"')


def _answer(response) -> tuple[int, str]:
    return response.status_code, _TOKEN.sub("", response.get_data(as_text=True))


@pytest.mark.parametrize(
    "taken",
    [
        {"id_number": "051090001234", "phone": "0987654321"},  # the citizen ID
        {"id_number": "051090009999", "phone": "0912345678"},  # the phone
        {"id_number": "051090009999", "phone": "", "email": "Mai@Example.vn"},  # the e-mail
    ],
    ids=["id", "phone", "email"],
)
def test_a_taken_number_phone_or_email_gets_the_answer_of_a_new_one_and_its_owner_is_told(
    web, other_web, runtime, taken
):
    web.signup(email="mai@example.vn")
    web.logout()
    fresh = other_web.signup(id_number="051090005555", phone="0977000111", password="a-second-pass", log_in=False)
    again = other_web.signup(**taken, name="Kẻ Mạo Danh", password="an-impostor-pass", log_in=False)
    assert _answer(again) == _answer(fresh)  # nothing tells the number, phone or e-mail has an account
    with runtime.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 2  # no duplicate account
        (told,) = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notify.signup_attempt"))
        assert (told.payload["phone"], told.payload["email"]) == ("0912345678", "mai@example.vn")  # the owner
        assert told.payload["name"] == "Trần Thị Mai"
    assert other_web.login(taken.get("email") or taken["id_number"], "an-impostor-pass").status_code == 400
    assert web.login("051090001234").status_code == 302  # the owner's password is untouched


def test_login_by_citizen_id_phone_or_email(web):
    web.signup(email="mai@example.vn")
    for identifier in ("051090001234", "0912345678", "mai@example.vn"):
        web.logout()
        assert web.login(identifier).status_code == 302, identifier
    web.logout()
    response = web.login("051090001234", "wrong-password")
    assert response.status_code == 400
    assert "không đúng" in response.get_data(as_text=True)


def test_password_reset_link_goes_through_the_outbox_and_works_once(web, runtime):
    web.signup()
    web.logout()
    response = web.post("/password/forgot", {"identifier": "0912345678"})
    assert response.status_code == 200
    with runtime.db.read() as session:
        message = session.scalars(_RESETS).one()
    link = message.payload["link"]
    assert message.payload["phone"] == "0912345678"
    path = link.split("motcua.test", 1)[1]
    response = web.post(path, {"password": "a-new-password", "password_confirm": "a-new-password"})
    assert response.status_code == 302
    assert web.login("051090001234", PASSWORD).status_code == 400
    assert web.login("051090001234", "a-new-password").status_code == 302
    web.logout()
    again = web.post(
        path, {"password": "third-password", "password_confirm": "third-password"}, page="/password/forgot"
    )
    assert again.status_code == 302 and "/password/forgot" in again.headers["Location"]


def test_a_used_or_unknown_reset_link_says_so_before_a_new_password_is_typed(web, runtime):
    web.signup()
    web.logout()
    web.post("/password/forgot", {"identifier": "0912345678"})
    with runtime.db.read() as session:
        path = session.scalars(_RESETS).one().payload["link"].split("motcua.test", 1)[1]
    assert 'name="password"' in web.text(path)  # a live link: the form
    web.post(path, {"password": "a-new-password", "password_confirm": "a-new-password"})
    for dead in (path, "/password/reset/no-such-link"):
        opened = web.get(dead)
        assert opened.status_code == 302 and opened.headers["Location"].endswith("/password/forgot"), dead
        page = web.text(opened.headers["Location"])
        assert "Liên kết đặt lại mật khẩu không còn hiệu lực; hãy yêu cầu liên kết mới" in page, dead


def test_unknown_reset_identifier_says_the_same_and_sends_nothing(web, runtime):
    response = web.post("/password/forgot", {"identifier": "nobody@example.vn"})
    assert response.status_code == 200
    with runtime.db.read() as session:
        assert session.scalars(_RESETS).first() is None


def test_a_password_reset_ends_other_sessions(web, other_web, runtime):
    web.signup()
    other_web.login("051090001234")
    web.logout()
    web.post("/password/forgot", {"identifier": "051090001234"})
    with runtime.db.read() as session:
        link = session.scalars(_RESETS).one().payload["link"]
    web.post(link.split("motcua.test", 1)[1], {"password": "a-new-password", "password_confirm": "a-new-password"})
    assert other_web.get("/dossiers").status_code == 302  # sent to log in again


def test_sessions_expire(app, web):
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(seconds=-1)
    web.signup()
    assert web.get("/dossiers").status_code == 302


def test_officer_login(web):
    assert web.officer_login("lan.desk", "wrong").status_code == 400
    response = web.officer_login("lan.desk")
    assert response.status_code == 302
    assert "Nguyễn Thị Lan" in web.text("/officer/")


def test_an_applicant_is_not_let_into_the_officer_pages(web):
    web.signup()
    assert web.get("/officer/").status_code == 403


def test_forms_without_a_valid_csrf_token_are_refused(web):
    response = web.client.post("/signup", data={"kind": "individual", "id_number": "051090001234"})
    assert response.status_code == 400
    assert web.post("/signup", {"csrf_token": "forged"}).status_code == 400


def test_an_officer_whose_password_was_hashed_with_the_old_parameters_logs_in_and_is_rehashed(web, runtime):
    old = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash(PASSWORD)  # argon2-cffi's default
    with runtime.db.write() as session:
        session.scalars(select(User).where(User.username == "lan.desk")).one().password_hash = old
    assert web.officer_login("lan.desk").status_code == 302
    with runtime.db.read() as session:
        stored = session.scalars(select(User.password_hash).where(User.username == "lan.desk")).one()
    assert stored.startswith("$argon2id$v=19$m=12288,t=3,p=1$")
    web.logout()
    assert web.officer_login("lan.desk").status_code == 302  # the new hash holds the same password
