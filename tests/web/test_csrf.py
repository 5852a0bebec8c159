"""Every route that changes something takes POST only, and refuses a POST without a valid CSRF
token, whoever is logged in and whatever it would change."""

from __future__ import annotations

import re

import pytest


def _post_routes(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        # the API takes no browser sessions: it answers to signatures instead (test_api.py)
        if "POST" in rule.methods and rule.endpoint != "static" and not rule.endpoint.startswith("api."):
            # fill path parameters with values that look real: the check must come before any lookup
            urls.append(re.sub(r"<(?:\w+:)?(\w+)>", lambda m: "1" if m.group(1).endswith("id") else "X", rule.rule))
    return sorted(set(urls))


def test_there_are_post_routes_to_check(app):
    assert len(_post_routes(app)) >= 5


@pytest.mark.parametrize("who", ["nobody", "applicant", "officer"])
def test_every_post_route_refuses_a_request_without_a_csrf_token(app, web, who):
    if who == "applicant":
        web.signup()
    elif who == "officer":
        web.officer_login("lan.desk")
    for url in _post_routes(app):
        for token in (None, "forged-token"):
            data = {} if token is None else {"csrf_token": token}
            response = web.client.post(url, data=data)
            assert response.status_code == 400, f"{url} answered {response.status_code} to a POST without a token"
            page = response.get_data(as_text=True)
            assert "<h1>" in page and "token is missing" not in page and "Bad Request" not in page  # our own page


def test_get_never_changes_anything(app):
    """The state-changing endpoints are not reachable with GET (so a link or an image cannot trigger them)."""
    changing = {"auth.logout", "i18n.switch_language"}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in changing:
            assert "GET" not in rule.methods


def test_the_api_refuses_an_unsigned_post(app, web):
    api = [rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")]
    assert api
    for url in api:
        response = web.client.post(url, data=b"{}", content_type="application/json")
        assert response.status_code == 401, url
