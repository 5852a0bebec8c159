"""Every route that changes something takes POST only, and refuses a POST without a valid CSRF
token, whoever is logged in and whatever it would change."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from engine.data.models import Base, OutboxMessage

from .test_portal import apply_p02


def _post_routes(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        # the APIs take no browser sessions: the webhooks answer to signatures (test_api.py), /api/v1 to
        # bearer tokens only (tests/web/api_v1/test_tokens.py: a logged-in browser's cookie opens nothing there)
        if "POST" in rule.methods and rule.endpoint != "static" and not rule.rule.startswith("/api/"):
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


_FORM = re.compile(r"<form\b([^>]*)>")
_CHANGING = {"POST", "PUT", "PATCH", "DELETE"}


def _posts_to_itself(page: str, url: str) -> bool:
    """Whether the page holds a form that posts back to its own address (no action, or that address)."""
    for attributes in _FORM.findall(page):
        action = re.search(r'action="([^"]*)"', attributes)
        if re.search(r'method="post"', attributes, re.I) and (action is None or action.group(1) in ("", url)):
            return True
    return False


def _state(web, runtime) -> dict[str, object]:
    """Every table's rows, and the session but for what any page view may set: the CSRF token it issues and the
    messages it shows."""
    with runtime.db.read() as session:
        state: dict[str, object] = {
            table.name: sorted((tuple(row) for row in session.execute(table.select())), key=repr)
            for table in Base.metadata.sorted_tables
        }
    with web.client.session_transaction() as browser_session:
        state["the session"] = {k: v for k, v in browser_session.items() if k not in ("csrf_token", "_flashes")}
    return state


def _example(rule, dossier: str, reset_token: str) -> str:
    """The rule's address for the applicant: their own dossier, a procedure they may apply for, the
    reset link sent to them (a dead one only says so and sends them back)."""
    values = {"code": dossier if rule.rule.startswith("/dossiers/") else "P02", "token": reset_token}
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), "1"), rule.rule)


def test_get_never_changes_anything(app, web, other_web, runtime, office):
    """What changes something takes POST only, so a link or an image cannot trigger it. A route that takes GET
    as well is a form page: its GET shows the form, posting back to the same address, and changes nothing.
    The officers' form pages (the counter) are opened by a desk officer, the others by an applicant."""
    web.signup()
    dossier = apply_p02(web)
    web.get(f"/dossiers/{dossier}")  # shows the messages of the application
    web.post("/password/forgot", {"identifier": "0912345678"})
    with runtime.db.read() as session:
        link = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notify.password_reset")).one()
    reset_token = link.payload["link"].rsplit("/", 1)[1]
    other_web.officer_login("lan.desk")
    both = [rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and _CHANGING & rule.methods]
    assert len(both) >= 5  # signup, the two logins, the password pages, applying, withdrawing, tracking
    for rule in both:
        url = _example(rule, dossier, reset_token)
        before = _state(web, runtime)
        officers_page = rule.rule.startswith("/officer/") and rule.rule != "/officer/login"
        response = (other_web if officers_page else web).get(url)
        assert response.status_code == 200, f"{rule.endpoint} takes GET and POST: GET {url} gave {response.status_code}"
        assert _posts_to_itself(response.get_data(as_text=True), url), f"{rule.endpoint}: GET {url} shows no form"
        after = _state(web, runtime)
        assert after == before, f"{rule.endpoint}: GET {url} changed {[k for k in before if before[k] != after[k]]}"


def test_the_api_refuses_an_unsigned_post(app, web):
    api = [rule.rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")]
    assert api
    for url in api:
        response = web.client.post(url, data=b"{}", content_type="application/json")
        assert response.status_code == 401, url
