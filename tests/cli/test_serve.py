"""`motcua serve` as an office runs it: the real console script serves the web application and, in
the background, fires a timer that is due and delivers the outbox to the outside systems (the real
simulators), printing what it did, until Ctrl+C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from engine.statuses import DossierStatus
from tests.cli.running import MOTCUA, PROJECT
from tests.engine.integration.test_outbox import serve_simulators, start
from tests.helpers import do_task

# Ctrl+C stops the server as it does in a terminal, however the test runner was started: a process
# inherits an ignored SIGINT (a library in the same test worker may have ignored it), and Python then
# never turns Ctrl+C into KeyboardInterrupt; this starts the command with SIGINT at its default.
CTRL_C_STOPS = [
    sys.executable,
    "-c",
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_serve_runs_the_background_work_beside_the_web_application(runtime, office, tmp_path):
    # asked for papers on the test's clock (2 March 2026): by the real clock the 30 days have passed
    code = start(runtime)
    do_task(runtime, office, code, "reception_check", decision="supplement", missing_documents="TK1-TS")
    port = free_port()
    output = tmp_path / "serve.out"
    with serve_simulators() as base, output.open("w") as out:
        env = {
            **os.environ,
            "MOTCUA_DATABASE_URL": runtime.settings.database_url,
            "MOTCUA_CELERY_BROKER": "",
            "MOTCUA_PORTAL_URL": f"{base}/portal",
            "MOTCUA_NOTIFY_URL": f"{base}/notify",
            "MOTCUA_POST_URL": f"{base}/post",
            "MOTCUA_BANK_URL": f"{base}/bank",
        }
        server = subprocess.Popen(
            [*CTRL_C_STOPS, str(MOTCUA), "serve", "--port", str(port), "--threads", "2", "--interval", "0.5"],
            cwd=PROJECT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            deadline = time.monotonic() + 90
            while not (
                "1 timer(s) fired, 0 late dossier(s) flagged\n" in output.read_text()
                and re.search(r"^\d+ sent$", output.read_text(), re.M)
            ):
                assert server.poll() is None, output.read_text()
                assert time.monotonic() < deadline, output.read_text()
                time.sleep(0.2)
            page = httpx.get(f"http://127.0.0.1:{port}/", follow_redirects=True, timeout=30)
        finally:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        printed = output.read_text().splitlines()
        portal = httpx.get(f"{base}/portal/dossiers/{code}").json()["statuses"]

    # the background work starts first: what it prints may come before these lines
    assert f"Motcua is running on {runtime.settings.database_url}" in printed, printed
    assert f"Open http://127.0.0.1:{port}/  (Ctrl+C stops)" in printed
    assert "stopped" in printed
    assert page.status_code == 200
    assert runtime.dossiers.get(code).status == DossierStatus.STOPPED
    assert portal and portal[0]["status"] == 1  # the outbox thread pushed the dossier's statuses
