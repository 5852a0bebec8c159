"""Driving the REST API as a program would: a token made on the account page (as its holder would),
then calls with `Authorization: Bearer ...` and no cookie."""

from __future__ import annotations

import json
import re
import uuid
from io import BytesIO

from tests.helpers import P02_APPLICATION
from tests.web.helpers import Web
from tests.web.test_portal import PDF

_SHOWN = re.compile(r'id="new-token" type="text" readonly value="(mct_[^"]+)"')


def make_token(web: Web, scopes=("read", "submit"), days: int = 90, name: str = "VssID") -> str:
    """Make a token on the logged-in holder's account page (the form redirects to the page); the token
    the page shows once."""
    response = web.post(
        "/account/tokens",
        {"name": name, "scopes": list(scopes), "days": str(days)},
        page="/account/",
        follow_redirects=True,
    )
    assert [r.status_code for r in response.history] == [303], response.get_data(as_text=True)
    assert response.status_code == 200 and response.request.path == "/account/"
    found = _SHOWN.search(response.get_data(as_text=True))
    assert found, "the new token is shown on the page"
    return found.group(1)


def auth(token: str, **headers: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", **headers}


def p02_submission(application: dict | None = None, files: dict | None = None) -> dict:
    """A multipart P02 submission: the application as JSON and the declaration TK1-TS as a PDF."""
    data = {"procedure": "P02", "application": json.dumps(application or P02_APPLICATION)}
    for name, content in (files if files is not None else {"doc-tk1_ts": (PDF, "to-khai.pdf")}).items():
        data[name] = (BytesIO(content[0]), content[1])
    return data


def submit(client, token: str, key: str | None = None, **kw):
    key = key or uuid.uuid4().hex
    return client.post(
        "/api/v1/dossiers",
        data=p02_submission(**kw),
        headers=auth(token, **{"Idempotency-Key": key}),
        content_type="multipart/form-data",
    )
