"""Web fixtures: the Flask app on the same real databases as the engine tests (SQLite and
PostgreSQL), with CSRF protection on as in production."""

from __future__ import annotations

import pytest

from engine.data.models import User
from engine.people.officers import add_user, grant
from web import create_app

from .helpers import PASSWORD, Web


@pytest.fixture
def app(runtime, office, password_hash):
    with runtime.db.write() as session:  # the office's officers can log in with PASSWORD
        for user in session.query(User):
            user.password_hash = password_hash
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret", "SERVER_NAME": "motcua.test"}, runtime=runtime)
    yield app


@pytest.fixture
def web(app) -> Web:
    return Web(app.test_client())


@pytest.fixture
def other_web(app) -> Web:
    """A second browser: another person, with their own session."""
    return Web(app.test_client())


@pytest.fixture
def designer(app, runtime, office, password_hash) -> Web:
    """The demo designer logged in, reading the studio in English."""
    with runtime.db.write() as session:
        user = add_user(session, "an.thietke", "Nguyễn Văn An")
        user.password_hash = password_hash
        grant(session, user, "designer", office.unit)
    web = Web(app.test_client())
    assert web.officer_login("an.thietke", PASSWORD).status_code == 302
    web.post("/language", {"lang": "en", "next": "/designer/"}, page="/designer/")  # messages read in English
    return web
