"""Links that leave the product (in SMS and e-mails, on printed slips and their QR codes): built on
the configured public address (MOTCUA_PUBLIC_URL), never on the Host header a request came with,
which anyone can set."""

from __future__ import annotations

from flask import request, url_for

from .context import runtime


def public_url_for(endpoint: str, **values) -> str:
    path = url_for(endpoint, **values)
    root = request.script_root if request else ""
    if root and path.startswith(root):  # the public address already says where the app is mounted
        path = path[len(root) :]
    return runtime().settings.public_url.rstrip("/") + path
