"""Schemathesis drives the live product (served on a local port) from its own OpenAPI document: every
operation, with data generated from the document (valid and not), with an applicant's token, an
officer's, and the access tokens of partners' software (an employer's, a medical facility's).
Passes when no answer is a server error and every answer conforms to the document (its status,
content type, headers and body schema)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.serving import serving
from tests.web.helpers import PASSWORD

from .helpers import make_token, submit
from .partners import as_admin, make_client, token_for

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    )
)
EXAMPLES = 30  # per operation and phase; a run takes about a minute on the 2-core machines


@pytest.fixture
def database_url(tmp_path, sqlite_template):
    """SQLite only: what is checked is the HTTP surface, the same on either database (the other API
    tests run on both)."""
    path = tmp_path / "motcua.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


def _schemathesis(base: str, token: str, report: Path) -> subprocess.CompletedProcess:
    """The run, from the test's own folder: Schemathesis keeps its cache (.schemathesis/) where it runs."""
    command = [
        str(Path(sys.executable).with_name("schemathesis")),
        "run",
        f"{base}/api/v1/openapi.json",
        "--checks",
        CHECKS,
        "--header",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        "20261206",
        "--workers",
        "1",
        "--phases",
        "examples,coverage,fuzzing",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=600, check=False, cwd=report.parent)


@pytest.mark.parametrize("holder", ["applicant", "officer", "employer", "medical_facility"])
def test_every_operation_answers_as_documented(app, web, runtime, office, holder, tmp_path):
    # hundreds of calls a minute, as no real program makes: the limits are tested in test_limits.py
    app.config.update(RATELIMIT_API_CALLER="100000 per minute", RATELIMIT_API_CREATE="100000 per minute")
    if holder == "applicant":
        web.signup()
        token = make_token(web)
        assert submit(web.client, token).status_code == 201  # one real dossier among the made-up codes
    elif holder == "officer":
        assert web.officer_login("lan.desk", PASSWORD).status_code == 302
        token = make_token(web, scopes=("read", "work"))
    else:  # a partner's software, its client made by the administrator
        as_admin(web, runtime, office)
        token = token_for(web.client, *make_client(web, holder, "Đối tác thử", "4300567812"))
    with serving(app) as base:
        run = _schemathesis(base, token, tmp_path / "junit.xml")
    report = (tmp_path / "junit.xml").read_text() if (tmp_path / "junit.xml").exists() else ""
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    # every operation of the document was exercised, and none failed
    spec = web.client.get("/api/v1/openapi.json").get_json()
    methods = {"get", "post", "put", "patch", "delete"}
    operations = sum(len(methods & set(item)) for item in spec["paths"].values())
    assert operations >= 10 and report.count("<testcase ") == operations, report[:2000]
    assert 'failures="0"' in report and 'errors="0"' in report
