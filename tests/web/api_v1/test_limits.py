"""The REST API's rate limits, per caller: over one, a 429 problem with Retry-After, counted per token
holder (another applicant is not held back) and for creating calls apart."""

from __future__ import annotations

from tests.web.helpers import PASSWORD

from .helpers import auth, make_token, submit


def test_over_the_limit_a_caller_waits_as_long_as_retry_after_says(app, web, other_web):
    app.config["RATELIMIT_API_CALLER"] = "3 per minute"
    web.signup()
    token = make_token(web)
    for _ in range(3):
        assert web.client.get("/api/v1/dossiers", headers=auth(token)).status_code == 200
    over = web.client.get("/api/v1/procedures", headers=auth(token, **{"Accept-Language": "en"}))
    assert over.status_code == 429 and over.mimetype == "application/problem+json"
    assert 1 <= int(over.headers["Retry-After"]) <= 60
    assert over.get_json()["type"] == "/api/v1/problems/too-many-requests"
    assert over.get_json()["title"] == "Too many requests"
    other_web.signup("051090009999", "Lê Văn Bình", phone="0987654321")
    other = make_token(other_web)
    assert other_web.client.get("/api/v1/dossiers", headers=auth(other)).status_code == 200


def test_creating_calls_have_their_own_limit(app, web, runtime):
    app.config["RATELIMIT_API_CREATE"] = "2 per hour"
    web.signup()
    token = make_token(web)
    assert submit(web.client, token).status_code == 201
    assert submit(web.client, token).status_code == 201
    third = submit(web.client, token)
    assert third.status_code == 429 and int(third.headers["Retry-After"]) > 60
    assert web.client.get("/api/v1/dossiers", headers=auth(token)).status_code == 200  # reading goes on


def test_an_officers_calls_are_held_to_the_same_limit(app, web, office):
    app.config["RATELIMIT_API_CALLER"] = "2 per minute"
    assert web.officer_login("lan.desk", PASSWORD).status_code == 302
    token = make_token(web, scopes=("read", "work"))
    for _ in range(2):
        assert web.client.get("/api/v1/tasks?view=offered", headers=auth(token)).status_code == 200
    over = web.client.get("/api/v1/tasks?view=mine", headers=auth(token))
    assert over.status_code == 429 and over.mimetype == "application/problem+json"
    assert 1 <= int(over.headers["Retry-After"]) <= 60
