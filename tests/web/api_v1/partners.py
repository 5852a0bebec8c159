"""Partners' software as it would drive the API: the administrator makes its client on the admin page
(the secret shown once), then the software trades client id and secret for an access token."""

from __future__ import annotations

import re

from sqlalchemy import select

from engine.data.models import User
from engine.people.officers import grant
from tests.web.helpers import Web

_ID = re.compile(r'id="new-client-id" type="text" readonly value="(mcc_[^"]+)"')
_SECRET = re.compile(r'id="new-client-secret" type="text" readonly value="(mcs_[^"]+)"')
PAGE = "/officer/admin/partners"


def as_admin(web: Web, runtime, office) -> Web:
    """hoa.lanhdao, also the administrator, logged in."""
    with runtime.db.write() as session:
        user = session.scalars(select(User).where(User.username == "hoa.lanhdao")).one()
        grant(session, user, "admin", office.unit)
    assert web.officer_login("hoa.lanhdao").status_code == 302
    return web


def make_client(web: Web, kind: str, name: str, tax_code: str = "") -> tuple[str, str]:
    """Make a client on the admin page (the form redirects to the page); its id and the secret the
    page shows once."""
    response = web.post(PAGE, {"kind": kind, "name": name, "tax_code": tax_code}, page=PAGE, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert [r.status_code for r in response.history] == [303], page
    assert response.status_code == 200 and response.request.path == PAGE
    return _ID.search(page).group(1), _SECRET.search(page).group(1)


def token_for(client, client_id: str, secret: str) -> str:
    response = client.post(
        "/api/v1/oauth/token",
        data={"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]
