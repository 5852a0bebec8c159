"""The Content-Security-Policy in a real browser: inline code does not run, no page may frame the
site, and the watch every browser test relies on (conftest.no_csp_violations) does see a violation."""

from __future__ import annotations

from flask import Flask

from web import create_app

from ..serving import serving
from .conftest import open_context

INLINE = """<!doctype html><html><head><title>before</title></head><body>
<p id="styled" style="color: rgb(255, 0, 0)">styled</p>
<script>document.title = "inline code ran";</script>
</body></html>"""


def test_inline_code_is_blocked_and_reported(runtime, office, browser, no_csp_violations):
    app = create_app({"SECRET_KEY": "browser-test"}, runtime=runtime)
    app.add_url_rule("/inline", "inline", lambda: INLINE)  # a page that breaks the rule, as an injection would
    with serving(app) as url:
        context = open_context(browser)
        page = context.new_page()
        page.goto(url + "/inline")
        assert page.title() == "before"  # the script did not run
        assert page.locator("#styled").evaluate("e => getComputedStyle(e).color") != "rgb(255, 0, 0)"
        page.evaluate("1")  # let the console messages arrive
        context.close()
    assert any("script-src" in v for v in no_csp_violations), no_csp_violations
    assert any("style-src" in v for v in no_csp_violations), no_csp_violations
    no_csp_violations.clear()  # expected here: this test makes them


def test_the_site_cannot_be_framed(server, browser, no_csp_violations):
    """Another site framing a page (clickjacking) gets an empty frame."""
    outsider = Flask("outsider")  # another origin: a server of its own on another port
    outsider.add_url_rule("/", "frame", lambda: f'<!doctype html><iframe src="{server}/login"></iframe>')
    with serving(outsider) as other:
        context = open_context(browser)
        page = context.new_page()
        page.goto(other + "/")
        page.wait_for_timeout(500)
        frame = page.frames[-1]
        assert "Đăng nhập" not in frame.content()
        context.close()
    no_csp_violations.clear()  # frame-ancestors refusals are reported as violations of the framing page
