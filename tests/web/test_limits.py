"""Rate limits on logins, password-reset requests, sign-up and tracking, through the real limiter
(web/limits.py): the default numbers where a test can afford them, smaller configured ones where each
attempt costs a password hash. Over a limit: 429, the error page in the reader's language, the wait in
words and in Retry-After."""

from __future__ import annotations

import os
import shutil
import time
import uuid

import pytest
import redis
from argon2 import PasswordHasher
from sqlalchemy import func, select, update

from engine.data.models import Account, OutboxMessage, User
from engine.people.officers import Actor, add_user, grant, user_by_name
from tests.helpers import P02_APPLICATION
from web import create_app

from .helpers import PASSWORD, Web

CONFIG = {"TESTING": True, "SECRET_KEY": "test-secret", "SERVER_NAME": "motcua.test"}
OFFICE_ADDRESS = "203.0.113.10"  # documentation addresses (RFC 5737): only ever a value in the WSGI environ
ELSEWHERE = "198.51.100.20"
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
REDIS = os.environ.get("MOTCUA_TEST_CELERY_BROKER", "redis://127.0.0.1:6379/5")  # this test run's own database


@pytest.fixture
def database_url(tmp_path, sqlite_template):
    """SQLite only: what is counted does not depend on the database."""
    path = tmp_path / "motcua.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(autouse=True)
def quick_passwords(app, runtime):
    """Officers' passwords hashed with light argon2 settings: a wrong one is found out in a millisecond,
    and the limiter counts it the same."""
    with runtime.db.write() as session:
        session.execute(update(User).values(password_hash=CHEAP))


def quicken(runtime) -> None:
    """The same for the applicants' accounts made by signing up."""
    with runtime.db.write() as session:
        session.execute(update(Account).values(password_hash=CHEAP))


def browser(app, address: str = OFFICE_ADDRESS) -> Web:
    """A browser of its own (session, cookies) at a network address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return Web(client)


@pytest.fixture
def configured(app, runtime):
    """Another app on the same database (the `app` fixture gave the officers their password), with
    other limits."""
    return lambda **limits: create_app({**CONFIG, **limits}, runtime=runtime)


def _count(runtime, kind: str) -> int:
    with runtime.db.read() as session:
        return session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.kind == kind))


# --- logins --------------------------------------------------------------------------------------


def test_ten_wrong_passwords_then_even_the_right_one_waits_a_quarter_hour(app, runtime):
    web = browser(app)
    web.signup(email="mai@example.vn", log_in=False)
    quicken(runtime)
    for _ in range(10):
        assert web.login("051090001234", "not-the-password").status_code == 400
    refused = web.login("mai@example.vn")  # the right password, by another of the account's identifiers
    assert refused.status_code == 429
    assert 850 <= int(refused.headers["Retry-After"]) <= 900
    page = refused.get_data(as_text=True)
    assert "<h1>Quá nhiều lần thử</h1>" in page and "Vui lòng thử lại sau 15 phút." in page
    assert "Trần Thị Mai" not in page
    assert browser(app).login("0912345678").status_code == 429  # from another browser too: the account counts
    assert browser(app).officer_login("lan.desk").status_code == 302  # someone else at the same address


@pytest.mark.parametrize("username", ["lan.desk", "hoa.lanhdao"], ids=["officer", "administrator"])
def test_officers_and_the_administrator_are_held_after_ten_wrong_passwords(app, runtime, office, username):
    with runtime.db.write() as session:
        grant(session, user_by_name(session, "hoa.lanhdao"), "admin", office.unit)
    web = browser(app)
    for _ in range(10):
        assert web.officer_login(username, "not-the-password").status_code == 400
    refused = web.officer_login(username)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert web.get("/officer/").status_code == 302  # not logged in
    assert browser(app).officer_login("minh.desk").status_code == 302  # a colleague logs in


def test_fifty_officers_behind_one_address_log_in_and_only_failures_count_there(app, runtime):
    """The office's officers share one address: fifty log in at 7:30 (default limits); thirty mistakes
    from that address, each by a different officer, then hold the address for a while."""
    names = [f"officer{n:02}" for n in range(51)]
    with runtime.db.write() as session:
        for name in names:
            add_user(session, name, f"Officer {name}").password_hash = CHEAP
    for name in names[:50]:
        assert browser(app).officer_login(name).status_code == 302, name
    for name in names[:30]:
        assert browser(app).officer_login(name, "mistyped").status_code == 400, name
    assert browser(app).officer_login(names[50]).status_code == 429  # the right password, the address is held
    assert browser(app, ELSEWHERE).officer_login(names[50]).status_code == 302


def test_the_address_limit_is_shared_by_both_login_forms(configured):
    app = configured(RATELIMIT_LOGIN_ADDRESS="3 per 15 minutes")
    web = browser(app)
    assert web.officer_login("hai.thu", "x").status_code == 400
    assert web.login("no-such-account@example.vn", "x").status_code == 400
    assert web.officer_login("minh.desk", "x").status_code == 400
    assert web.officer_login("lan.desk").status_code == 429


def test_after_the_wait_the_right_password_works_again(configured):
    app = configured(RATELIMIT_LOGIN_ACCOUNT="2 per 2 seconds")
    web = browser(app)
    for _ in range(2):
        assert web.officer_login("lan.desk", "not-the-password").status_code == 400
    refused = web.officer_login("lan.desk")
    assert refused.status_code == 429
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 2
    time.sleep(wait + 0.2)
    assert web.officer_login("lan.desk").status_code == 302


def test_the_wait_is_told_in_english_too(configured):
    app = configured(RATELIMIT_LOGIN_ACCOUNT="1 per 2 hours")
    web = browser(app)
    web.post("/language", {"lang": "en", "next": "/"}, page="/")
    web.officer_login("lan.desk", "not-the-password")
    refused = web.officer_login("lan.desk")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and 7100 < int(refused.headers["Retry-After"]) <= 7200
    assert "<h1>Too many attempts</h1>" in page and "Please try again in 2 hours." in page


# --- password resets -----------------------------------------------------------------------------


def test_twenty_reset_requests_send_three_links(app, runtime):
    web = browser(app)
    web.signup(email="mai@example.vn", log_in=False)
    answers = [
        web.post("/password/forgot", {"identifier": identifier}).status_code
        for identifier in ["051090001234", "0912345678", "mai@example.vn", "MAI@example.vn"] * 5
    ]
    assert answers == [200] * 3 + [429] * 17
    assert _count(runtime, "notify.password_reset") == 3


def test_reset_requests_per_address(app, runtime):
    web = browser(app)
    for n in range(20):  # unknown identifiers: the same answer, nothing sent
        assert web.post("/password/forgot", {"identifier": f"05109000{n:04}"}).status_code == 200
    assert web.post("/password/forgot", {"identifier": "051090009999"}).status_code == 429
    assert browser(app, ELSEWHERE).post("/password/forgot", {"identifier": "051090009999"}).status_code == 200


# --- sign-up -------------------------------------------------------------------------------------


def test_sign_ups_per_id_number_count_only_those_that_send_a_message(app, runtime):
    web = browser(app)
    for _ in range(3):  # form errors do not count
        assert web.post("/signup", {"kind": "individual", "id_number": "051090001234"}).status_code == 400
    for n in range(3):  # the first makes the account, the next two tell its owner
        assert web.signup(phone=f"091234567{n}", log_in=False).status_code == 200
    assert browser(app, ELSEWHERE).signup(phone="0912345679", log_in=False).status_code == 429
    with runtime.db.read() as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 1
    assert _count(runtime, "notify.signup_attempt") == 2


def test_sign_ups_per_address(configured):
    app = configured(RATELIMIT_SIGNUP_ADDRESS="2 per hour")
    web = browser(app)
    assert web.signup(id_number="051090000001", phone="0912000001", log_in=False).status_code == 200
    assert web.signup(id_number="051090000002", phone="0912000002", log_in=False).status_code == 200
    assert web.signup(id_number="051090000003", phone="0912000003", log_in=False).status_code == 429
    assert browser(app, ELSEWHERE).signup(id_number="051090000003", phone="0912000003").status_code == 200


# --- tracking ------------------------------------------------------------------------------------


@pytest.fixture
def dossier(runtime) -> str:
    return runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant(P02_APPLICATION["full_name"]))


def _tracker(app, address: str = OFFICE_ADDRESS):
    """Posts the tracking form as a browser does (one page, one token)."""
    web = browser(app, address)
    token = web.token("/track")
    return lambda code, id_number: web.client.post(
        "/track", data={"csrf_token": token, "code": code, "id_number": id_number}
    )


def test_walking_the_codes_with_someones_id_number_stops_after_ten(app, dossier):
    """An attacker with the victim's ID number tries 200 sequential codes, the real one among them."""
    track = _tracker(app)
    day = dossier.rsplit("-", 1)[0]
    codes = [f"{day}-{n:04}" for n in range(2, 202)]
    codes[100] = dossier
    answers = [track(code, P02_APPLICATION["citizen_id"]) for code in codes]
    assert [a.status_code for a in answers] == [400] * 10 + [429] * 190
    assert not any("Nguyễn Văn An" in a.get_data(as_text=True) for a in answers)  # the applicant's name
    # the same ID number from another address is held too: the number counts
    assert _tracker(app, ELSEWHERE)(dossier, P02_APPLICATION["citizen_id"]).status_code == 429
    # spaces typed inside the number are forgiven by the lookup, so they make no other number here
    number = P02_APPLICATION["citizen_id"]
    spaced = " ".join(number[i : i + 3] for i in range(0, len(number), 3))
    assert _tracker(app, ELSEWHERE)(dossier, spaced).status_code == 429


def test_tracking_failures_per_address_and_lookups_that_find_do_not_count(app, dossier):
    track = _tracker(app)
    for _ in range(40):  # finding one's dossier again and again is fine
        assert track(dossier, P02_APPLICATION["citizen_id"]).status_code == 200
    for n in range(30):  # different ID numbers: the address counts
        assert track(dossier, f"0510000{n:05}").status_code == 400
    assert track(dossier, P02_APPLICATION["citizen_id"]).status_code == 429
    assert _tracker(app, ELSEWHERE)(dossier, P02_APPLICATION["citizen_id"]).status_code == 200


def test_pages_are_not_limited(app):
    web = browser(app)
    for _ in range(12):
        web.officer_login("lan.desk", "not-the-password")
    for url in ("/login", "/track", "/signup", "/password/forgot"):
        assert web.get(url).status_code == 200, url


# --- where the counts are kept -------------------------------------------------------------------


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=2).ping()
    except redis.RedisError as err:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis does not answer at {REDIS}: {err}")
        pytest.skip(f"Redis does not answer at {REDIS}: {err}")
    prefix = f"motcua-test-{uuid.uuid4().hex}"
    yield REDIS, prefix
    client = redis.Redis.from_url(REDIS)
    for key in client.scan_iter(f"*{prefix}*"):
        client.delete(key)


@pytest.mark.parametrize("storage", ["memory", "redis"])
def test_processes_share_the_counts_through_redis(configured, request, storage):
    """Two apps stand for two processes (or machines) of the office: with Redis configured, failures at
    one count at the other; in memory, each process counts its own."""
    limits = {"RATELIMIT_LOGIN_ACCOUNT": "2 per 15 minutes"}
    if storage == "redis":
        url, prefix = request.getfixturevalue("redis_url")
        limits.update(RATELIMIT_STORAGE_URI=url, RATELIMIT_KEY_PREFIX=prefix)
    first, second = configured(**limits), configured(**limits)
    for _ in range(2):
        assert browser(first).officer_login("lan.desk", "not-the-password").status_code == 400
    assert browser(second).officer_login("lan.desk").status_code == (429 if storage == "redis" else 302)
    assert browser(first).officer_login("lan.desk").status_code == 429


def test_with_redis_down_each_process_keeps_counting(configured):
    """The store does not answer (nothing listens on the port): the limits hold in the process, and the
    site answers as usual rather than with an error."""
    app = configured(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0", RATELIMIT_LOGIN_ACCOUNT="2 per 15 minutes")
    web = browser(app)
    for _ in range(2):
        assert web.officer_login("lan.desk", "not-the-password").status_code == 400
    assert web.officer_login("lan.desk").status_code == 429
    assert browser(app).officer_login("minh.desk").status_code == 302
