"""Where the site may send the browser after a form: the one check every `next` goes through."""

from __future__ import annotations

from urllib.parse import urlsplit


def local_target(target: str | None, default: str) -> str:
    r"""`target` if it is a path on this site (a login's `next`, the page a form came from), else
    `default`. Browsers drop tabs and newlines and read a backslash as a slash, so "/\t/evil.example"
    or "/\evil.example" would leave the site: any such character refuses the target."""
    target = target or ""
    if not target.startswith("/") or any(ch < " " or ch in "\\\x7f" for ch in target):
        return default
    parts = urlsplit(target)
    if target.startswith("//") or parts.scheme or parts.netloc:
        return default
    return target
