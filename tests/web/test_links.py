"""Links that leave the product start with the configured public address, whatever Host header a
request came with: an attacker who sends the reset form with `Host: evil.example` must not get the
victim a link to evil.example."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from engine.data.models import OutboxMessage
from engine.people.officers import Actor
from tests.conftest import PUBLIC_URL
from tests.helpers import P02_APPLICATION, do_task

from .helpers import Web
from .test_slips import pdf_text


@pytest.fixture
def app(app):
    """As in production: no server name configured, so requests may come with any Host."""
    app.config["SERVER_NAME"] = None
    return app


@pytest.fixture
def web(app) -> Web:
    """A browser whose every request says `Host: evil.example` (a forged header, or the site reached
    by another name)."""
    client = app.test_client()
    client.environ_base["HTTP_HOST"] = "evil.example"
    return Web(client)


def test_a_reset_link_points_at_the_public_address_not_the_host_header(web, runtime):
    web.signup()
    web.logout()
    response = web.post("/password/forgot", {"identifier": "0912345678"})
    assert response.status_code == 200
    with runtime.db.read() as session:
        link = session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "notify.password_reset")).one()
    assert link.payload["link"].startswith(f"{PUBLIC_URL}/password/reset/")
    assert "evil" not in link.payload["link"]


def test_the_receipt_slips_tracking_link_points_at_the_public_address(web, runtime, office):
    code = runtime.dossiers.start("P02", P02_APPLICATION, Actor.applicant("An"))
    do_task(runtime, office, code, "reception_check", decision="accept")
    web.officer_login("lan.desk")
    slip = pdf_text(web.get(f"/officer/dossiers/{code}/form-01.pdf").get_data())
    assert f"{PUBLIC_URL}/track?code={code}" in slip.replace("\n", "")
    assert "evil" not in slip
