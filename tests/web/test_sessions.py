"""Logins kept on the server: logging out (or two idle hours) ends them for every copy of the
cookie; cookies are Secure and HSTS is sent whenever the request came over https, behind a proxy
too; production refuses to start on development settings."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from engine.config import Settings
from web import UnsafeSettings, create_app

from .helpers import PASSWORD, Web

COOKIE = "session"


def _copy_cookie(source: Web, target: Web) -> None:
    """What someone who got hold of the cookie (a shared computer, a stolen backup) would do."""
    cookie = source.client.get_cookie(COOKIE, domain="motcua.test")
    assert cookie is not None
    target.client.set_cookie(COOKIE, cookie.value, domain="motcua.test")


def test_logging_out_ends_the_login_for_a_copied_cookie_too(web, other_web):
    web.signup()
    _copy_cookie(web, other_web)
    assert other_web.get("/dossiers").status_code == 200  # the copy works while the login lives
    web.logout()
    assert other_web.get("/dossiers").status_code == 302  # sent to log in


def test_an_officers_logout_ends_the_login_for_a_copied_cookie_too(web, other_web):
    web.officer_login("lan.desk")
    _copy_cookie(web, other_web)
    assert other_web.get("/officer/").status_code == 200
    web.logout()
    assert other_web.get("/officer/").status_code == 302


def test_a_login_ends_after_two_idle_hours_and_lives_while_used(web, clock):
    web.signup()
    for _ in range(3):  # used every 90 minutes: still alive after 4.5 hours
        clock.advance(timedelta(minutes=90))
        assert web.get("/dossiers").status_code == 200
    clock.advance(timedelta(hours=2, minutes=1))
    assert web.get("/dossiers").status_code == 302


def _login_cookie_header(response) -> str:
    return next(h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{COOKIE}="))


def test_over_https_the_cookie_is_secure_and_hsts_is_sent(web):
    login = {"username": "lan.desk", "password": PASSWORD}
    token = web.token("/officer/login")
    response = web.client.post(
        "/officer/login",
        data={**login, "csrf_token": token},
        base_url="https://motcua.test",
        headers={"Referer": "https://motcua.test/officer/login"},  # as a browser sends it (CSRF checks it over https)
    )
    assert response.status_code == 302
    assert "Secure" in _login_cookie_header(response)
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_over_plain_http_there_is_neither(web):
    response = web.officer_login("lan.desk")
    assert response.status_code == 302
    assert "Secure" not in _login_cookie_header(response)
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("hops, secure", [(1, True), (0, False)])
def test_behind_a_proxy_its_forwarded_scheme_counts_only_when_configured(runtime, hops, secure):
    runtime.settings = replace(runtime.settings, proxy_hops=hops)
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SERVER_NAME": "motcua.test"}, runtime=runtime)
    response = app.test_client().get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert response.status_code == 200
    assert ("Strict-Transport-Security" in response.headers) is secure


def test_production_refuses_development_secrets_and_no_public_address(runtime):
    runtime.settings = replace(Settings(), environment="production")
    with pytest.raises(UnsafeSettings) as refused:
        create_app({"TESTING": True}, runtime=runtime)
    assert any("MOTCUA_POST_SECRET" in p for p in refused.value.problems)
    assert any("MOTCUA_PUBLIC_URL" in p for p in refused.value.problems)
    runtime.settings = replace(
        runtime.settings, post_secret="p" * 32, bank_secret="b" * 32, public_url="https://dichvucong.bhxh.example"
    )
    assert create_app({"TESTING": True}, runtime=runtime) is not None
