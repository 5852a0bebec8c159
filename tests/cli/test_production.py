"""`motcua production` as an office starts it: on PostgreSQL and Redis it serves pages from gunicorn's
workers, with its Celery workers and its scheduler beside them, and SIGTERM stops every one of its
processes; it refuses to start on what production cannot run on."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time

import httpx
import pytest

from engine.background.readiness import check_broker
from tests.cli.running import MOTCUA, PROJECT
from tests.cli.test_serve import free_port

BROKER = os.environ.get("MOTCUA_TEST_CELERY_BROKER", "redis://127.0.0.1:6379/5")
STARTED = re.compile(r"^started (.+) \(pid (\d+)\)$", re.M)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def production_env(database_url: str, port: int) -> dict[str, str]:
    if check_broker(BROKER) != "ok" and os.environ.get("CI") != "true":
        pytest.skip(f"Redis does not answer at {BROKER}")
    return {
        **os.environ,
        "MOTCUA_DATABASE_URL": database_url,
        "MOTCUA_CELERY_BROKER": BROKER,
        "MOTCUA_SECRET_KEY": "a-secret-key-shared-by-every-web-process",
        "MOTCUA_BIND": f"127.0.0.1:{port}",
        "MOTCUA_WEB_WORKERS": "2",
        "MOTCUA_CELERY_WORKERS": "1",
    }


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_production_serves_from_gunicorn_on_postgresql_and_stops_on_sigterm(runtime, tmp_path):
    port = free_port()
    output = tmp_path / "production.out"
    env = production_env(runtime.settings.database_url, port)
    with output.open("w") as out:
        command = subprocess.Popen(
            [str(MOTCUA), "production", "--grace", "10"], cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert command.poll() is None, output.read_text()
            assert time.monotonic() < deadline, output.read_text()
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/procedures", timeout=10)
                break
            except httpx.TransportError:  # gunicorn not listening yet
                time.sleep(0.2)
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=10)
    finally:
        command.send_signal(signal.SIGTERM)
        try:
            status = command.wait(30)
        except subprocess.TimeoutExpired:
            command.kill()
            raise
    printed = output.read_text()
    assert page.status_code == 200 and "P02" in page.text
    assert ready.status_code == 200, ready.text
    assert ready.json()["checks"] == {"database": "ok", "migrations": "ok", "broker": "ok"}
    children = dict(STARTED.findall(printed))
    assert set(children) == {"web (gunicorn)", "outbox (celery worker)", "scheduler"}, printed
    assert "Booting worker" in printed  # gunicorn's
    assert status == 0, printed
    assert "SIGTERM received: stopping" in printed and printed.rstrip().endswith("stopped")
    assert not [name for name, pid in children.items() if alive(int(pid))]


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_when_one_process_cannot_run_the_others_are_stopped_too(runtime, tmp_path):
    with socket.socket() as taken:  # gunicorn cannot listen where something already does
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        env = production_env(runtime.settings.database_url, taken.getsockname()[1])
        command = [str(MOTCUA), "production", "--grace", "10"]
        result = subprocess.run(command, cwd=PROJECT, env=env, capture_output=True, text=True, timeout=120)
    printed = result.stdout + result.stderr
    assert result.returncode == 1, printed
    assert "web (gunicorn) ended by itself" in printed
    children = dict(STARTED.findall(printed))
    assert set(children) == {"web (gunicorn)", "outbox (celery worker)", "scheduler"}, printed
    assert not [name for name, pid in children.items() if alive(int(pid))]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_production_refuses_sqlite_and_a_missing_broker_and_secret_key(database_url):
    env = {**os.environ, "MOTCUA_DATABASE_URL": database_url, "MOTCUA_CELERY_BROKER": "", "MOTCUA_SECRET_KEY": ""}
    result = subprocess.run([str(MOTCUA), "production"], cwd=PROJECT, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "cannot start production mode" in result.stderr
    for setting in ("MOTCUA_DATABASE_URL", "MOTCUA_CELERY_BROKER", "MOTCUA_SECRET_KEY"):
        assert setting in result.stderr
    assert "started" not in result.stdout
