"""Security headers on every response (web/headers.py), and templates that need no inline code for
the Content-Security-Policy to hold (the browser tests check that nothing is blocked)."""

from __future__ import annotations

import re
from pathlib import Path

from web.headers import CONTENT_SECURITY_POLICY

from .test_portal import apply_p02

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
EXPECTED = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
}


def _directives(policy: str) -> dict[str, str]:
    return {name: value for name, _, value in (part.strip().partition(" ") for part in policy.split(";"))}


def test_the_policy_allows_only_the_sites_own_files_and_no_framing():
    policy = _directives(CONTENT_SECURITY_POLICY)
    assert policy["default-src"] == policy["script-src"] == policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'" and policy["object-src"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY  # no inline script or style, no eval


def test_every_kind_of_response_carries_the_headers(web, other_web):
    web.signup()
    code = apply_p02(web)
    (doc,) = re.findall(rf"/dossiers/{re.escape(code)}/documents/(\d+)", web.text(f"/dossiers/{code}"))
    responses = {
        "page": web.get("/"),
        "form page": web.get(f"/track?code={code}"),
        "redirect": other_web.get("/dossiers"),  # to log in
        "not found": web.get("/no-such-page"),
        "forbidden": web.get("/officer/"),
        "PDF slip": web.get(f"/dossiers/{code}/receipt.pdf"),
        "document": web.get(f"/dossiers/{code}/documents/{doc}"),
        "stylesheet": web.get("/static/app.css"),
        "API": web.client.post("/api/bank/updates", data=b"{}", content_type="application/json"),
        "refused form": web.client.post("/login", data={}),
    }
    assert {kind: r.status_code for kind, r in responses.items()} == {
        "page": 200,
        "form page": 200,
        "redirect": 302,
        "not found": 404,
        "forbidden": 403,
        "PDF slip": 200,
        "document": 200,
        "stylesheet": 200,
        "API": 401,
        "refused form": 400,
    }
    for kind, response in responses.items():
        assert {name: response.headers.get(name) for name in EXPECTED} == EXPECTED, kind


_INLINE = {
    "inline script": re.compile(r"<script\b(?![^>]*\bsrc=)", re.I),
    "event handler attribute": re.compile(r"<[^>]+\son[a-z]+\s*=", re.I),
    "style attribute": re.compile(r"<[^>]+\sstyle\s*=", re.I),
    "style element": re.compile(r"<style\b", re.I),
    "javascript: address": re.compile(r"javascript:", re.I),
}


def test_no_template_has_inline_script_or_style():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 20
    found = [
        f"{path.relative_to(TEMPLATES)}: {what}"
        for path in templates
        for what, pattern in _INLINE.items()
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
