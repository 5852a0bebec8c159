"""The load balancer's probes: /healthz answers while the process lives, whatever the database does;
/readyz answers 200 only while the database answers at the newest schema and the Celery broker (when
one is configured) answers, else 503 naming what is wrong. Anyone may ask, without a login or a form
token, and no answer is cached."""

from __future__ import annotations

import os
import socket
import time

import pytest

from engine.background.readiness import check_broker
from engine.config import Settings
from engine.data.db import Database
from engine.data.migrate import upgrade
from engine.runtime import Runtime
from web import create_app

BROKER = os.environ.get("MOTCUA_TEST_CELERY_BROKER", "redis://127.0.0.1:6379/5")
CLOSED_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:1/test"  # nothing listens on port 1
CLOSED_REDIS = "redis://127.0.0.1:1/0"


def probe(database_url: str, broker: str = ""):
    """A browser without cookies on an app made from these settings alone."""
    runtime = Runtime.create(Settings(database_url=database_url, celery_broker=broker))
    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, runtime=runtime)
    return app.test_client(), runtime


def test_both_answer_ok_on_a_database_at_the_newest_schema(app):
    client = app.test_client()
    alive = client.get("/healthz")
    assert alive.status_code == 200 and alive.json == {"status": "ok"}
    assert alive.headers["Cache-Control"] == "no-store"
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "broker": "not configured"},
    }
    assert ready.headers["Cache-Control"] == "no-store"


def test_with_the_database_unreachable_the_process_is_alive_but_not_ready():
    client, runtime = probe(CLOSED_POSTGRES)
    try:
        assert client.get("/healthz").status_code == 200
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json["status"] == "not ready"
        assert ready.json["checks"]["database"].startswith("unreachable")
    finally:
        runtime.close()


def test_a_database_that_does_not_answer_makes_the_probe_answer_503_within_seconds():
    # a port that takes connections (the kernel completes the handshake) but whose server never says
    # a word: as a database host that hangs, or a firewall that drops what follows
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    client, runtime = probe(f"postgresql+psycopg://postgres@127.0.0.1:{silent.getsockname()[1]}/test")
    try:
        began = time.monotonic()
        ready = client.get("/readyz")
        took = time.monotonic() - began
        assert ready.status_code == 503
        assert ready.json["checks"]["database"].startswith("unreachable")
        assert ready.json["checks"]["migrations"] == "unknown"
        assert took < 3.5, f"/readyz took {took:.1f} s"
        assert client.get("/healthz").status_code == 200
    finally:
        runtime.close()
        silent.close()


def test_a_database_behind_the_newest_migration_is_not_ready(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    client, runtime = probe(url)
    try:
        ready = client.get("/readyz")  # an empty database: no schema at all
        assert ready.status_code == 503
        assert ready.json["checks"] == {
            "database": "ok",
            "migrations": "no schema: run `motcua db upgrade`",
            "broker": "not configured",
        }
        db = Database(url)
        upgrade(db, "0023_admin_changes")
        db.dispose()
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json["checks"]["migrations"].startswith("at 0023_admin_changes, not at the newest")
        db = Database(url)
        upgrade(db)
        db.dispose()
        assert client.get("/readyz").status_code == 200
    finally:
        runtime.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_configured_broker_must_answer(runtime):
    if check_broker(BROKER) != "ok" and os.environ.get("CI") != "true":
        pytest.skip(f"Redis does not answer at {BROKER}")
    url = runtime.settings.database_url
    answering, first = probe(url, BROKER)
    silent, second = probe(url, CLOSED_REDIS)
    try:
        ready = answering.get("/readyz")
        assert ready.status_code == 200 and ready.json["checks"]["broker"] == "ok"
        ready = silent.get("/readyz")
        assert ready.status_code == 503 and ready.json["checks"]["broker"].startswith("unreachable")
        assert ready.json["checks"]["database"] == "ok"
    finally:
        first.close()
        second.close()


def test_the_probes_need_no_login_and_take_get_only(app):
    client = app.test_client()
    for url in ("/healthz", "/readyz"):
        assert client.get(url).status_code == 200, url
        assert client.post(url).status_code == 405, url
