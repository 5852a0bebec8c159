"""Browser tests: Debian's Chromium driven by Playwright (no browser download) against the web app
served on 127.0.0.1 by the test itself, on a fresh SQLite database. Screenshots of the pages go to
test-artifacts/screenshots/ (not committed). A click that loads a page is wrapped in
`expect_navigation()`, so the test reads the new page, never one still loading. Every browser context
comes from open_context(), and a test fails on any Content-Security-Policy violation in its pages."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from engine.config import PROJECT_ROOT
from engine.data.models import User
from web import create_app

from ..serving import serving

SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REQUIRED = bool(os.environ.get("MOTCUA_REQUIRE_BROWSER"))


@pytest.fixture
def database_url(tmp_path, sqlite_template):
    """Browser tests run on SQLite only: the database paths are covered by the web tests."""
    path = tmp_path / "motcua.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        if REQUIRED:
            pytest.fail("chromium is not installed (apt-get install -y chromium)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def server(runtime, office, password_hash):
    """The app on a free port of 127.0.0.1; yields its base URL."""
    with runtime.db.write() as session:
        for user in session.query(User):
            user.password_hash = password_hash
    with serving(create_app({"SECRET_KEY": "browser-test"}, runtime=runtime)) as url:
        yield url


class Screens:
    """Saves full-page screenshots named after the test."""

    def __init__(self, test_name: str):
        self.prefix = test_name.replace("/", "_")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def shot(self, page, name: str) -> Path:
        path = SCREENSHOTS / f"{self.prefix}--{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def screens(request) -> Screens:
    return Screens(request.node.name)


# Runs in every page before its own code (Playwright injects it past the page's policy): a blocked
# script, style or image is reported on the console, where open_context() collects it.
_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => console.error(
  `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} on ${location.pathname}`));
"""
_VIOLATIONS: list[str] = []


def open_context(browser, **context_args):
    """A browser context whose Content-Security-Policy violations fail the test (no_csp_violations)."""
    context = browser.new_context(**context_args)
    context.set_default_timeout(15_000)
    context.add_init_script(_REPORT_VIOLATIONS)
    context.on(
        "console",
        lambda message: (
            _VIOLATIONS.append(message.text)
            if message.type == "error"
            and ("CSP violation" in message.text or "Content Security Policy" in message.text)
            else None
        ),
    )
    return context


@pytest.fixture(autouse=True)
def no_csp_violations():
    """Every browser test: the pages work under the site's policy, with nothing blocked."""
    _VIOLATIONS.clear()
    yield _VIOLATIONS
    assert _VIOLATIONS == [], "the Content-Security-Policy blocked something"


def _new_page(browser, **context_args):
    context = open_context(browser, **context_args)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    context, page = _new_page(browser, viewport={"width": 1280, "height": 900})
    yield page
    context.close()


@pytest.fixture
def phone(browser):
    """A phone-sized screen."""
    context, page = _new_page(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield page
    context.close()
