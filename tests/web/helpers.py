"""Driving the web app as a user would, through the Flask test client: every form post carries
the CSRF token read from the page it was filled on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient

PASSWORD = "mat-khau-2026"
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Web:
    client: FlaskClient

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)

    def token(self, page_url: str) -> str:
        page = self.client.get(page_url)
        found = _TOKEN.search(page.get_data(as_text=True))
        assert found, f"no CSRF token on {page_url} ({page.status_code})"
        return found.group(1)

    def post(self, url: str, data: dict[str, Any] | None = None, page: str | None = None, **kw):
        """Post a form as if filled on `page` (default: the form's own URL)."""
        data = dict(data or {})
        data.setdefault("csrf_token", self.token(page or url))
        return self.client.post(url, data=data, **kw)

    def signup(
        self,
        id_number: str = "051090001234",
        name: str = "Trần Thị Mai",
        kind: str = "individual",
        phone: str = "0912345678",
        email: str = "",
        password: str = PASSWORD,
        log_in: bool = True,
    ):
        """Sign up, then log in as the page says (sign-up answers alike for a new and a taken number)."""
        response = self.post(
            "/signup",
            {
                "kind": kind,
                "id_number": id_number,
                "full_name": name,
                "phone": phone,
                "email": email,
                "address": "Quảng Ngãi",
                "password": password,
                "password_confirm": password,
            },
        )
        if log_in and response.status_code == 200:
            self.login(id_number, password)
        return response

    def login(self, identifier: str, password: str = PASSWORD):
        return self.post("/login", {"identifier": identifier, "password": password})

    def officer_login(self, username: str, password: str = PASSWORD):
        return self.post("/officer/login", {"username": username, "password": password})

    def logout(self):
        return self.post("/logout", page="/")

    def text(self, url: str) -> str:
        return self.client.get(url).get_data(as_text=True)
